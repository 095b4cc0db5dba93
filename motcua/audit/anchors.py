"""The anchor store (mốc neo): signed, time-stamped records of the chain heads, appended to files
outside the database (one JSON line per anchor, one file per UTC day), and optionally POSTed to a
publication URL. Each line also carries the SHA-256 of the line before it, so a line removed or
edited inside the store breaks that chain as well.
"""

import base64
import fcntl
import hashlib
import json
import logging
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature

from . import conf, keys

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


def append(record: dict) -> dict:
    """Sign `record` (it must hold "kind" and "at", an aware ISO moment), chain it to the previous
    line and append it to today's file; publish it if a URL is set. Returns the signed record."""
    directory = conf.anchor_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    signer = keys.signing_key()
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time, so "prev" is the real last line
        body = {
            **record,
            "v": 1,
            "prev": line_digest(_last_line(directory)),
            "signer": keys.public_fingerprint(signer.public_key()),
        }
        signed = {**body, "sig": base64.b64encode(signer.sign(_canonical(body))).decode()}
        line = _canonical(signed).decode()
        path = directory / f"{record['at'][:10]}.jsonl"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
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


def read_all() -> Read:
    """Every record of the store, oldest first, with the problems of the store itself
    (a bad signature, a line missing or edited, time going backwards)."""
    directory = conf.anchor_dir()
    public = keys.public_key()
    records, problems, prev_line, prev_at = [], [], "", ""
    for path in _files(directory):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            where = f"mốc neo {path.name}:{number}"
            try:
                record = json.loads(line)
                sig = base64.b64decode(record.pop("sig"))
            except (ValueError, KeyError):
                problems.append(f"{where}: không đọc được")
                prev_line = line
                continue
            if public is None:
                problems.append(f"{where}: không có khóa công khai để kiểm tra chữ ký")
            else:
                try:
                    public.verify(sig, _canonical(record))
                except InvalidSignature:
                    problems.append(f"{where}: chữ ký không hợp lệ (mốc neo bị sửa)")
            if record.get("prev", "") != line_digest(prev_line):
                problems.append(f"{where}: không nối với mốc neo trước (kho mốc neo bị xóa hoặc chèn)")
            if record.get("at", "") < prev_at:
                problems.append(f"{where}: thời điểm lùi lại")
            prev_line, prev_at = line, record.get("at", prev_at)
            record["_where"] = where
            records.append(record)
    return Read(records, problems)
