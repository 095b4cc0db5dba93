"""Encryption at rest (mã hóa dữ liệu khi lưu trữ): data keys, encrypted model fields, blind index.

* Keys. ``MOTCUA_DATA_KEYS`` (comma-separated Fernet keys) or the key file ``MOTCUA_KEYS_DIR/data.keys``
  (one key a line, mode 0600). The first key encrypts; every key decrypts (``MultiFernet``), so a new
  key is put first, ``motcua keys rotate`` re-encrypts the rows, and the old key is dropped after.
  The blind-index key (``MOTCUA_BLIND_INDEX_KEY`` or ``blind-index.key``) keys an HMAC-SHA256 of a
  normalised value, for exact lookups of a value that is stored encrypted. Keys are never in the
  database. Only the embedded mode, debug and tests create missing key files; production refuses
  to start without keys (``core.checks``).
* Fields. ``EncryptedTextField`` and ``EncryptedJSONField`` store a Fernet token (AES-128-CBC +
  HMAC-SHA256, ``cryptography``) as text and give back the plaintext through the ORM. The empty string
  stays empty (cheap, and says only that nothing was given). A value that is not a token (a row written
  before the migration, or with ``MOTCUA_ENCRYPT_AT_REST=0``) is read as it is. Encrypted columns can
  only be compared with "" or NULL: no substring search, no ordering, no JSON lookups (ADR 0040).
* Bytes. ``encrypt_bytes``/``decrypt_bytes`` for stored files (``core.storage.EncryptedStorage``).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import json
import os
import re
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models

#: Every Fernet token starts with the version byte 0x80, base64: "gAAAAA".
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 — a format marker, not a secret
TOKEN_PREFIX_BYTES = TOKEN_PREFIX.encode()
DATA_KEYS_FILE = "data.keys"
BLIND_INDEX_FILE = "blind-index.key"

_lock = threading.Lock()
_cache: dict[tuple, object] = {}


class KeysMissing(ImproperlyConfigured):
    """No data key is configured and this mode may not create one (production)."""


def enabled() -> bool:
    """False only when ``MOTCUA_ENCRYPT_AT_REST=0`` (benches; refused in production)."""
    return bool(getattr(settings, "MOTCUA_ENCRYPT_AT_REST", True))


def keys_dir() -> Path:
    return Path(getattr(settings, "MOTCUA_KEYS_DIR", None) or Path(settings.VAR_DIR) / "keys")


def may_create_keys() -> bool:
    """Key files are created only where the data is throw-away or local (embedded, debug, tests)."""
    from .checks import is_production

    return not is_production()


def _create_file(path: Path, text: str) -> None:
    """Write `text` to `path` (0600) unless it exists; a concurrent creator's file wins, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(path.parent, 0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    try:
        os.link(tmp, path)  # atomic, and fails when another process was first
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def _lines(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def data_keys() -> list[bytes]:
    """The data keys, the encrypting one first."""
    configured = [k.strip() for k in getattr(settings, "MOTCUA_DATA_KEYS", []) or [] if k.strip()]
    if configured:
        return [k.encode() for k in configured]
    path = keys_dir() / DATA_KEYS_FILE
    if not path.exists():
        if not may_create_keys():
            raise KeysMissing(
                "Chưa có khóa mã hóa dữ liệu: đặt MOTCUA_DATA_KEYS hoặc tệp khóa "
                f"{path} (tạo bằng `motcua keys generate`)."
            )
        _create_file(path, Fernet.generate_key().decode() + "\n")
    keys = _lines(path)
    if not keys:
        raise KeysMissing(f"Tệp khóa {path} không có khóa nào.")
    return [k.encode() for k in keys]


def blind_index_key() -> bytes:
    """The blind-index key (cached per configuration like the data keys; `reset()` after a change):
    read from its file on every index, it was a file read per lookup and per save."""
    state = ("blind", *_state_key())
    found = _cache.get(state)
    if found is None:
        with _lock:
            found = _cache.get(state)
            if found is None:
                found = _cache[state] = _blind_index_key()
    return found  # type: ignore[return-value]


def _blind_index_key() -> bytes:
    configured = (getattr(settings, "MOTCUA_BLIND_INDEX_KEY", "") or "").strip()
    if configured:
        return configured.encode()
    path = keys_dir() / BLIND_INDEX_FILE
    if not path.exists():
        if not may_create_keys():
            raise KeysMissing(f"Chưa có khóa chỉ mục mù: đặt MOTCUA_BLIND_INDEX_KEY hoặc tệp {path}.")
        _create_file(path, base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
    lines = _lines(path)
    if not lines:
        raise KeysMissing(f"Tệp khóa {path} trống.")
    return lines[0].encode()


def _state_key() -> tuple:
    # The settings as they are (no Path built): this runs on every encryption and decryption.
    return (
        tuple(getattr(settings, "MOTCUA_DATA_KEYS", None) or ()),
        getattr(settings, "MOTCUA_BLIND_INDEX_KEY", ""),
        getattr(settings, "MOTCUA_KEYS_DIR", None),
        settings.VAR_DIR,
    )


def fernet() -> MultiFernet:
    """The MultiFernet of the configured keys (cached per configuration; `reset()` after a change)."""
    state = ("fernet", *_state_key())
    found = _cache.get(state)
    if found is None:
        with _lock:
            found = _cache.get(state)
            if found is None:
                try:
                    found = MultiFernet([Fernet(k) for k in data_keys()])
                except ValueError as exc:  # not a 32-byte url-safe base64 key
                    raise ImproperlyConfigured(f"Khóa mã hóa dữ liệu không hợp lệ: {exc}") from exc
                _cache[state] = found
    return found  # type: ignore[return-value]


def reset() -> None:
    """Forget the cached keys (after `keys generate` or a test that changes them)."""
    _cache.clear()


def is_token(value) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


def encrypt_text(value: str) -> str:
    if not value or not enabled():
        return value
    return fernet().encrypt(value.encode()).decode("ascii")


def decrypt_text(value: str) -> str:
    """The plaintext of a token; a value that is not a token is plaintext already (read as it is)."""
    if not is_token(value):
        return value
    return fernet().decrypt(value.encode("ascii")).decode()


def rotate_text(value: str) -> str:
    """The token re-encrypted with the first key (plaintext gets encrypted)."""
    if not value:
        return value
    if not is_token(value):
        return fernet().encrypt(value.encode()).decode("ascii")
    return fernet().rotate(value.encode("ascii")).decode("ascii")


def encrypt_bytes(data: bytes) -> bytes:
    if not enabled():
        return data
    return fernet().encrypt(data)


def decrypt_bytes(data: bytes) -> bytes:
    if not data.startswith(TOKEN_PREFIX_BYTES):
        return data  # a file stored before encryption (or with it off)
    return fernet().decrypt(data)


def normalise_id_number(value) -> str:
    """ " 079 123 456 789 " → "079123456789": digits and letters only, upper case."""
    return "".join(ch for ch in str(value or "") if ch.isalnum()).upper()


def normalise_name(value) -> str:
    """ " Nguyễn  Văn ĐỨC " → "nguyen van duc": case and diacritics folded, spaces collapsed."""
    from .text import fold

    return fold(str(value or "")).strip()


#: How each kind of blind index normalises its value before the HMAC.
NORMALISERS = {"id": normalise_id_number, "name": normalise_name}


def blind_index(value, *, kind: str = "id") -> str:
    """HMAC-SHA256 (hex) of the normalised value, keyed outside the database: equal values give equal
    indexes, and the index alone does not give the value back (chỉ mục mù để tra cứu chính xác).
    Every ID number (số định danh, mã số thuế) has kind "id", so indexes of two tables can be joined."""
    normal = NORMALISERS[kind](value)
    if not normal:
        return ""
    return hmac.new(blind_index_key(), f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()


__all__ = [
    "EncryptedJSONField",
    "EncryptedTextField",
    "InvalidToken",
    "KeysMissing",
    "BlindIndexField",
    "BlindIndexed",
    "IndexedQuerySet",
    "blind_index",
    "decrypt_bytes",
    "decrypt_text",
    "encrypt_bytes",
    "encrypt_text",
]


# --- model fields ------------------------------------------------------------------------------


class _RefusedLookup:
    """A lookup on an encrypted column with a value: ciphertext never equals a fresh encryption, so
    the query would silently find nothing. Refused; look up through the column's blind index."""

    def get_prep_lookup(self):
        rhs = self.rhs
        values = rhs if isinstance(rhs, (list, tuple, set, frozenset)) else [rhs]
        if not hasattr(rhs, "resolve_expression") and any(v not in ("", None) for v in values):
            field = self.lhs.output_field
            raise FieldError(
                f"{field.model.__name__}.{field.name} is encrypted (ADR 0040): it can only be compared "
                f"with '' or NULL; look it up through its blind index (ADR 0048)."
            )
        return super().get_prep_lookup()


@functools.cache
def _refused(lookup):
    return type(f"Refused{lookup.__name__}", (_RefusedLookup, lookup), {})


class _Encrypted:
    """What both fields share: the bulk writers (demo) call `seal_column` on a whole column."""

    encrypted = True

    def seal_column(self, column) -> list:
        prep = self.get_prep_value
        return [prep(v) for v in column]

    def get_lookup(self, lookup_name):
        found = super().get_lookup(lookup_name)
        if found is None or lookup_name == "isnull":
            return found
        return _refused(found)


class EncryptedTextField(_Encrypted, models.TextField):
    """Text stored as a Fernet token. `max_length` limits the plaintext (forms and validation)."""

    description = "Encrypted text"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value))

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def to_python(self, value):
        value = super().to_python(value)
        return decrypt_text(value) if is_token(value) else value

    def formfield(self, **kwargs):
        if self.max_length:  # a one-line input, as the CharField it replaces
            return models.Field.formfield(self, **{"max_length": self.max_length, **kwargs})
        return super().formfield(**kwargs)


class EncryptedJSONField(_Encrypted, models.TextField):
    """JSON stored as a Fernet token of its text. No JSON lookups in queries (ADR 0040)."""

    description = "Encrypted JSON"
    empty_strings_allowed = False

    def __init__(self, *args, encoder=None, decoder=None, **kwargs):
        self.encoder, self.decoder = encoder, decoder
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.encoder is not None:
            kwargs["encoder"] = self.encoder
        if self.decoder is not None:
            kwargs["decoder"] = self.decoder
        return name, path, args, kwargs

    def get_prep_value(self, value):
        if value is None:
            return None
        text = json.dumps(value, cls=self.encoder, ensure_ascii=False)
        return encrypt_text(text)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if not isinstance(value, str):  # a jsonb value read before the column became text
            return value
        return json.loads(decrypt_text(value), cls=self.decoder)

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return json.loads(decrypt_text(value), cls=self.decoder)
            except (ValueError, InvalidToken):
                return value
        return value

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), cls=self.encoder, ensure_ascii=False)

    def formfield(self, **kwargs):
        defaults = {"form_class": forms.JSONField, "encoder": self.encoder, "decoder": self.decoder}
        return models.Field.formfield(self, **{**defaults, **kwargs})


#: A blind index as stored: 64 lower-case hex digits (never a normalised ID number, upper case).
DIGEST = re.compile(r"[0-9a-f]{64}")


class BlindIndexField(models.CharField):
    """The keyed blind index (chỉ mục mù) of another field of the model, `source`, usually encrypted.

    * Filled from `source` on every save and `bulk_create` (`pre_save`); `IndexedQuerySet` does it for
      `update()`/`bulk_update()` and `BlindIndexed` for `save(update_fields=…)`; the demo's bulk writer
      fills it itself (`index_column`).
    * A lookup value is indexed the same way: `filter(applicant_id_index=number)`,
      `filter(applicant_id_index__in=numbers)` find the rows whose number is `number`; a value that is
      already a digest (from another index column) passes through, so indexes can be compared.
    * An empty source gives "" (or NULL when `null=True`, so that a unique index allows many).
    * Without a `source` the field indexes its own value: the ID number given on create or update is
      stored as its digest only (foryou's and privacy's `person_id`, where rows are only found by it).
    """

    description = "Keyed blind index"

    def __init__(self, *args, source: str = "", kind: str = "id", **kwargs):
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"], kwargs["kind"] = self.source, self.kind
        if kwargs.get("max_length") == 64:
            del kwargs["max_length"]
        kwargs.pop("editable", None)
        kwargs.pop("blank", None)
        return name, path, args, kwargs

    def index(self, value):
        """The digest of `value` (a digest passes through); "" or None when there is no value."""
        if isinstance(value, str) and DIGEST.fullmatch(value):
            return value
        digest = blind_index(value, kind=self.kind) if value is not None else ""
        return digest or (None if self.null else "")

    def index_column(self, column) -> list:
        """The index of each value of a whole column of `source` (the demo's bulk writer)."""
        return [self.index(v) for v in column]

    def pre_save(self, model_instance, add):
        value = self.index(getattr(model_instance, self.source or self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return self.index(value)


def _indexes(model) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]


class IndexedQuerySet(models.QuerySet):
    """`update()` and `bulk_update()` keep the blind indexes in step with their sources (ADR 0048):
    `filter(…).update(applicant_id_number=n)` also sets `applicant_id_index`."""

    def update(self, **kwargs):
        for field in _indexes(self.model):
            if field.source in kwargs and field.name not in kwargs:
                value = kwargs[field.source]
                if hasattr(value, "resolve_expression"):
                    raise FieldError(
                        f"{field.source}: an expression cannot be indexed; save the rows instead"
                    )
                kwargs[field.name] = field.index(value)
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        objs, fields = list(objs), list(fields)
        for field in _indexes(self.model):
            if field.source in fields and field.name not in fields:
                for obj in objs:
                    field.pre_save(obj, False)
                fields.append(field.name)
        return super().bulk_update(objs, fields, batch_size=batch_size)


class BlindIndexed:
    """Model mixin: `save(update_fields=[source])` saves the source's blind index with it."""

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            update_fields = list(update_fields)
            for field in _indexes(type(self)):
                if field.source in update_fields and field.name not in update_fields:
                    update_fields.append(field.name)
        return super().save(*args, update_fields=update_fields, **kwargs)


def encrypted_fields():
    """(model, field) for every encrypted field of every installed model."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if getattr(field, "encrypted", False):
                yield model, field


def rewrite_column(connection, table: str, column: str, transform, *, batch: int = 2000) -> int:
    """Apply `transform` (text → text) to every non-empty value of table.column, in id order and in
    batches: used by the data migrations (encrypt / decrypt) and by `motcua keys rotate`."""
    qn = connection.ops.quote_name
    changed, last = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, {qn(column)} FROM {qn(table)} WHERE id > %s AND {qn(column)} IS NOT NULL "  # noqa: S608
                f"AND {qn(column)} <> '' ORDER BY id LIMIT %s",
                [last, batch],
            )
            rows = cursor.fetchall()
            if not rows:
                _settle_deferred(connection)
                return changed
            last = rows[-1][0]
            updates = []
            for pk, value in rows:
                new = transform(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
                if new != value:
                    updates.append((new, pk))
            if updates:
                cursor.executemany(
                    f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE id = %s",  # noqa: S608
                    updates,
                )
                changed += len(updates)


def _encrypt_always(value: str) -> str:
    return value if is_token(value) else fernet().encrypt(value.encode()).decode("ascii")


def encrypt_columns(columns: list[tuple[str, str]]):
    """A RunPython pair (forward encrypts, backward decrypts) for [(table, column), …]."""

    def forward(apps, schema_editor):
        for table, column in columns:
            rewrite_column(schema_editor.connection, table, column, _encrypt_always)

    def backward(apps, schema_editor):
        for table, column in columns:
            rewrite_column(schema_editor.connection, table, column, decrypt_text)

    return forward, backward


def _settle_deferred(connection) -> None:
    """Fire, now, the deferred trigger events the rewrite queued: PostgreSQL refuses the schema
    changes Django runs at the end of the migration (CREATE INDEX) while a table has pending ones."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def index_columns(table: str, columns: list[tuple[str, str, str]], *, null: bool = False):
    """A RunPython pair for [(column, index column, kind), …] of `table` (`null`: the index columns
    are nullable, NULL where there is no value): forward encrypts each
    column (a token is kept) and fills its blind index; backward decrypts (the index column goes with
    the schema operation). In id batches, on SQLite and PostgreSQL alike."""

    def forward(apps, schema_editor):
        connection = schema_editor.connection
        qn = connection.ops.quote_name
        empty = None if null else ""
        for column, index_column, kind in columns:
            last = 0
            with connection.cursor() as cursor:
                while True:
                    cursor.execute(
                        f"SELECT id, {qn(column)} FROM {qn(table)} WHERE id > %s "  # noqa: S608
                        f"AND {qn(column)} IS NOT NULL AND {qn(column)} <> '' ORDER BY id LIMIT 2000",
                        [last],
                    )
                    rows = cursor.fetchall()
                    if not rows:
                        break
                    last = rows[-1][0]
                    cursor.executemany(
                        f"UPDATE {qn(table)} SET {qn(column)} = %s, {qn(index_column)} = %s WHERE id = %s",  # noqa: S608
                        [
                            (_encrypt_always(value), blind_index(decrypt_text(value), kind=kind) or empty, pk)
                            for pk, value in rows
                        ],
                    )
        _settle_deferred(connection)

    def backward(apps, schema_editor):
        for column, _index, _kind in columns:
            rewrite_column(schema_editor.connection, table, column, decrypt_text)

    return forward, backward


def hash_columns(columns: list[tuple[str, str]], *, kind: str = "id"):
    """RunPython forward for [(table, column), …] whose column becomes its own blind index (a
    `BlindIndexField` without source): each value is replaced by its digest (a digest is kept). There
    is no backward: the digest does not give the number back (ADR 0048)."""

    def forward(apps, schema_editor):
        for table, column in columns:
            rewrite_column(
                schema_editor.connection,
                table,
                column,
                lambda v: v if DIGEST.fullmatch(v) else blind_index(v, kind=kind),
            )

    return forward


def move_to_companion(table: str, column: str, companion: str, *, kind: str = "id"):
    """A RunPython pair for a column that becomes the blind index of a new encrypted `companion`:
    forward copies the number into the companion, encrypts it there and puts its digest in `column`;
    backward puts the decrypted number back into `column` (the companion goes with the schema)."""
    encrypt, decrypt = index_columns(table, [(companion, column, kind)])

    def forward(apps, schema_editor):
        qn = schema_editor.connection.ops.quote_name
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {qn(table)} SET {qn(companion)} = {qn(column)} WHERE {qn(companion)} = ''"  # noqa: S608
            )
        encrypt(apps, schema_editor)

    def backward(apps, schema_editor):
        decrypt(apps, schema_editor)
        qn = schema_editor.connection.ops.quote_name
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"UPDATE {qn(table)} SET {qn(column)} = {qn(companion)}")  # noqa: S608

    return forward, backward
