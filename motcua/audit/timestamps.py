"""Trusted time-stamps on the anchors (dấu thời gian tin cậy, RFC 3161, ADR 0049).

The port is `TimeStampAuthority.stamp(message) -> token`: the token is a CMS SignedData over a
TSTInfo whose message imprint is the SHA-256 of `message` (the anchor's hash), signed by the
authority at a time the authority vouches for. One adapter: `HttpTSA`, RFC 3161 over HTTP(S)
(`MOTCUA_AUDIT_TSA_URL`; empty, the default, means off). The sandbox authority (`tsa_sandbox`)
answers the same protocol over real HTTP, for tests and training.

`check_token` verifies a token (imprint, signature, the TSA certificate's chain to the roots in
`MOTCUA_AUDIT_TSA_CA`, its time-stamping usage) with pyHanko's validator. The ASN.1 is asn1crypto's
and pyHanko's; nothing is hand-rolled here.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import requests
from asn1crypto import cms, core, pem, tsp, x509

from . import conf

logger = logging.getLogger(__name__)

ACCEPTED_DIGESTS = {"sha256", "sha384", "sha512"}


class Reply(core.Sequence):
    """TimeStampResp as RFC 3161 §2.4.2 has it: the token is absent unless the request was granted
    (asn1crypto's `tsp.TimeStampResp` declares it always present)."""

    _fields = [("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


class TSAUnavailable(Exception):
    """The authority did not give a usable token (down, refused, or a token that does not check)."""


class TimeStampAuthority(Protocol):
    def stamp(self, message: bytes) -> bytes:
        """A DER time-stamp token over SHA-256(message); raises TSAUnavailable."""
        ...


def _run(coroutine):
    """Run one of pyHanko's coroutines from sync code, whether or not a loop runs in this thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def trust_roots(path: str | None = None) -> list[x509.Certificate]:
    """The TSA root certificates from a PEM (or DER) file; none when no file is configured."""
    path = path if path is not None else conf.tsa_ca()
    if not path:
        return []
    data = Path(path).read_bytes()
    if pem.detect(data):
        return [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [x509.Certificate.load(data)]


@dataclass
class TokenCheck:
    ok: bool
    problem: str = ""
    gen_time: datetime | None = None
    trusted: bool = False  # chained to a configured root (False: only checked against its own cert)
    tsa: str = ""


def check_token(token: bytes, message: bytes, roots: list[x509.Certificate] | None = None) -> TokenCheck:
    """Is `token` an RFC 3161 token over `message`, intact, signed by a TSA certificate valid for
    time-stamping that chains to one of `roots` at the token's own time? Without roots, the
    signature is checked against the certificate the token carries (integrity, not trust)."""
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus
    from pyhanko_certvalidator import ValidationContext

    try:
        info = cms.ContentInfo.load(token)
        if info["content_type"].native != "signed_data":
            return TokenCheck(False, "không phải dấu thời gian RFC 3161 (không phải SignedData)")
        signed = info["content"]
        tst_info = signed["encap_content_info"]["content"].parsed
        if not isinstance(tst_info, tsp.TSTInfo):
            return TokenCheck(False, "không phải dấu thời gian RFC 3161 (không có TSTInfo)")
        gen_time = tst_info["gen_time"].native
        algorithm = tst_info["message_imprint"]["hash_algorithm"]["algorithm"].native
        tsa_field = tst_info["tsa"]
        tsa_name = tsa_field.chosen.human_friendly if tsa_field.name == "directory_name" else ""
    except (ValueError, TypeError, KeyError) as exc:
        return TokenCheck(False, f"không đọc được dấu thời gian ({exc.__class__.__name__})")
    if algorithm not in ACCEPTED_DIGESTS:
        return TokenCheck(False, f"thuật toán băm {algorithm} không được chấp nhận", gen_time)
    imprint = hashlib.new(algorithm, message).digest()
    if tst_info["message_imprint"]["hashed_message"].native != imprint:
        return TokenCheck(False, "dấu thời gian không phải của mốc neo này (message imprint khác)", gen_time)
    anchors = list(roots or [])
    trusted_roots = bool(anchors)
    if not anchors:
        anchors = [c.chosen for c in signed["certificates"] or [] if c.name == "certificate"]
    context = ValidationContext(
        trust_roots=anchors, allow_fetching=False, revocation_mode="soft-fail", moment=gen_time
    )
    try:
        kwargs = _run(
            validate_tst_signed_data(signed, context, lambda algo: hashlib.new(algo, message).digest())
        )
        status = TimestampSignatureStatus(**kwargs)
    except Exception as exc:  # noqa: BLE001 — any defect in the CMS is a refused token, not a crash
        return TokenCheck(
            False, f"chữ ký của dấu thời gian không kiểm tra được ({exc.__class__.__name__})", gen_time
        )
    if not status.intact or not status.valid:
        return TokenCheck(
            False, "chữ ký của dấu thời gian không hợp lệ (dấu thời gian bị sửa hoặc giả)", gen_time
        )
    if not status.trusted:
        reason = (
            "không nối tới chứng thư gốc của TSA"
            if trusted_roots
            else "chứng thư TSA không dùng để đóng dấu thời gian"
        )
        return TokenCheck(False, f"dấu thời gian {reason}", gen_time)
    return TokenCheck(True, "", gen_time, trusted_roots, str(tsa_name))


class HttpTSA:
    """RFC 3161 over HTTP: POST application/timestamp-query, read application/timestamp-reply.
    The request (with a nonce, certReq) and the reply's status and nonce are pyHanko's; the token
    is checked before it is accepted, so a wrong or broken reply is "unavailable", never stored."""

    def __init__(
        self, url: str, *, timeout: float | None = None, roots: list[x509.Certificate] | None = None
    ):
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"TSA URL {url!r} is not http(s)")
        self.url = url
        self.timeout = timeout if timeout is not None else conf.tsa_timeout()
        self.roots = roots

    def stamp(self, message: bytes) -> bytes:
        from pyhanko.sign.timestamps.api import TimeStamper
        from pyhanko.sign.timestamps.common_utils import (
            TimestampRequestError,
            handle_tsp_response,
            set_tsp_headers,
        )

        nonce, request = TimeStamper(include_nonce=True).request_cms(
            hashlib.sha256(message).digest(), "sha256"
        )
        try:
            reply = requests.post(
                self.url, data=request.dump(), headers=set_tsp_headers({}), timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise TSAUnavailable(f"TSA {self.url} không trả lời ({exc.__class__.__name__})") from exc
        if reply.status_code != 200:
            raise TSAUnavailable(f"TSA {self.url} trả về HTTP {reply.status_code}")
        try:
            status = Reply.load(reply.content)["status"]
            if status["status"].native not in ("granted", "granted_with_mods"):
                texts = "; ".join(status["status_string"].native or []) or status["status"].native
                raise TSAUnavailable(f"TSA {self.url} từ chối: {texts}")
            token = handle_tsp_response(tsp.TimeStampResp.load(reply.content), nonce)
            der = token.dump()
        except (TimestampRequestError, ValueError, TypeError, KeyError) as exc:
            raise TSAUnavailable(f"TSA {self.url}: {str(exc)[:200] or exc.__class__.__name__}") from exc
        roots = self.roots if self.roots is not None else trust_roots()
        checked = check_token(der, message, roots)
        if not checked.ok:
            raise TSAUnavailable(f"TSA {self.url}: {checked.problem}")
        return der


def authority() -> TimeStampAuthority | None:
    """The configured authority, or None (off, the default)."""
    url = conf.tsa_url()
    if not url or url.lower() == "off":
        return None
    return HttpTSA(url)
