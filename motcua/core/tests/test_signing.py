"""core.signing: the sandbox CA, PAdES signatures and their verification.

Every test works in a temporary VAR_DIR (so var/pki is never touched); the CA and the officers'
keys of one module are made once (RSA 3072 keys take ~0.1 s each).
"""

import asyncio
import concurrent.futures
import io
import os
import shutil
import stat
import subprocess
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from motcua.core.pdf import render_pdf
from motcua.core.signing import (
    COVERAGE_ENTIRE_FILE,
    EKU_DOCUMENT_SIGNING,
    LocalCASigner,
    RemoteSigningServiceSigner,
    SandboxCA,
    Signer,
    SigningError,
    Verification,
    fingerprint,
    get_signer,
    render_and_sign,
    verify_pdf,
)
from motcua.core.tests.test_pdf import PDFTOTEXT, SAMPLE, needs_pdftotext, pdf_text, sample_context, squash

OFFICER = "Nguyễn Văn An"
AGENCY = "Trung tâm Phục vụ hành chính công tỉnh Sơn La"
REASON = "Ký giấy tiếp nhận hồ sơ và hẹn trả kết quả"


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(autouse=True)
def sandbox(settings, var_dir):
    """The tests' own VAR_DIR and the documented signature defaults, whatever the environment says."""
    settings.VAR_DIR = var_dir
    settings.MOTCUA_SIGNER = "sandbox"
    settings.MOTCUA_TRUSTED_CA_FILES = []
    settings.MOTCUA_TRUST_SANDBOX_CA = True
    settings.MOTCUA_SANDBOX_CA_PROVINCE = "Tỉnh Sơn La"
    return settings


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return render_pdf("core/pdf_sample.html", sample_context())


@pytest.fixture(scope="module")
def signer(var_dir) -> LocalCASigner:
    with override_settings(VAR_DIR=var_dir, MOTCUA_SANDBOX_CA_PROVINCE="Tỉnh Sơn La"):
        return LocalCASigner(OFFICER, AGENCY)


@pytest.fixture(scope="module")
def signed(signer, unsigned) -> bytes:
    return signer.sign_pdf(unsigned, reason=REASON, signer_name=OFFICER)


@pytest.fixture(scope="module")
def rogue(tmp_path_factory) -> LocalCASigner:
    """An officer of another CA that even carries the same name as ours: a forgery attempt."""
    with override_settings(MOTCUA_SANDBOX_CA_PROVINCE="Tỉnh Sơn La"):
        return LocalCASigner(OFFICER, AGENCY, pki_directory=tmp_path_factory.mktemp("rogue-pki"))


def flip_byte_in_content(pdf: bytes) -> bytes:
    """Flip one bit inside the first content stream: signed bytes, structure untouched."""
    start = pdf.index(b"stream\n") + len(b"stream\n")
    data = bytearray(pdf)
    data[start + 20] ^= 0x01
    return bytes(data)


# --- signing and verifying ---------------------------------------------------------------------


def test_sign_and_verify(signed, signer):
    result = verify_pdf(signed)
    assert isinstance(result, Verification)
    assert result.valid and result.intact and result.trusted, result.problems
    assert result.problems == []
    assert result.coverage == COVERAGE_ENTIRE_FILE
    assert result.signer_name == OFFICER
    assert result.reason == REASON
    assert abs(result.signed_at - timezone.now()) < timedelta(minutes=5)
    assert result.message == f"Chữ ký số hợp lệ của {OFFICER}."
    [sig] = result.signatures
    assert sig.field_name == "ChuKySo"
    assert sig.organization == AGENCY
    assert sig.certificate_fingerprint == fingerprint(
        x509.load_pem_x509_certificate(signer.certificate_pem().encode())
    )


def test_signature_is_pades_incremental_and_embeds_the_chain(signed, unsigned, signer):
    assert signed.startswith(unsigned)  # incremental update: the original bytes are untouched
    [embedded] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert embedded.md_algorithm == "sha256"
    assert [float(v) for v in embedded.sig_field["/Rect"]] == [0, 0, 0, 0]  # invisible: the block is HTML
    subjects = {c.chosen.subject.native["common_name"] for c in embedded.signed_data["certificates"]}
    assert subjects == {OFFICER, "motcua Sandbox CA – Tỉnh Sơn La"}


def test_one_flipped_byte_breaks_integrity(signed):
    result = verify_pdf(flip_byte_in_content(signed))
    assert not result.valid
    assert result.intact is False
    assert any("đã bị thay đổi sau khi ký" in p for p in result.problems)


@pytest.mark.parametrize("tail", [b"garbage", b"\n% a comment\n", b"\n1 0 obj\n(x)\nendobj\n"])
def test_appended_bytes_are_not_a_valid_update(signed, tail):
    result = verify_pdf(signed + tail)
    assert not result.valid
    assert result.coverage != COVERAGE_ENTIRE_FILE
    assert result.problems


def test_a_non_signature_update_after_signing_is_refused(signed):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(
        90
    )  # any change of the signed content, saved as a proper incremental update
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue())
    assert not result.valid
    assert result.intact  # the signed revision itself is untouched…
    assert any("sửa đổi sau khi ký" in p for p in result.problems)  # …but what follows is not allowed


def test_a_second_signature_keeps_the_first_valid(signed):
    approver = LocalCASigner("Lò Thị Hoa", "UBND xã Chiềng Cơi")
    twice = approver.sign_pdf(signed, reason="Phê duyệt", signer_name="Lò Thị Hoa")
    result = verify_pdf(twice)
    assert result.valid, result.problems
    assert [s.field_name for s in result.signatures] == ["ChuKySo", "ChuKySo_2"]
    assert [s.signer_name for s in result.signatures] == [OFFICER, "Lò Thị Hoa"]
    assert result.signer_name == "Lò Thị Hoa" and result.reason == "Phê duyệt"  # the latest one
    assert result.coverage == COVERAGE_ENTIRE_FILE
    assert result.message == "Chữ ký số hợp lệ của Lò Thị Hoa (2 chữ ký)."


def test_certificate_of_another_ca_is_untrusted(signer, rogue, unsigned):
    """Our CA exists (signer), the rogue one copies its name: the path fails on the signature."""
    result = verify_pdf(rogue.sign_pdf(unsigned, reason=REASON, signer_name=OFFICER))
    assert not result.valid
    assert result.intact and not result.trusted
    assert any("không do tổ chức chứng thực được tin cậy cấp" in p for p in result.problems), result.problems


def test_ca_with_another_name_is_untrusted(signer, tmp_path, unsigned, sandbox):
    sandbox.MOTCUA_SANDBOX_CA_PROVINCE = "Tỉnh Lạng Sơn"
    other = LocalCASigner("Hoàng Văn Bình", "Sở Tư pháp", pki_directory=tmp_path)
    result = verify_pdf(other.sign_pdf(unsigned, reason=REASON, signer_name="Hoàng Văn Bình"))
    assert not result.trusted and not result.valid
    assert any("không tìm thấy chuỗi chứng thực" in p for p in result.problems), result.problems


def test_trusted_ca_files_add_trust_roots(rogue, unsigned, sandbox, tmp_path):
    signed_by_rogue = rogue.sign_pdf(unsigned, reason=REASON, signer_name=OFFICER)
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(b"junk before\n" + rogue.ca.cert_path.read_bytes())
    sandbox.MOTCUA_TRUSTED_CA_FILES = [str(tmp_path / "missing.pem"), str(bundle)]
    sandbox.MOTCUA_TRUST_SANDBOX_CA = False
    assert verify_pdf(signed_by_rogue).valid
    assert not verify_pdf(signed_by_rogue).problems


def test_sandbox_ca_can_be_distrusted(signed, sandbox):
    sandbox.MOTCUA_TRUST_SANDBOX_CA = False
    result = verify_pdf(signed)
    assert not result.valid and not result.trusted and result.intact
    assert any("Chưa cấu hình tổ chức chứng thực" in p for p in result.problems)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Tệp rỗng"),
        (b"  \n", "Tệp rỗng"),
        (os.urandom(4096).replace(b"%PDF-", b"xxxxx"), "không phải là văn bản PDF"),
        ("Nguyễn Thị Ánh Tuyết".encode(), "không phải là văn bản PDF"),
        (b"PK\x03\x04" + b"\0" * 100, "không phải là văn bản PDF"),
        (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "bị hỏng hoặc sai cấu trúc"),
        (None, "không phải là một tệp"),
    ],
)
def test_non_pdf_input_is_invalid_with_a_message(data, message):
    result = verify_pdf(data)
    assert not result.valid and not result.intact and not result.trusted
    assert any(message in p for p in result.problems), result.problems
    assert result.message == result.problems[0]


def test_unsigned_pdf_is_invalid(unsigned):
    result = verify_pdf(unsigned)
    assert not result.valid
    assert result.problems == ["Tệp PDF không có chữ ký số."]


def test_truncated_signed_pdf_is_invalid(signed):
    for cut in (len(signed) // 2, len(signed) - 40):
        result = verify_pdf(signed[:cut])
        assert not result.valid and result.problems


def test_verify_works_inside_a_running_event_loop(signed, unsigned, signer):
    async def in_async_view():
        again = signer.sign_pdf(unsigned, reason=REASON, signer_name=OFFICER)
        return verify_pdf(signed), verify_pdf(again)

    # A thread of its own: Playwright's sync API may already own this thread's event loop.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        first, second = pool.submit(asyncio.run, in_async_view()).result()
    assert first.valid and second.valid


# --- the sandbox CA and its certificates -------------------------------------------------------


def test_sandbox_ca_certificate(signer, var_dir):
    ca = SandboxCA()
    assert ca.directory == var_dir / "pki"
    cert = ca.certificate()
    assert (
        cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "motcua Sandbox CA – Tỉnh Sơn La"
    )
    assert cert.subject == cert.issuer and cert.version == x509.Version.v3
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    years = (cert.not_valid_after_utc - cert.not_valid_before_utc).days / 365.25
    assert 9.99 < years < 10.01
    assert cert.public_key().key_size == 3072
    assert stat.S_IMODE(ca.key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(ca.directory.stat().st_mode) == 0o700


def test_officer_certificate(signer):
    cert = x509.load_pem_x509_certificate(signer.certificate_pem().encode())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == OFFICER
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == AGENCY
    assert cert.issuer == SandboxCA().certificate().subject
    cert.verify_directly_issued_by(SandboxCA().certificate())
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.EMAIL_PROTECTION, EKU_DOCUMENT_SIGNING}
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days in (730, 731)
    keys = list((SandboxCA().directory / "signers").glob("*/key.pem"))
    assert keys and all(stat.S_IMODE(k.stat().st_mode) == 0o600 for k in keys)


def test_officer_certificate_is_reused_per_officer_and_agency(signer):
    assert LocalCASigner(OFFICER, AGENCY).certificate_pem() == signer.certificate_pem()
    # the same name typed decomposed or with other case is the same officer
    assert LocalCASigner(unicodedata.normalize("NFD", OFFICER.upper()), AGENCY).certificate_pem() == (
        signer.certificate_pem()
    )
    assert LocalCASigner(OFFICER, "UBND xã Chiềng Cơi").certificate_pem() != signer.certificate_pem()


def test_get_signer_chooses_the_adapter(sandbox):
    assert isinstance(get_signer(OFFICER, AGENCY), LocalCASigner)
    assert isinstance(get_signer(OFFICER, AGENCY), Signer)
    sandbox.MOTCUA_SIGNER = "remote"
    with pytest.raises(NotImplementedError, match="chưa được triển khai"):
        get_signer(OFFICER, AGENCY)
    with pytest.raises(NotImplementedError):
        RemoteSigningServiceSigner(OFFICER, AGENCY)
    sandbox.MOTCUA_SIGNER = "magic"
    with pytest.raises(ImproperlyConfigured, match="magic"):
        get_signer(OFFICER, AGENCY)


def test_signing_refuses_what_is_not_a_pdf(signer):
    for data in (b"", b"hello", "không phải PDF".encode()):
        with pytest.raises(SigningError, match="không phải là tệp PDF"):
            signer.sign_pdf(data, reason=REASON, signer_name=OFFICER)
    with pytest.raises(SigningError):
        signer.sign_pdf(b"%PDF-1.7\nbroken", reason=REASON, signer_name=OFFICER)


def test_render_and_sign(signer):
    pdf = render_and_sign(
        "core/pdf_sample.html",
        sample_context(),
        signer=signer,
        signer_name=OFFICER,
        signer_title="Công chức tiếp nhận",
        agency_name=AGENCY,
        reason=REASON,
    )
    result = verify_pdf(pdf)
    assert result.valid, result.problems
    if PDFTOTEXT:
        text = squash(pdf_text(pdf))
        assert f"Ký số bởi: {OFFICER}" in text and SAMPLE in text


@needs_pdftotext
def test_signed_pdf_still_reads_as_vietnamese(signed):
    assert SAMPLE in squash(pdf_text(signed))


# --- the command -------------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("signing", *args, stdout=out)
    return out.getvalue()


def fingerprint_line(output: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith("Vân tay SHA-256: ")]
    return line.removeprefix("Vân tay SHA-256: ")


def test_signing_init_is_idempotent(sandbox, tmp_path):
    sandbox.VAR_DIR = tmp_path
    with pytest.raises(CommandError, match="Chưa có CA sandbox"):
        run("show")
    first = run("init")
    assert first.startswith("Đã tạo CA sandbox.")
    assert "CN=motcua Sandbox CA – Tỉnh Sơn La" in first
    second = run("init")
    assert second.startswith("CA sandbox đã có; không tạo lại.")
    assert fingerprint_line(first) == fingerprint_line(second) == fingerprint_line(run("show"))
    assert fingerprint_line(first) == fingerprint(SandboxCA().certificate())
    assert (tmp_path / "pki" / "ca.cert.pem").exists()


def test_signing_init_takes_the_province(sandbox, tmp_path):
    sandbox.VAR_DIR = tmp_path
    assert "CN=motcua Sandbox CA – Tỉnh Điện Biên" in run("init", "--province", "Tỉnh Điện Biên")


def test_signing_verify_command(signed, tmp_path):
    good = tmp_path / "good.pdf"
    good.write_bytes(signed)
    out = run("verify", str(good))
    assert out.startswith(f"HỢP LỆ: Chữ ký số hợp lệ của {OFFICER}.")
    assert "toàn vẹn=có, tin cậy=có, phạm vi=entire file" in out
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(flip_byte_in_content(signed))
    with pytest.raises(CommandError, match="không hợp lệ"):
        run("verify", str(bad))
    with pytest.raises(CommandError, match="Không đọc được tệp"):
        run("verify", str(tmp_path / "missing.pdf"))


def test_signing_uses_the_loaded_key(signer, unsigned, monkeypatch):
    """pyHanko's SimpleSigner re-parses the key (~0.1 s of RSA checks) per raw signature; ours does not."""
    from pyhanko.sign.signers import pdf_cms

    def reparse(*args, **kwargs):
        raise AssertionError("the key was parsed again")

    monkeypatch.setattr(pdf_cms.serialization, "load_der_private_key", reparse)
    assert verify_pdf(signer.sign_pdf(unsigned, reason=REASON, signer_name=OFFICER)).valid


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="pdfsig (poppler-utils) is not installed")
def test_an_independent_validator_agrees(signed, tmp_path):
    """poppler's pdfsig (NSS) reads our PAdES signature; it does not know the sandbox CA."""
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(signed)
    bad.write_bytes(flip_byte_in_content(signed))
    out = subprocess.run(["pdfsig", str(good)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature Validation: Signature is Valid." in out
    assert "Total document signed" in out
    assert f"Signer Certificate Common Name: {OFFICER}" in out
    out = subprocess.run(["pdfsig", str(bad)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature Validation: Digest Mismatch." in out
