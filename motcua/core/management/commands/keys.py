"""`motcua keys`: the data keys that encrypt personal data at rest (khóa mã hóa dữ liệu, ADR 0040).

    motcua keys status              how many keys, which encrypts; encrypted columns and their rows
    motcua keys generate [--write]  a new key; --write puts it first in the key file (the old ones stay)
    motcua keys rotate [--files]    re-encrypt every encrypted column (and stored file) with the first key

Rotation: put the new key first (MOTCUA_DATA_KEYS="new,old" or `generate --write`), restart, run
`rotate`, then drop the old key. Keys are never printed except the one `generate` makes.
"""

from __future__ import annotations

import os

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from motcua.core import crypto
from motcua.core.encrypted_storage import EncryptedStorage


class Command(BaseCommand):
    help = "Khóa mã hóa dữ liệu khi lưu trữ: status, generate, rotate."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="Số khóa và các cột được mã hóa.")
        gen = sub.add_parser("generate", help="Tạo khóa mới.")
        gen.add_argument("--write", action="store_true", help="Đặt khóa mới lên đầu tệp khóa.")
        rot = sub.add_parser("rotate", help="Mã hóa lại mọi dòng bằng khóa đầu tiên.")
        rot.add_argument("--files", action="store_true", help="Cả các tệp đã lưu.")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _status(self, **options):
        keys = crypto.data_keys()
        source = "MOTCUA_DATA_KEYS"
        if not settings.MOTCUA_DATA_KEYS:
            source = crypto.keys_dir() / crypto.DATA_KEYS_FILE
        self.stdout.write(f"{len(keys)} khóa ({source}); khóa đầu tiên dùng để mã hóa.")
        self.stdout.write(f"Mã hóa khi lưu: {'bật' if crypto.enabled() else 'TẮT'}")
        for model, field in crypto.encrypted_fields():
            self.stdout.write(f"  {model._meta.db_table}.{field.column}")

    def _generate(self, write: bool = False, **options):
        key = Fernet.generate_key().decode()
        if not write:
            self.stdout.write(key)
            return
        if settings.MOTCUA_DATA_KEYS:
            raise CommandError("Khóa đang lấy từ MOTCUA_DATA_KEYS: thêm khóa mới vào đầu biến đó.")
        path = crypto.keys_dir() / crypto.DATA_KEYS_FILE
        old = crypto.data_keys()
        tmp = path.with_name(f".{path.name}.new")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("\n".join([key, *(k.decode() for k in old)]) + "\n")
        os.replace(tmp, path)
        crypto.reset()
        done = f"Đã thêm khóa mới vào đầu {path} ({len(old) + 1} khóa)"
        self.stdout.write(f"{done}; chạy `motcua keys rotate`.")

    def _rotate(self, files: bool = False, **options):
        total = 0
        for model, field in crypto.encrypted_fields():
            with transaction.atomic():
                n = crypto.rewrite_column(connection, model._meta.db_table, field.column, crypto.rotate_text)
            total += n
            self.stdout.write(f"  {model._meta.db_table}.{field.column}: {n} dòng")
        self.stdout.write(f"Đã mã hóa lại {total} giá trị bằng khóa đầu tiên.")
        if files:
            storage = storages["default"]
            if not isinstance(storage, EncryptedStorage):
                raise CommandError("Kho tệp không phải EncryptedStorage: không mã hóa lại tệp.")
            count = sum(1 for name in storage.walk() if storage.rewrite(name))
            self.stdout.write(f"Đã mã hóa lại {count} tệp.")
