"""The sandbox time-stamping authority (TSA thử nghiệm, ADR 0049): RFC 3161 over real HTTP.

It behaves like a real TSA for the anchor job: it reads a TimeStampReq, answers a TimeStampResp
whose token is signed by its own TSA certificate (RSA, extended key usage timeStamping, issued by
its own root), with a nonce and the time of this machine. Its root certificate is the file to
give verifiers as `MOTCUA_AUDIT_TSA_CA`. When asked it fails as real ones do: `mode = "refuse"`
answers status rejection, `mode = "error"` answers HTTP 503. Token signing is pyHanko's
`DummyTimeStamper` (made for this), the certificates are `cryptography`'s.

Run it: `motcua audit tsa-sandbox --port 8318`, then `MOTCUA_AUDIT_TSA_URL=http://127.0.0.1:8318/`
and `MOTCUA_AUDIT_TSA_CA=<the printed root file>`.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from . import conf, timestamps
from .keys import _create_once

CA_FILE = "ca.pem"
TSA_FILE = "tsa.pem"
KEY_FILE = "tsa-key.pem"
MAX_REQUEST = 64 * 1024


def default_dir() -> Path:
    return conf.key_dir() / "audit-tsa-sandbox"


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "motcua sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _create(directory: Path) -> None:
    now = datetime.now(UTC) - timedelta(days=1)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name("motcua sandbox TSA root")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = (
        x509.CertificateBuilder()
        .subject_name(_name("motcua sandbox TSA"))
        .issuer_name(ca_name)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _create_once(directory / KEY_FILE, _pem_key(tsa_key))
    _create_once(directory / TSA_FILE, tsa.public_bytes(serialization.Encoding.PEM))
    _create_once(directory / CA_FILE, ca.public_bytes(serialization.Encoding.PEM))


class SandboxTSA:
    """The sandbox authority's identity (kept in `directory`, created on first use) and its answers."""

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory or default_dir())
        if not (self.directory / CA_FILE).exists():
            _create(self.directory)
        self.mode = "ok"
        self.requests = 0
        tsa_cert = x509.load_pem_x509_certificate((self.directory / TSA_FILE).read_bytes())
        key = serialization.load_pem_private_key((self.directory / KEY_FILE).read_bytes(), password=None)
        der_key = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.tsa_cert = asn1_x509.Certificate.load(tsa_cert.public_bytes(serialization.Encoding.DER))
        self.tsa_key = asn1_keys.PrivateKeyInfo.load(der_key)

    @property
    def ca_file(self) -> Path:
        return self.directory / CA_FILE

    def respond(self, body: bytes) -> bytes:
        """The DER TimeStampResp to a DER TimeStampReq."""
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        self.requests += 1
        try:
            request = tsp.TimeStampReq.load(body)
            request.native  # noqa: B018 — parse it whole now: a malformed request is refused here
        except (ValueError, TypeError, KeyError):
            return _refusal("bad_data_format", "malformed TimeStampReq")
        if self.mode == "refuse":
            return _refusal("system_failure", "sandbox asked to refuse")
        algorithm = request["message_imprint"]["hash_algorithm"]["algorithm"].native
        if algorithm not in ("sha256", "sha384", "sha512"):
            return _refusal("bad_alg", f"{algorithm} not accepted")
        stamper = DummyTimeStamper(tsa_cert=self.tsa_cert, tsa_key=self.tsa_key)
        return stamper.request_tsa_response(request).dump()


def _refusal(fail_info: str, text: str) -> bytes:
    status = tsp.PKIStatusInfo(
        {"status": "rejection", "status_string": [text], "fail_info": tsp.PKIFailureInfo({fail_info})}
    )
    return timestamps.Reply({"status": status}).dump()


def _handler(tsa: SandboxTSA):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/timestamp-query":
                return self._send(415, b"application/timestamp-query expected", "text/plain")
            if length <= 0 or length > MAX_REQUEST:
                return self._send(413, b"request too large", "text/plain")
            body = self.rfile.read(length)
            if tsa.mode == "error":
                return self._send(503, b"sandbox TSA asked to fail", "text/plain")
            return self._send(200, tsa.respond(body), "application/timestamp-reply")

        def _send(self, code: int, body: bytes, content_type: str):
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 — quiet in tests and in the worker log
            pass

    return Handler


class Server:
    """The sandbox TSA served over HTTP in a thread (tests), or in the foreground (the command)."""

    def __init__(self, tsa: SandboxTSA, host: str = "127.0.0.1", port: int = 0):
        self.tsa = tsa
        self.httpd = ThreadingHTTPServer((host, port), _handler(tsa))
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> Server:
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="sandbox-tsa", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
