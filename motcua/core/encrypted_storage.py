"""Stored files encrypted at rest (tệp lưu trữ được mã hóa): a wrapper around any Django storage.

``EncryptedStorage`` encrypts a file's bytes with the data keys (``core.crypto``, Fernet) before it
hands them to the storage underneath, and decrypts them on open, so uploaded papers, signed results
and receipts sit on disk (or in the S3 bucket) as ciphertext and come back as the same bytes. The
storage underneath is any backend, local folder or S3 (django-storages), given in ``STORAGES``::

    "default": {
        "BACKEND": "motcua.core.encrypted_storage.EncryptedStorage",
        "OPTIONS": {"backend": "django.core.files.storage.FileSystemStorage", "options": {}},
    }

The storage underneath is resolved by ``core.adapters`` (family "storage"): a registered name,
"local" or "s3", or the dotted path of a backend, as ``settings.storage_config`` writes it.

A file written before encryption (it does not start with a Fernet token) is read as it is; ``motcua
keys rotate --files`` encrypts it and re-encrypts the rest with the newest key. ``path()`` is refused:
code reads files through ``open()`` only, never behind the storage's back. Files are held in memory
while encrypted; uploads are limited in size (``core.uploads``).
"""

from __future__ import annotations

import os

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible

from . import adapters, crypto

DEFAULT_BACKEND = "django.core.files.storage.FileSystemStorage"


@deconstructible(path="motcua.core.encrypted_storage.EncryptedStorage")
class EncryptedStorage(Storage):
    def __init__(self, backend: str = DEFAULT_BACKEND, options: dict | None = None, **kwargs):
        self.backend = backend
        self.options = dict(options or {})
        self.inner: Storage = adapters.get("storage", backend)(**self.options, **kwargs)

    # -- what changes: the bytes ---------------------------------------------------------------

    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read()
        if isinstance(data, str):
            data = data.encode()
        return self.inner.save(name, ContentFile(crypto.encrypt_bytes(data)), max_length=None)

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("EncryptedStorage: mở tệp để ghi không được hỗ trợ; dùng save().")
        with self.inner.open(name, "rb") as handle:
            data = handle.read()
        return ContentFile(crypto.decrypt_bytes(data), name=name)

    def size(self, name):
        with self._open(name) as handle:
            return handle.size

    def path(self, name):
        raise NotImplementedError("EncryptedStorage: tệp đã mã hóa chỉ được đọc qua open().")

    def rewrite(self, name) -> bool:
        """Re-encrypt one stored file with the first key (a plaintext file gets encrypted)."""
        with self.inner.open(name, "rb") as handle:
            data = handle.read()
        if data.startswith(crypto.TOKEN_PREFIX_BYTES):
            new = crypto.fernet().rotate(data)
        else:
            new = crypto.fernet().encrypt(data)
        try:
            target = self.inner.path(name)
        except NotImplementedError:  # object storage: a PUT replaces the object whole
            return self.inner._save(name, ContentFile(new)) == name
        tmp = f"{target}.rotating"
        with open(tmp, "wb") as handle:
            handle.write(new)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)  # atomic: the file is the old or the new ciphertext, never half
        return True

    # -- the rest is the storage underneath ----------------------------------------------------

    def delete(self, name):
        return self.inner.delete(name)

    def exists(self, name):
        return self.inner.exists(name)

    def listdir(self, path):
        return self.inner.listdir(path)

    def url(self, name):
        return self.inner.url(name)

    def get_valid_name(self, name):
        return self.inner.get_valid_name(name)

    def get_alternative_name(self, file_root, file_ext):
        return self.inner.get_alternative_name(file_root, file_ext)

    def get_available_name(self, name, max_length=None):
        return self.inner.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return self.inner.generate_filename(filename)

    def get_accessed_time(self, name):
        return self.inner.get_accessed_time(name)

    def get_created_time(self, name):
        return self.inner.get_created_time(name)

    def get_modified_time(self, name):
        return self.inner.get_modified_time(name)

    def walk(self, top: str = ""):
        """Every stored file's name under `top` (for `motcua keys rotate --files`)."""
        dirs, files = self.inner.listdir(top)
        for name in files:
            yield f"{top}/{name}" if top else name
        for sub in dirs:
            yield from self.walk(f"{top}/{sub}" if top else sub)


def _s3(**options) -> Storage:
    from storages.backends.s3 import S3Storage  # django-storages, needed only for MOTCUA_STORAGE=s3

    return S3Storage(**options)


def _configured_backend() -> str:
    """The storage under the encrypting wrapper in STORAGES["default"] (a dotted path or a name)."""
    from django.conf import settings

    default = settings.STORAGES.get("default", {})
    return default.get("OPTIONS", {}).get("backend") or default.get("BACKEND", DEFAULT_BACKEND)


def register_adapters() -> None:
    """The storage family (CoreConfig.ready): "local" (MEDIA_ROOT) and "s3" (django-storages)."""
    from django.core.files.storage import FileSystemStorage

    adapters.declare("storage", setting="STORAGES", default="local", dotted=True, choose=_configured_backend)
    adapters.register("storage", "local", FileSystemStorage)
    adapters.register("storage", "s3", _s3)
