"""Digital signatures (chữ ký số) on PDF documents: the Signer port, its adapters, verification.

The port is two methods (``Signer``): sign a PDF (PAdES, incremental update, so earlier signatures
stay valid) and give the signer's certificate. ``get_signer(officer, agency)`` picks the adapter
from ``settings.MOTCUA_SIGNER``:

- ``"sandbox"`` (default) — ``LocalCASigner``: a local certification authority under
  ``VAR_DIR/pki`` ("motcua Sandbox CA – <province>") issues each officer a certificate (CN =
  officer, O = agency) the first time they sign. Real PAdES signatures that any PDF reader can
  check once it trusts the sandbox CA; legally worthless, which is the point of a sandbox.
- ``"remote"`` — ``RemoteSigningServiceSigner``: the place for the real adapter (a CA's remote
  signing API or an HSM/token through PKCS#11). Not implemented: it refuses to start.

The adapters are the "signer" family of ``core.adapters`` (registered by ``register_adapters``).
``verify_pdf(data)`` checks every embedded signature against the trust roots (the sandbox CA
unless ``MOTCUA_TRUST_SANDBOX_CA`` is off, plus the PEM files in ``MOTCUA_TRUSTED_CA_FILES``) and
answers a ``Verification`` with the problems in Vietnamese; it never raises. The visible "signed by"
block is HTML in the document (``core/pdf_base.html``); ``render_and_sign`` renders it and signs.
See docs/adr/0006-documents-and-signatures.md.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import hashlib
import io
import logging
import os
import tempfile
import unicodedata
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from . import adapters

logger = logging.getLogger(__name__)

DEFAULT_FIELD_NAME = "ChuKySo"
KEY_SIZE = 3072
CA_VALIDITY = timedelta(days=3652)  # 10 years
LEAF_VALIDITY = timedelta(days=730)  # 2 years
#: A leaf certificate closer than this to its end is replaced by a new one before signing.
LEAF_RENEW_BEFORE = timedelta(days=30)
#: id-kp-documentSigning (RFC 9336).
EKU_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")

T = TypeVar("T")


class SigningError(Exception):
    """Signing failed (the input is not a PDF, the key is unreadable…); the message is Vietnamese."""


# --- the port ----------------------------------------------------------------------------------


@runtime_checkable
class Signer(Protocol):
    """Signs PDFs for one officer of one agency."""

    def sign_pdf(
        self, pdf: bytes, *, reason: str, signer_name: str, field_name: str = DEFAULT_FIELD_NAME
    ) -> bytes:
        """A PAdES signature (SHA-256, invisible field) appended as an incremental update."""
        ...

    def certificate_pem(self) -> str:
        """The signer's certificate, PEM."""
        ...


def get_signer(officer_name: str, agency_name: str) -> Signer:
    """The configured adapter (``settings.MOTCUA_SIGNER``, family "signer" of ``core.adapters``)
    for this officer of this agency; an unknown name is ImproperlyConfigured (``UnknownAdapter``)."""
    return adapters.get("signer")(officer_name, agency_name)


def register_adapters() -> None:
    """The signer family (CoreConfig.ready): "sandbox" and "remote" ("hsm", "pkcs11" say the same)."""
    adapters.declare(
        "signer",
        setting="MOTCUA_SIGNER",
        choose=lambda: (getattr(settings, "MOTCUA_SIGNER", "sandbox") or "sandbox").strip().lower(),
        aliases={"hsm": "remote", "pkcs11": "remote"},
    )
    adapters.register("signer", "sandbox", LocalCASigner)
    adapters.register("signer", "remote", RemoteSigningServiceSigner)


def _in_sync_context(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """pyHanko's sync API calls asyncio.run(), which fails inside a running loop (an async view)."""
    try:
        asyncio.get_running_loop()
        in_loop = True
    except RuntimeError:
        in_loop = False
    if not in_loop:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def _pades_sign(pdf: bytes, pyhanko_signer, *, reason: str, signer_name: str, field_name: str) -> bytes:
    """Shared by the adapters that hold (or reach) a key through a pyHanko signer."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers

    if not isinstance(pdf, bytes | bytearray) or not bytes(pdf[:1024]).lstrip().startswith(b"%PDF-"):
        raise SigningError("Không ký được: dữ liệu không phải là tệp PDF.")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(bytes(pdf)), strict=True)
        taken = {name for name, value, _ in fields.enumerate_sig_fields(writer) if value is not None}
        name, n = field_name, 1
        while name in taken:  # a second signer gets ChuKySo_2, and so on
            n += 1
            name = f"{field_name}_{n}"
        meta = signers.PdfSignatureMetadata(
            field_name=name,
            reason=reason,
            name=signer_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        pdf_signer = signers.PdfSigner(meta, signer=pyhanko_signer)
        out = _in_sync_context(pdf_signer.sign_pdf, writer)
    except (PdfError, ValueError, KeyError) as exc:
        raise SigningError(f"Không ký được tệp PDF: {exc}") from exc
    return out.getvalue()


# --- the sandbox PKI ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    fingerprint_sha256: str
    serial: str
    not_before: datetime
    not_after: datetime
    path: Path | None = None

    @classmethod
    def of(cls, cert: x509.Certificate, path: Path | None = None) -> CertificateInfo:
        return cls(
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            fingerprint_sha256=fingerprint(cert),
            serial=f"{cert.serial_number:X}",
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            path=path,
        )


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER certificate as "AB:CD:…" (what browsers and Adobe show)."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def pki_dir() -> Path:
    return Path(settings.VAR_DIR) / "pki"


def sandbox_ca_name(province: str | None = None) -> str:
    province = (province or getattr(settings, "MOTCUA_SANDBOX_CA_PROVINCE", "") or "").strip()
    province = province or f"tỉnh mã {settings.MOTCUA_PROVINCE_CODE}"
    return f"motcua Sandbox CA – {province}"


@contextlib.contextmanager
def _locked(directory: Path):
    """One process at a time creates keys (two workers signing at once must not make two CAs)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, data: bytes, mode: int) -> None:
    """Atomic write with the permissions set before any byte lands on disk."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


SIGNING_PASSPHRASE_FILE = "signing.pass"  # noqa: S105 — a file name
_ENCRYPTED_PEM = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"
_loaded_keys: dict[tuple[str, int, int], Any] = {}


def key_passphrase() -> bytes:
    """The passphrase that encrypts the sandbox CA's and the officers' private keys on disk (ADR 0040):
    ``MOTCUA_SIGNING_KEY_PASSPHRASE``, else the key file ``MOTCUA_KEYS_DIR/signing.pass`` (0600, created
    only in the embedded mode, debug and tests; kept apart from the PKI folder and out of the database)."""
    from . import crypto

    configured = (getattr(settings, "MOTCUA_SIGNING_KEY_PASSPHRASE", "") or "").strip()
    if configured:
        return configured.encode()
    path = crypto.keys_dir() / SIGNING_PASSPHRASE_FILE
    if not path.exists():
        if not crypto.may_create_keys():
            raise ImproperlyConfigured(
                f"Chưa có mật khẩu bảo vệ khóa ký: đặt MOTCUA_SIGNING_KEY_PASSPHRASE hoặc tệp {path}."
            )
        crypto._create_file(path, base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
    return path.read_text().strip().encode()


def _key_pem(key) -> bytes:
    """PKCS#8, encrypted with the passphrase (cryptography's best available: AES-256-CBC, PBKDF2)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(key_passphrase()),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _load_key(path: Path):
    # Our own keys, written by this module into a 0700 folder: the RSA consistency check
    # (~0.1 s for 3072 bits) guards against crafted keys, and whoever can write there owns the CA anyway.
    # Decrypted keys are kept per process (file, size, mtime): the passphrase's key derivation is
    # deliberately slow and an officer signs many documents.
    stat = path.stat()
    cache_key = (str(path), stat.st_mtime_ns, stat.st_size)
    key = _loaded_keys.get(cache_key)
    if key is not None:
        return key
    data = path.read_bytes()
    encrypted = data.lstrip().startswith(_ENCRYPTED_PEM)
    key = serialization.load_pem_private_key(
        data, password=key_passphrase() if encrypted else None, unsafe_skip_rsa_key_validation=True
    )
    if not encrypted:  # a key written before ADR 0040: encrypted in place, atomically
        _write(path, _key_pem(key), 0o600)
        stat = path.stat()
        cache_key = (str(path), stat.st_mtime_ns, stat.st_size)
    _loaded_keys[cache_key] = key
    return key


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class SandboxCA:
    """The local CA files: ``ca.key.pem`` (0600) and ``ca.cert.pem`` under ``pki_dir()``."""

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory) if directory is not None else pki_dir()
        self.key_path = self.directory / "ca.key.pem"
        self.cert_path = self.directory / "ca.cert.pem"

    def exists(self) -> bool:
        return self.key_path.exists() and self.cert_path.exists()

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_path.read_bytes())

    def private_key(self):
        return _load_key(self.key_path)

    def info(self) -> CertificateInfo | None:
        return CertificateInfo.of(self.certificate(), self.cert_path) if self.exists() else None

    def ensure(self, province: str | None = None) -> tuple[CertificateInfo, bool]:
        """Create the CA if missing (idempotent): (its info, whether it was created now)."""
        if self.exists():
            return CertificateInfo.of(self.certificate(), self.cert_path), False
        with _locked(self.directory):
            if self.exists():  # another process made it while we waited
                return CertificateInfo.of(self.certificate(), self.cert_path), False
            os.chmod(self.directory, 0o700)
            key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
            name = x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "motcua (sandbox)"),
                    x509.NameAttribute(NameOID.COMMON_NAME, sandbox_ca_name(province)),
                ]
            )
            now = _now()
            cert = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(minutes=5))
                .not_valid_after(now + CA_VALIDITY)
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(
                    x509.KeyUsage(
                        digital_signature=False,
                        content_commitment=False,
                        key_encipherment=False,
                        data_encipherment=False,
                        key_agreement=False,
                        key_cert_sign=True,
                        crl_sign=True,
                        encipher_only=False,
                        decipher_only=False,
                    ),
                    critical=True,
                )
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256())
            )
            _write(self.key_path, _key_pem(key), 0o600)
            _write(self.cert_path, _cert_pem(cert), 0o644)
            logger.warning("Đã tạo CA sandbox %s (%s)", sandbox_ca_name(province), fingerprint(cert))
            return CertificateInfo.of(cert, self.cert_path), True

    def issue(self, officer_name: str, agency_name: str) -> tuple[x509.Certificate, Any]:
        """A signing certificate for this officer of this agency: reused while valid, else new."""
        self.ensure()
        officer_name = unicodedata.normalize("NFC", officer_name.strip())
        agency_name = unicodedata.normalize("NFC", agency_name.strip())
        if not officer_name or not agency_name:
            raise SigningError("Cần tên người ký và tên cơ quan để cấp chứng thư số sandbox.")
        ident = hashlib.sha256(f"{agency_name.casefold()}\0{officer_name.casefold()}".encode()).hexdigest()
        folder = self.directory / "signers" / ident[:24]
        key_path, cert_path = folder / "key.pem", folder / "cert.pem"
        ca_cert = self.certificate()
        with _locked(self.directory):
            if key_path.exists() and cert_path.exists():
                cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
                if self._usable(cert, ca_cert):
                    key = _load_key(key_path)
                    return cert, key
            key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
            cert = self._leaf(key, officer_name, agency_name, ca_cert)
            _write(key_path, _key_pem(key), 0o600)
            _write(cert_path, _cert_pem(cert), 0o644)
            return cert, key

    @staticmethod
    def _usable(cert: x509.Certificate, ca_cert: x509.Certificate) -> bool:
        try:
            cert.verify_directly_issued_by(ca_cert)
        except (ValueError, TypeError, x509.InvalidSignature):
            return False  # the CA was replaced: issue again under the current one
        return cert.not_valid_after_utc - _now() > LEAF_RENEW_BEFORE

    def _leaf(self, key, officer_name: str, agency_name: str, ca_cert: x509.Certificate) -> x509.Certificate:
        ca_key = self.private_key()
        now = _now()
        return (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_name[:64]),
                        x509.NameAttribute(NameOID.COMMON_NAME, officer_name[:64]),
                    ]
                )
            )
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(min(now + LEAF_VALIDITY, ca_cert.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, EKU_DOCUMENT_SIGNING]),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )


def _asn1_cert(cert: x509.Certificate):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class LocalCASigner:
    """The sandbox adapter: keys and certificates from the local CA (``SandboxCA``)."""

    def __init__(self, officer_name: str, agency_name: str, *, pki_directory: Path | None = None):
        self.officer_name = officer_name
        self.agency_name = agency_name
        self.ca = SandboxCA(pki_directory)
        self._cert, self._key = self.ca.issue(officer_name, agency_name)

    def certificate_pem(self) -> str:
        return _cert_pem(self._cert).decode("ascii")

    def _pyhanko_signer(self):
        from asn1crypto import keys as asn1_keys
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from pyhanko.sign import signers
        from pyhanko.sign.general import get_pyca_cryptography_hash
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        key = self._key

        class LoadedKeySigner(signers.SimpleSigner):
            """SimpleSigner re-parses (and re-validates, ~0.1 s) the key for every raw signature."""

            def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
                mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
                try:
                    algorithm = mechanism.signature_algo  # "sha256_rsa" -> "rsassa_pkcs1v15"
                except ValueError:
                    algorithm = mechanism["algorithm"].native
                if algorithm == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
                    return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
                return super().sign_raw(data, digest_algorithm)

        key_der = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return LoadedKeySigner(
            signing_cert=_asn1_cert(self._cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(self.ca.certificate())]),
            embed_roots=True,  # the chain travels with the signature
        )

    def sign_pdf(
        self, pdf: bytes, *, reason: str, signer_name: str, field_name: str = DEFAULT_FIELD_NAME
    ) -> bytes:
        return _pades_sign(
            pdf, self._pyhanko_signer(), reason=reason, signer_name=signer_name, field_name=field_name
        )


class RemoteSigningServiceSigner:
    """Placeholder for the production adapter; NOT implemented, and it says so instead of faking.

    The real adapter keeps the officer's key outside motcua and implements the same two methods:

    - **HSM or USB token (PKCS#11)**: ``pyhanko.sign.pkcs11.PKCS11Signer`` opened on the module
      (``lib_location``), slot/token label and key label of the officer, with the PIN from a
      secret store; the certificate is read from the token and the chain from the issuing CA.
      Then ``_pades_sign(pdf, pkcs11_signer, ...)`` exactly as the sandbox does.
    - **A CA's remote-signing API** (ký số từ xa, e.g. a licensed provider's signing service or the
      government CA's): compute the PAdES digest with pyHanko's interrupted signing
      (``PdfSigner.digest_doc_for_signing`` → send the digest → the officer confirms on their
      phone → ``finish_signing`` with the returned CMS/signature value), so the PDF never leaves.

    Signatures must then verify with the provider's root in ``MOTCUA_TRUSTED_CA_FILES``.
    """

    def __init__(self, officer_name: str, agency_name: str):
        raise NotImplementedError(
            "MOTCUA_SIGNER='remote': bộ ký số qua HSM/dịch vụ ký số từ xa chưa được triển khai. "
            "Dùng MOTCUA_SIGNER='sandbox' để thử nghiệm, hoặc viết adapter theo hướng dẫn trong "
            "motcua/core/signing.py (RemoteSigningServiceSigner) và docs/adr/0006."
        )

    def sign_pdf(
        self, pdf: bytes, *, reason: str, signer_name: str, field_name: str = DEFAULT_FIELD_NAME
    ) -> bytes:  # pragma: no cover — unreachable, __init__ refuses
        raise NotImplementedError

    def certificate_pem(self) -> str:  # pragma: no cover
        raise NotImplementedError


def render_and_sign(
    template_name: str,
    context: Mapping[str, Any] | None,
    *,
    signer: Signer,
    signer_name: str,
    reason: str,
    signer_title: str = "",
    agency_name: str = "",
    base_url: str | Path | None = None,
    field_name: str = DEFAULT_FIELD_NAME,
) -> bytes:
    """Render a template that extends core/pdf_base.html with its "Ký số bởi …" block filled, then sign.

    The time printed in the block is taken just before signing; the signature's own time (/M)
    is a few hundred milliseconds later and is what verification reports.
    """
    from motcua.core.pdf import SignatureBlock, render_pdf

    ctx = dict(context or {})
    ctx["signature"] = SignatureBlock(
        name=signer_name, title=signer_title, agency=agency_name, signed_at=timezone.now()
    )
    pdf = render_pdf(template_name, ctx, base_url=base_url)
    return signer.sign_pdf(pdf, reason=reason, signer_name=signer_name, field_name=field_name)


# --- verification ------------------------------------------------------------------------------

COVERAGE_ENTIRE_FILE = "entire file"
COVERAGE_ENTIRE_REVISION = "entire revision"  # later incremental updates exist
COVERAGE_PARTIAL = "partial"
COVERAGE_NONE = "none"

_PDF_WHITESPACE = b" \t\r\n\x0c\x00"

_TRUST_PROBLEMS = {
    "NO_CERTIFICATE_CHAIN_FOUND": "không tìm thấy chuỗi chứng thực tới một tổ chức chứng thực được tin cậy",
    "NO_SIGNING_CERTIFICATE_FOUND": "không tìm thấy chứng thư số của người ký",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": (
        "chuỗi chứng thực không kiểm tra được: chứng thư số không do tổ chức chứng thực được tin cậy cấp"
    ),
    "REVOKED": "chứng thư số đã bị thu hồi",
    "REVOKED_NO_POE": "chứng thư số đã bị thu hồi",
    "REVOKED_CA_NO_POE": "chứng thư số của tổ chức chứng thực đã bị thu hồi",
    "EXPIRED": "chứng thư số đã hết hạn",
    "OUT_OF_BOUNDS_NO_POE": "chứng thư số đã hết hạn hoặc chưa có hiệu lực",
    "OUT_OF_BOUNDS_NOT_REVOKED": "chứng thư số đã hết hạn hoặc chưa có hiệu lực",
    "NOT_YET_VALID": "chứng thư số chưa có hiệu lực",
    "CHAIN_CONSTRAINTS_FAILURE": "chứng thư số không được phép dùng để ký văn bản",
    "SIG_CONSTRAINTS_FAILURE": "chứng thư số không được phép dùng để ký văn bản",
    "CRYPTO_CONSTRAINTS_FAILURE": "thuật toán mật mã không còn được chấp nhận",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "thuật toán mật mã không còn được chấp nhận",
    "TRY_LATER": "chưa kiểm tra được tình trạng thu hồi của chứng thư số",
}


@dataclass
class SignatureReport:
    """One embedded signature."""

    field_name: str
    signer_name: str = ""
    organization: str = ""
    issuer: str = ""
    certificate_fingerprint: str = ""
    signed_at: datetime | None = None
    reason: str = ""
    intact: bool = False
    valid: bool = False  # intact, cryptographically valid, trusted, properly covering the file
    trusted: bool = False
    coverage: str = COVERAGE_NONE
    problems: list[str] = field(default_factory=list)


@dataclass
class Verification:
    """The answer of verify_pdf. Top-level signer fields describe the latest signature."""

    valid: bool = False
    intact: bool = False
    trusted: bool = False
    signer_name: str = ""
    signed_at: datetime | None = None
    reason: str = ""
    coverage: str = COVERAGE_NONE
    problems: list[str] = field(default_factory=list)
    signatures: list[SignatureReport] = field(default_factory=list)

    @property
    def message(self) -> str:
        """One Vietnamese sentence for a page or a log line."""
        if self.valid:
            n = len(self.signatures)
            who = f" của {self.signer_name}" if self.signer_name else ""
            return f"Chữ ký số hợp lệ{who}" + (f" ({n} chữ ký)." if n > 1 else ".")
        return self.problems[0] if self.problems else "Chữ ký số không hợp lệ."


def trust_roots() -> list:
    """The trust anchors as asn1crypto certificates: the sandbox CA and MOTCUA_TRUSTED_CA_FILES."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    roots = []
    if getattr(settings, "MOTCUA_TRUST_SANDBOX_CA", True):
        ca = SandboxCA()
        if ca.exists():
            roots.append(_asn1_cert(ca.certificate()))
    for name in getattr(settings, "MOTCUA_TRUSTED_CA_FILES", []) or []:
        try:
            data = Path(name).read_bytes()
            if pem.detect(data):
                blocks = [der for kind, _, der in pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"]
            else:
                blocks = [data]
            roots.extend(asn1_x509.Certificate.load(der) for der in blocks)
        except (OSError, ValueError) as exc:
            logger.error("MOTCUA_TRUSTED_CA_FILES: không đọc được %s: %s", name, exc)
    return roots


def _name_part(cert, key: str) -> str:
    value = cert.subject.native.get(key, "")
    return ", ".join(value) if isinstance(value, list) else str(value or "")


def _trust_problem(status) -> str:
    indic = getattr(status, "trust_problem_indic", None)
    detail = _TRUST_PROBLEMS.get(getattr(indic, "name", ""), "")
    if not detail and indic is not None:
        detail = f"chứng thư số không được tin cậy ({indic.name})"
    return detail or "chứng thư số không được tin cậy"


def _check_signature(embedded, index: int, last_revision: int, roots: list) -> SignatureReport:
    from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    label = f"Chữ ký số thứ {index}"
    report = SignatureReport(field_name=str(embedded.field_name or ""))
    try:
        reason = embedded.sig_object.get("/Reason")
        report.reason = str(reason) if reason is not None else ""
        cert = embedded.signer_cert
        report.signer_name = _name_part(cert, "common_name")
        report.organization = _name_part(cert, "organization_name")
        report.issuer = cert.issuer.human_friendly
        report.certificate_fingerprint = cert.sha256.hex(":").upper()
    except Exception:  # any defect in the CMS is reported, not raised
        report.problems.append(f"{label}: không đọc được chứng thư số trong chữ ký.")
        return report

    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = _in_sync_context(validate_pdf_signature, embedded, context)
    except SignatureValidationError as exc:
        report.problems.append(f"{label}: chữ ký không đúng định dạng PAdES/CMS ({exc}).")
        return report
    except Exception:  # a defect pyHanko did not foresee: this signature fails, the others are checked
        logger.warning("verify_pdf: không kiểm tra được %s", label, exc_info=True)
        report.problems.append(f"{label}: không kiểm tra được (chữ ký bị lỗi định dạng).")
        return report

    report.intact = bool(status.intact)
    report.trusted = bool(status.trusted)
    report.signed_at = status.signer_reported_dt or embedded.self_reported_timestamp
    if not status.intact:
        report.problems.append(f"{label}: nội dung tệp đã bị thay đổi sau khi ký (mã băm không khớp).")
    elif not status.valid:
        report.problems.append(f"{label}: giá trị chữ ký không đúng với chứng thư số của người ký.")
    if status.intact and status.valid and not status.trusted:
        report.problems.append(
            f"{label} ({report.signer_name or 'không rõ người ký'}, cấp bởi {report.issuer}): "
            f"{_trust_problem(status)}."
        )

    coverage = status.coverage
    covers = False
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        report.coverage, covers = COVERAGE_ENTIRE_FILE, True
    elif coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        report.coverage = COVERAGE_ENTIRE_REVISION
        diff = status.diff_result
        safe_levels = {ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING}
        if embedded.signed_revision >= last_revision:
            # Nothing parsable follows the signed revision, yet the file is longer: bytes were
            # appended that are not an incremental update.
            report.problems.append(
                f"{label}: có dữ liệu được nối thêm vào sau khi ký, không phải là một bản cập nhật hợp lệ."
            )
        elif isinstance(diff, DiffResult) and diff.modification_level in safe_levels and status.docmdp_ok:
            covers = True  # later signatures, form filling or validation data only
        else:
            report.problems.append(
                f"{label}: tệp đã bị sửa đổi sau khi ký (có thay đổi ngoài việc ký thêm hoặc điền biểu mẫu)."
            )
    else:
        report.coverage = COVERAGE_PARTIAL
        report.problems.append(f"{label}: chữ ký không bao trùm toàn bộ nội dung đã ký của tệp.")
    report.valid = bool(status.intact and status.valid and status.trusted and covers)
    return report


def _invalid(message: str) -> Verification:
    return Verification(problems=[message])


def verify_pdf(data: bytes) -> Verification:
    """Check every signature of a PDF. Never raises: every failure is a problem in Vietnamese."""
    try:
        return _verify(data)
    except Exception:  # the caller gets an answer, the log gets the traceback
        logger.exception("verify_pdf: lỗi không lường trước")
        return _invalid("Không kiểm tra được chữ ký số do lỗi hệ thống; vui lòng thử lại hoặc báo quản trị.")


def _verify(data: bytes) -> Verification:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    if isinstance(data, memoryview | bytearray):
        data = bytes(data)
    if not isinstance(data, bytes):
        return _invalid("Dữ liệu cần kiểm tra không phải là một tệp.")
    if not data.strip(_PDF_WHITESPACE):
        return _invalid("Tệp rỗng: không có nội dung để kiểm tra chữ ký số.")
    if b"%PDF-" not in data[:1024]:
        return _invalid("Tệp không phải là văn bản PDF nên không có chữ ký số để kiểm tra.")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=True)
        embedded = list(reader.embedded_signatures)
        last_revision = reader.xrefs.total_revisions - 1
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        logger.info("verify_pdf: không đọc được PDF: %s", exc)
        return _invalid("Tệp PDF bị hỏng hoặc sai cấu trúc nên không kiểm tra được chữ ký số.")
    # Document timestamps (/DocTimeStamp, PAdES-LTA) are validation data, not someone's signature.
    embedded = [sig for sig in embedded if sig.sig_object_type == "/Sig"]
    if not embedded:
        return _invalid("Tệp PDF không có chữ ký số.")

    roots = trust_roots()
    reports = [_check_signature(sig, i, last_revision, roots) for i, sig in enumerate(embedded, 1)]
    result = Verification(
        intact=all(r.intact for r in reports),
        trusted=all(r.trusted for r in reports),
        problems=[p for r in reports for p in r.problems],
        signatures=reports,
    )
    latest = max(range(len(embedded)), key=lambda i: embedded[i].signed_revision)
    result.signer_name = reports[latest].signer_name
    result.signed_at = reports[latest].signed_at
    result.reason = reports[latest].reason
    result.coverage = reports[latest].coverage

    tail = data[data.rfind(b"%%EOF") + 5 :] if b"%%EOF" in data else data
    if tail.strip(_PDF_WHITESPACE):
        result.coverage = COVERAGE_PARTIAL
        message = "Có dữ liệu lạ được nối vào cuối tệp sau phần đã ký."
        if not any("nối thêm" in p for p in result.problems):
            result.problems.append(message)
    if not roots:
        result.problems.append(
            "Chưa cấu hình tổ chức chứng thực tin cậy nào (MOTCUA_TRUSTED_CA_FILES) và chưa có CA sandbox."
        )
    result.valid = bool(reports) and all(r.valid for r in reports) and not result.problems
    return result
