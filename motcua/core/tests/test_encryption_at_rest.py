"""Encryption at rest (issue 17 item 5, ADR 0040): fields, rotation, blind index, files, CA key, checks."""

import stat

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from motcua.core import checks as motcua_checks
from motcua.core import crypto, signing
from motcua.core.encrypted_storage import EncryptedStorage
from motcua.people.models import DataStoreItem, User

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
PHONE = "0912345678"


@pytest.fixture(autouse=True)
def _fresh_keys():
    crypto.reset()
    yield
    crypto.reset()


def raw(table: str, column: str, pk: int):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_database_row_holds_ciphertext_and_the_orm_gives_the_plaintext():
    user = User.objects.create(username="an.enc", phone=PHONE)
    item = DataStoreItem.objects.create(
        owner_id_number="079123456789",
        title="Giấy khai sinh",
        source="test:1",
        issued_at="2026-01-02T03:04:05+07:00",
        data={"ho_ten": "Lò Văn Pâng", "so_dinh_danh": "079123456789"},
    )
    stored_phone = raw("people_user", "phone", user.pk)
    stored_data = raw("people_datastoreitem", "data", item.pk)
    assert stored_phone.startswith(crypto.TOKEN_PREFIX) and PHONE not in stored_phone
    assert "079123456789" not in str(stored_data) and "Pâng" not in str(stored_data)
    assert User.objects.get(pk=user.pk).phone == PHONE
    assert DataStoreItem.objects.get(pk=item.pk).data["so_dinh_danh"] == "079123456789"
    assert list(User.objects.filter(pk=user.pk).values_list("phone", flat=True)) == [PHONE]
    # the empty value stays empty (and comparable), no token for nothing
    blank = User.objects.create(username="binh.enc")
    assert raw("people_user", "phone", blank.pk) == ""
    assert User.objects.filter(pk=blank.pk, phone="").exists()


@pytest.mark.django_db
def test_rotation_reencrypts_with_the_new_key_and_old_rows_still_read():
    with override_settings(MOTCUA_DATA_KEYS=[OLD]):
        user = User.objects.create(username="rot.enc", phone=PHONE)
    old_token = raw("people_user", "phone", user.pk)
    assert Fernet(OLD.encode()).decrypt(old_token.encode()).decode() == PHONE
    with override_settings(MOTCUA_DATA_KEYS=[NEW, OLD]):
        assert User.objects.get(pk=user.pk).phone == PHONE  # an old row reads with the new key first
        fresh = User.objects.create(username="rot2.enc", phone="0987654321")
        assert Fernet(NEW.encode()).decrypt(raw("people_user", "phone", fresh.pk).encode())
        call_command("keys", "rotate", stdout=open("/dev/null", "w"))  # noqa: SIM115
        rotated = raw("people_user", "phone", user.pk)
        assert rotated != old_token
        assert Fernet(NEW.encode()).decrypt(rotated.encode()).decode() == PHONE
    with override_settings(MOTCUA_DATA_KEYS=[NEW]):  # the old key can go now
        assert User.objects.get(pk=user.pk).phone == PHONE
    with override_settings(MOTCUA_DATA_KEYS=[OLD]), pytest.raises(crypto.InvalidToken):
        User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_with_encryption_off_rows_are_plain_and_encrypted_rows_still_read():
    with override_settings(MOTCUA_ENCRYPT_AT_REST=False):
        plain = User.objects.create(username="off.enc", phone=PHONE)
        assert raw("people_user", "phone", plain.pk) == PHONE
    sealed = User.objects.create(username="on.enc", phone=PHONE)
    with override_settings(MOTCUA_ENCRYPT_AT_REST=False):
        assert User.objects.get(pk=sealed.pk).phone == PHONE
    assert User.objects.get(pk=plain.pk).phone == PHONE  # a row from before the migration reads too


def test_blind_index_finds_by_id_number_whatever_the_spacing_and_hides_it():
    with override_settings(MOTCUA_BLIND_INDEX_KEY="k1"):
        a = crypto.blind_index("079123456789")
        assert crypto.blind_index(" 079 123 456 789 ") == a
        assert crypto.blind_index("079123456788") != a
        assert "079123456789" not in a and len(a) == 64
        assert crypto.blind_index("") == ""
    with override_settings(MOTCUA_BLIND_INDEX_KEY="k2"):
        assert crypto.blind_index("079123456789") != a  # keyed: no lookup table without the key


def test_key_files_are_created_0600_outside_the_database_in_the_embedded_mode(tmp_path):
    with override_settings(MOTCUA_DATA_KEYS=[], MOTCUA_KEYS_DIR=tmp_path / "keys"):
        token = crypto.encrypt_text("x")
        path = tmp_path / "keys" / crypto.DATA_KEYS_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert Fernet(path.read_text().strip().encode()).decrypt(token.encode()) == b"x"


def test_a_stored_file_is_ciphertext_on_disk_and_opens_as_the_same_bytes(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    settings.MOTCUA_SIGNER = "sandbox"
    from motcua.core.pdf import render_pdf
    from motcua.core.tests.test_pdf import sample_context

    pdf = signing.LocalCASigner("Nguyễn Văn An", "UBND xã Thử").sign_pdf(
        render_pdf("core/pdf_sample.html", sample_context()), reason="Ký thử", signer_name="Nguyễn Văn An"
    )
    assert signing.verify_pdf(pdf).valid
    storage = EncryptedStorage(options={"location": str(tmp_path / "media")})
    name = storage.save("results/2026/12/kq.pdf", ContentFile(pdf))
    on_disk = (tmp_path / "media" / name).read_bytes()
    assert not on_disk.startswith(b"%PDF") and b"%PDF" not in on_disk
    with storage.open(name) as handle:
        back = handle.read()
    assert back == pdf and storage.size(name) == len(pdf)
    assert signing.verify_pdf(back).valid, signing.verify_pdf(back).problems
    # rotation of files: same bytes back, new ciphertext
    with override_settings(MOTCUA_DATA_KEYS=[NEW, *(k.decode() for k in crypto.data_keys())]):
        crypto.reset()
        assert storage.rewrite(name)
        with storage.open(name) as handle:
            assert handle.read() == pdf
    assert (tmp_path / "media" / name).read_bytes() != on_disk
    # a file stored before encryption reads as it was
    (tmp_path / "media" / "old.pdf").write_bytes(b"%PDF-1.7 old")
    assert storage.open("old.pdf").read() == b"%PDF-1.7 old"
    with pytest.raises(NotImplementedError):
        storage.path(name)


def test_the_sandbox_ca_key_is_encrypted_with_the_passphrase(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    settings.MOTCUA_SIGNING_KEY_PASSPHRASE = "mot-cau-rat-dai-va-bi-mat"
    ca = signing.SandboxCA()
    ca.ensure()
    pem = ca.key_path.read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE(ca.key_path.stat().st_mode) == 0o600
    from cryptography.hazmat.primitives import serialization

    with pytest.raises(TypeError):  # no passphrase, no key
        serialization.load_pem_private_key(pem, password=None)
    assert serialization.load_pem_private_key(pem, password=b"mot-cau-rat-dai-va-bi-mat")
    signing._loaded_keys.clear()
    assert ca.private_key().key_size == signing.KEY_SIZE


def test_an_unencrypted_key_from_before_is_encrypted_in_place_when_read(tmp_path, settings):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    settings.MOTCUA_SIGNING_KEY_PASSPHRASE = "mot-mat-khau-khac"
    path = tmp_path / "ca.key.pem"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    loaded = signing._load_key(path)
    assert loaded.private_numbers() == key.private_numbers()
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")


PRODUCTION = {"DEBUG": False, "EMBEDDED": False, "TESTING": False}


def test_production_refuses_to_start_without_data_keys(tmp_path):
    with override_settings(**PRODUCTION, MOTCUA_DATA_KEYS=[], MOTCUA_KEYS_DIR=tmp_path / "none"):
        errors = motcua_checks.data_keys_in_production()
        assert {e.id for e in errors} == {"motcua.E003"} and len(errors) == 2
        assert not (tmp_path / "none").exists()  # production never creates a key
        with pytest.raises(ImproperlyConfigured):
            motcua_checks.refuse_sandbox_in_production()
    with override_settings(**PRODUCTION, MOTCUA_DATA_KEYS=[NEW], MOTCUA_BLIND_INDEX_KEY="k"):
        assert motcua_checks.data_keys_in_production() == []
        with override_settings(MOTCUA_ENCRYPT_AT_REST=False):
            assert [e.id for e in motcua_checks.data_keys_in_production()] == ["motcua.E003"]
