"""The anchor store (mốc neo): signed, time-stamped records of the chain heads, appended to files
outside the database (one JSON line per anchor, one file per UTC day), and optionally POSTed to a
publication URL. Each line also carries the SHA-256 of the line before it, so a line removed or
edited inside the store breaks that chain as well.

With a time-stamping authority (`MOTCUA_AUDIT_TSA_URL`, ADR 0049) each line also carries an RFC 3161
token ("tst") over the anchor's hash: the SHA-256 of the line without its token and signatures,
which includes "prev", so a token also vouches for every line before it. When the authority does
not answer the line is written anyway, flagged ("tst_error"); the next line's token covers it.
A rotation of the signing key is a line ("signing-key") signed by the old key and countersigned
by the new one; from then on the old key signs nothing.
"""

import base64
import fcntl
import hashlib
import json
import logging
import os
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature

from . import conf, keys, timestamps

logger = logging.getLogger(__name__)


def _canonical(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl")) if directory.exists() else []


def _last_line(directory: Path) -> str:
    for path in reversed(_files(directory)):
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return ""


def line_digest(line: str) -> str:
    return hashlib.sha256(line.encode()).hexdigest() if line else ""


#: Fields of a line that its hash (the time-stamp's message imprint) does not cover.
UNSTAMPED_FIELDS = frozenset({"tst", "tst_error", "cosig", "sig", "_where"})


def stamped_message(record: dict) -> bytes:
    """The bytes whose SHA-256 is the anchor's hash, time-stamped by the TSA."""
    return _canonical({k: v for k, v in record.items() if k not in UNSTAMPED_FIELDS})


def _stamp(body: dict) -> None:
    """Add the TSA's token to `body`, or the reason there is none (the line is written either way)."""
    authority = timestamps.authority()
    if authority is None:
        return
    try:
        body["tst"] = base64.b64encode(authority.stamp(stamped_message(body))).decode()
    except timestamps.TSAUnavailable as exc:
        body["tst_error"] = str(exc)[:300]
        logger.warning("audit anchor written without a time-stamp: %s", exc)


def append(record: dict, *, new_signing_key=None) -> dict:
    """Sign `record` (it must hold "kind" and "at", an aware ISO moment), chain it to the previous
    line, time-stamp it if a TSA is set, and append it to today's file; publish it if a URL is set.
    With `new_signing_key` the line hands the signing over to that key (countersigned by it) and
    the key files are swapped before the lock is released. Returns the signed record."""
    directory = conf.anchor_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time, so "prev" is the real last line
        signer = keys.signing_key()
        body = {
            **record,
            "v": 1,
            "prev": line_digest(_last_line(directory)),
            "signer": keys.public_fingerprint(signer.public_key()),
        }
        if new_signing_key is not None:
            new_public = new_signing_key.public_key()
            body["new_signer"] = keys.public_fingerprint(new_public)
            body["new_public"] = base64.b64encode(keys.public_raw(new_public)).decode()
        _stamp(body)  # the TSA is asked by the anchor job only, never by an audited action
        if new_signing_key is not None:
            body["cosig"] = base64.b64encode(new_signing_key.sign(_canonical(body))).decode()
        signed = {**body, "sig": base64.b64encode(signer.sign(_canonical(body))).decode()}
        line = _canonical(signed).decode()
        path = directory / f"{record['at'][:10]}.jsonl"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        if new_signing_key is not None:
            keys.install_signing_key(signer, new_signing_key)
    _publish(line)
    return signed


def _publish(line: str) -> None:
    url = conf.anchor_url()
    if not url:
        return
    if not url.startswith(("https://", "http://")):
        logger.warning("audit anchor URL %s is not http(s); not published", url)
        return
    request = urllib.request.Request(  # noqa: S310 — http(s) only, checked above
        url, data=line.encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5):  # noqa: S310 — operator-configured URL
            pass
    except OSError as exc:  # the file is the record; publication is retried with the next anchor
        logger.warning("audit anchor not published to %s: %s", url, exc)


@dataclass
class Read:
    records: list[dict]
    problems: list[str]
    notes: list[str] = field(default_factory=list)
    stamped: int = 0


def _b64(value) -> bytes:
    return base64.b64decode(value, validate=True)


def read_all() -> Read:
    """Every record of the store, oldest first, with the problems of the store itself
    (a bad signature, a signer not trusted or retired, a line missing or edited, time going
    backwards, a time-stamp token that does not check)."""
    directory = conf.anchor_dir()
    trusted = keys.public_keys()
    retired: set[str] = set()
    records, problems, notes, prev_line, prev_at = [], [], [], "", ""
    tokens = _Tokens(problems, notes)
    for path in _files(directory):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            where = f"mốc neo {path.name}:{number}"
            try:
                record = json.loads(line)
                sig = _b64(record.pop("sig"))
            except (ValueError, KeyError):
                problems.append(f"{where}: không đọc được")
                prev_line = line
                continue
            signer = record.get("signer", "")
            public = trusted.get(signer) if signer else next(iter(trusted.values()), None)
            signed_ok = False
            if not trusted:
                problems.append(f"{where}: không có khóa công khai để kiểm tra chữ ký")
            elif public is None:
                problems.append(f"{where}: ký bằng khóa {signer} không được tin cậy")
            elif signer in retired:
                problems.append(f"{where}: ký bằng khóa {signer} đã được thay (sau ngày thay khóa)")
            else:
                try:
                    public.verify(sig, _canonical(record))
                    signed_ok = True
                except InvalidSignature:
                    problems.append(f"{where}: chữ ký không hợp lệ (mốc neo bị sửa)")
            if signed_ok and record.get("kind") == "signing-key":
                _hand_over(record, where, trusted, retired, problems)
            if record.get("prev", "") != line_digest(prev_line):
                problems.append(f"{where}: không nối với mốc neo trước (kho mốc neo bị xóa hoặc chèn)")
            if record.get("at", "") < prev_at:
                problems.append(f"{where}: thời điểm lùi lại")
            tokens.check(record, where)
            prev_line, prev_at = line, record.get("at", prev_at)
            record["_where"] = where
            records.append(record)
    tokens.finish()
    return Read(records, problems, notes, tokens.stamped)


def _hand_over(record: dict, where: str, trusted: dict, retired: set, problems: list) -> None:
    """A "signing-key" line, signed by a trusted key: the new key countersigned it, so it is
    trusted from here on and the old one is retired."""
    try:
        new = keys.public_from_raw(_b64(record["new_public"]))
        body = {k: v for k, v in record.items() if k != "cosig"}
        new.verify(_b64(record["cosig"]), _canonical(body))
    except (KeyError, ValueError, InvalidSignature):
        problems.append(f"{where}: thay khóa ký mốc neo không hợp lệ (khóa mới không ký xác nhận)")
        return
    if keys.public_fingerprint(new) != record.get("new_signer"):
        problems.append(f"{where}: thay khóa ký mốc neo không hợp lệ (dấu vân tay khóa mới sai)")
        return
    trusted[record["new_signer"]] = new
    retired.add(record["signer"])


class _Tokens:
    """The RFC 3161 tokens of the store, checked line by line (ADR 0049)."""

    SKEW = timedelta(minutes=5)

    def __init__(self, problems: list, notes: list):
        self.problems, self.notes = problems, notes
        self.stamped, self.untrusted, self.pending, self.skewed = 0, 0, [], []
        try:
            self.roots = timestamps.trust_roots()
        except (OSError, ValueError) as exc:
            self.roots = []
            problems.append(f"không đọc được chứng thư gốc của TSA (MOTCUA_AUDIT_TSA_CA): {exc}")

    def check(self, record: dict, where: str) -> None:
        if "tst" not in record:
            if "tst_error" in record:
                self.pending.append(where)
            return
        try:
            token = _b64(record["tst"])
        except ValueError:
            self.problems.append(f"{where}: dấu thời gian không đọc được")
            return
        result = timestamps.check_token(token, stamped_message(record), self.roots)
        if not result.ok:
            self.problems.append(f"{where}: {result.problem}")
            return
        self.stamped += 1
        self.untrusted += not result.trusted
        if self.pending:
            self.notes.append(
                f"{self.pending[0]}…: {len(self.pending)} mốc neo không có dấu thời gian lúc ghi "
                f"(TSA không trả lời), được dấu thời gian của {where} phủ "
                f"({result.gen_time:%Y-%m-%d %H:%M:%S} UTC)"
            )
            self.pending = []
        try:
            at = datetime.fromisoformat(record.get("at", ""))
        except (TypeError, ValueError):
            return
        if result.gen_time is not None and abs(result.gen_time - at) > self.SKEW:
            self.skewed.append(where)

    def finish(self) -> None:
        if self.pending:
            self.notes.append(
                f"{len(self.pending)} mốc neo chưa có dấu thời gian (TSA không trả lời), "
                f"từ {self.pending[0]}: lần ghi mốc neo sau sẽ xin lại"
            )
        if self.untrusted:
            self.notes.append(
                f"{self.untrusted} dấu thời gian chỉ kiểm tra được chữ ký, "
                "chưa kiểm tra chứng thư gốc của TSA: đặt MOTCUA_AUDIT_TSA_CA"
            )
        if self.skewed:
            self.notes.append(
                f"{len(self.skewed)} mốc neo có giờ máy chủ lệch hơn 5 phút so với giờ của TSA "
                f"(đầu tiên: {self.skewed[0]}): kiểm tra đồng bộ giờ (NTP)"
            )
