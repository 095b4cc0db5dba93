"""Scans received at the counter: the checks live in motcua.core.uploads (shared with the e-forms)."""

from motcua.core.uploads import (  # noqa: F401
    ALLOWED_CONTENT_TYPES,
    CONTENT_TYPES,
    EXTENSIONS,
    KINDS,
    MAX_BYTES,
    CheckedFile,
    UploadRejected,
    check_upload,
    sniff,
)
