"""Uploaded papers (counter scans, e-form attachments): PDF, JPEG or PNG only, limited in size,
checked by content.

The first bytes of the file (its magic number) decide what it is, not its name or the type the
browser sent. A file whose name or declared type says one thing while its content is another is
refused too: it "is not what it claims". Nothing is written anywhere until every file passed.

Then the content is parsed (`inspect_pdf`, `inspect_image`): a PDF is read object by object with
pypdf and refused when it carries JavaScript, launch or import actions, embedded files, a stream
that inflates beyond a bound (decompression bomb) or an executable (PDF/EXE polyglot); an image is
decoded and re-encoded in memory with Pillow (a pixel bomb, a truncated file or bytes after the
image's end are refused). The original is kept only when it passes.
"""

import hashlib
import io
import os
import re
import zlib
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
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    problem = inspect_pdf(data) if kind == "pdf" else inspect_image(data, kind)
    if problem:
        raise UploadRejected(
            _("Tệp “%(name)s” bị từ chối: %(problem)s Hãy quét hoặc xuất lại tệp rồi tải lên.")
            % {"name": name, "problem": problem}
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    content_type, ext, _signatures = KINDS[kind]
    return CheckedFile(kind, content_type, ext, digest.hexdigest(), upload.size)


# --- structural checks ---------------------------------------------------------------------------

#: One stream may inflate to at most this many bytes, all streams together to PDF_MAX_INFLATED: an
#: A4 page scanned at 300 dpi in colour is about 26 MB raw. The findings' bomb inflated to 500 MB.
PDF_MAX_STREAM_BYTES = 64 * 1024 * 1024
PDF_MAX_INFLATED = 256 * 1024 * 1024
#: Images larger than this many pixels are refused (a 600 dpi A3 scan is about 70 million).
IMAGE_MAX_PIXELS = 80_000_000
#: Actions and entries that run code or carry files (PDF 32000-1 §12.6.4, §7.11.4).
_DANGEROUS_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute", "/Rendition"}
_DANGEROUS_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/RichMedia", "/XFA"}
_EXECUTABLE = re.compile(rb"MZ|\x7fELF[\x01\x02][\x01\x02]\x01")


def _has_executable(data: bytes) -> bool:
    """A Windows PE (an MZ header whose e_lfanew points at "PE\\0\\0") or an ELF header, anywhere:
    both are checked far enough that random compressed bytes do not match."""
    for match in _EXECUTABLE.finditer(data):
        start = match.start()
        if match.group() != b"MZ":
            return True
        if start + 0x40 <= len(data):
            pe = start + int.from_bytes(data[start + 0x3C : start + 0x40], "little")
            if data[pe : pe + 4] == b"PE\0\0":
                return True
    return False


def _inflate(raw: bytes, budget: int) -> int:
    """Bytes a FlateDecode stream inflates to, stopping past `budget` (never inflates more)."""
    inflater = zlib.decompressobj()
    total, chunk = 0, raw
    while chunk:
        out = inflater.decompress(chunk, 1024 * 1024)
        total += len(out)
        if total > budget:
            return total
        chunk = inflater.unconsumed_tail
        if not out and not chunk:
            break
    return total


def inspect_pdf(data: bytes) -> str | None:
    """None when the PDF is clean, else why not (a sentence for the person who uploaded it)."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    if _has_executable(data):
        return _("tệp có chứa chương trình chạy được.")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return _("tệp PDF được đặt mật khẩu.")
        numbers = {(num, gen) for gen, table in reader.xref.items() for num in table}
        numbers |= {(num, 0) for num in reader.xref_objStm}
        inflated = 0
        for num, gen in sorted(numbers):
            obj = IndirectObject(num, gen, reader).get_object()
            if not isinstance(obj, DictionaryObject):
                continue
            if _DANGEROUS_KEYS & set(obj.keys()) or obj.get("/S") in _DANGEROUS_ACTIONS:
                return _("tệp PDF có mã lệnh (JavaScript), lệnh mở chương trình hoặc tệp đính kèm bên trong.")
            if obj.get("/Type") == "/Filespec" and "/EF" in obj:
                return _("tệp PDF có mã lệnh (JavaScript), lệnh mở chương trình hoặc tệp đính kèm bên trong.")
            if isinstance(obj, StreamObject):
                filters = obj.get("/Filter")
                first = filters[0] if isinstance(filters, ArrayObject) and filters else filters
                if first in ("/FlateDecode", "/Fl"):
                    size = _inflate(obj._data, min(PDF_MAX_STREAM_BYTES, PDF_MAX_INFLATED - inflated))
                    inflated += size
                    if size > PDF_MAX_STREAM_BYTES or inflated > PDF_MAX_INFLATED:
                        return _("tệp PDF có nội dung nén bất thường (giải nén quá lớn).")
    except Exception:  # noqa: BLE001 — any parser failure means we cannot vouch for the file
        return _("không đọc được cấu trúc tệp PDF (tệp hỏng hoặc không phải PDF thật).")
    return None


def inspect_image(data: bytes, kind: str) -> str | None:
    """Decode the whole image and re-encode it in memory; None when it is a clean image."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > IMAGE_MAX_PIXELS:
                return _("ảnh có kích thước quá lớn.")
            image.load()  # every pixel: a truncated or corrupt file fails here
            image.save(io.BytesIO(), format="PNG" if kind == "png" else "JPEG")
    except Exception:  # noqa: BLE001 — Pillow raises many kinds; all mean "not a clean image"
        return _("không đọc được ảnh (tệp hỏng hoặc không phải ảnh thật).")
    end = _image_end(data, kind)
    if end is None or data[end:].strip(b"\0\r\n ") or _has_executable(data):
        return _("sau ảnh có dữ liệu lạ được gắn thêm.")
    return None


def _image_end(data: bytes, kind: str) -> int | None:
    """Where the image itself ends: after PNG's IEND chunk, after JPEG's last end-of-image marker."""
    if kind == "png":
        at = data.rfind(b"IEND")
        return at + 8 if at >= 0 else None  # "IEND" + its 4-byte CRC
    at = data.rfind(b"\xff\xd9")
    return at + 2 if at >= 0 else None
