"""Uploaded papers (counter scans, e-form attachments): PDF, JPEG or PNG only, limited in size,
checked by content.

The first bytes of the file (its magic number) decide what it is, not its name or the type the
browser sent. A file whose name or declared type says one thing while its content is another is
refused too: it "is not what it claims". Nothing is written anywhere until every file passed.
"""

import hashlib
import os
from dataclasses import dataclass

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
#: kind → (content type, extension, signatures)
KINDS = {
    "pdf": ("application/pdf", "pdf", (b"%PDF-",)),
    "jpeg": ("image/jpeg", "jpg", (b"\xff\xd8\xff",)),
    "png": ("image/png", "png", (b"\x89PNG\r\n\x1a\n",)),
}
EXTENSIONS = {"pdf": "pdf", "jpg": "jpeg", "jpeg": "jpeg", "jpe": "jpeg", "png": "png"}
CONTENT_TYPES = {content_type: kind for kind, (content_type, _ext, _sig) in KINDS.items()}
CONTENT_TYPES["image/jpg"] = "jpeg"
CONTENT_TYPES["image/pjpeg"] = "jpeg"
ALLOWED_CONTENT_TYPES = frozenset(content_type for content_type, _ext, _sig in KINDS.values())


class UploadRejected(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    content_type: str
    extension: str
    sha256: str
    size: int


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading the request beyond `limit` bytes of files in all, or `per_file` bytes of one file.

    Put first in `request.upload_handlers` before anything reads the body (so the view is
    csrf_exempt and applies csrf_protect inside); the view then sees `too_large` (and the field
    that overflowed) and says so, instead of Django receiving the whole file first."""

    def __init__(self, request=None, limit: int = MAX_BYTES, per_file: int | None = None):
        super().__init__(request)
        self.limit = limit
        self.per_file = limit if per_file is None else per_file
        self.received = 0
        self.received_in_file = 0
        self.too_large = False
        self.too_large_field: str | None = None

    def _stop(self):
        self.too_large = True
        self.too_large_field = self.field_name
        raise StopUpload(connection_reset=False)

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received_in_file = 0
        if self.content_length is not None and self.content_length > self.per_file:
            self._stop()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        self.received_in_file += len(raw_data)
        if self.received > self.limit or self.received_in_file > self.per_file:
            self._stop()
        return raw_data  # the next handler stores it

    def file_complete(self, file_size):
        return None


def sniff(head: bytes) -> str | None:
    for kind, (_content_type, _ext, signatures) in KINDS.items():
        if any(head.startswith(signature) for signature in signatures):
            return kind
    return None


def check_upload(upload, max_bytes: int = MAX_BYTES) -> CheckedFile:
    """Check one UploadedFile; raise UploadRejected with a message a person can act on."""
    name = os.path.basename(upload.name or "")[:80]
    if upload.size is None or upload.size == 0:
        raise UploadRejected(_("Tệp “%(name)s” trống.") % {"name": name})
    if upload.size > max_bytes:
        if max_bytes == MAX_BYTES:
            raise UploadRejected(
                _("Tệp “%(name)s” lớn hơn 10 MB: hãy quét lại với độ phân giải thấp hơn.") % {"name": name}
            )
        raise UploadRejected(
            _("Tệp “%(name)s” lớn hơn %(limit)s MB: hãy quét lại với độ phân giải thấp hơn.")
            % {"name": name, "limit": max_bytes // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(16)
    kind = sniff(head)
    if kind is None:
        raise UploadRejected(
            _("Tệp “%(name)s” không phải PDF, JPEG hay PNG (đã kiểm tra nội dung tệp, không theo tên tệp).")
            % {"name": name}
        )
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    claimed = EXTENSIONS.get(extension) if extension else kind
    declared = CONTENT_TYPES.get((getattr(upload, "content_type", "") or "").split(";")[0].strip().lower())
    if claimed != kind or (declared is not None and declared != kind):
        raise UploadRejected(
            _("Tệp “%(name)s” không đúng là tệp %(claimed)s như tên gọi: nội dung là %(kind)s.")
            % {"name": name, "claimed": (extension or declared or "?").upper(), "kind": kind.upper()}
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    content_type, ext, _signatures = KINDS[kind]
    return CheckedFile(kind, content_type, ext, digest.hexdigest(), upload.size)
