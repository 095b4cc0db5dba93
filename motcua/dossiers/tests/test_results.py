"""Signed results: issued once by an approver, stored, put into the data store, verified later.

Real PDFs and real PAdES signatures from the sandbox CA, in a temporary VAR_DIR (the CA and the
officers' keys are made once per module) and a temporary MEDIA_ROOT per test.
"""

import hashlib
from pathlib import Path

import pytest
from django.test import Client
from django.utils.html import strip_tags

from motcua.audit.models import AuditEntry
from motcua.core.signing import LocalCASigner, SigningError, get_signer
from motcua.core.tests.test_pdf import PDFTOTEXT, pdf_text, squash
from motcua.core.tests.test_signing import flip_byte_in_content
from motcua.dossiers import papers, results, services
from motcua.dossiers.models import Decision, DossierResult, Status
from motcua.people.models import DataStoreItem

from .conftest import sign_in

pytestmark = pytest.mark.django_db
BASE_URL = "https://dichvucong.sonla.gov.vn"


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(autouse=True)
def documents(settings, var_dir, tmp_path):
    settings.VAR_DIR = var_dir
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MOTCUA_SIGNER = "sandbox"
    settings.MOTCUA_TRUSTED_CA_FILES = []
    settings.MOTCUA_TRUST_SANDBOX_CA = True
    settings.MOTCUA_SANDBOX_CA_PROVINCE = "Tỉnh Sơn La"
    settings.MOTCUA_PUBLIC_BASE_URL = BASE_URL
    return settings


def act(dossier, action, user, **params):
    dossier.refresh_from_db()
    services.perform(dossier, action, user, **params)
    dossier.refresh_from_db()
    return dossier


def approved(make_dossier, people, clock):
    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    clock.set(2026, 3, 5, 10, 0)
    return act(dossier, "approve", people["approver"])


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def nothing_issued(dossier, settings, version: int) -> None:
    dossier.refresh_from_db()
    assert dossier.version == version
    assert not DossierResult.objects.filter(dossier=dossier).exists()
    assert not DataStoreItem.objects.filter(source=f"dossier:{dossier.code}").exists()
    assert not dossier.history.filter(action="issue_result").exists()
    assert not AuditEntry.objects.filter(action="dossier.issue_result", object_id=str(dossier.pk)).exists()
    assert media_files(settings) == []


# --- issue ----------------------------------------------------------------------------------------


def test_an_approver_issues_a_signed_result_that_verifies_as_ours(make_dossier, people, clock, settings):
    dossier = approved(make_dossier, people, clock)
    result = results.issue_result(dossier, people["approver"], expected_version=dossier.version)

    assert result.pk and result.title == "Thẻ tư vấn viên pháp luật" and result.result_code == "KQ.G15.000077"
    assert result.signed_by == "Giam Doc" and result.signed_at == clock.now
    pdf = result.file.read()
    # Stored under MEDIA_ROOT encrypted at rest (ADR 0040): the bytes on disk are not the PDF.
    on_disk = (Path(settings.MEDIA_ROOT) / result.file.name).read_bytes()
    assert on_disk and not on_disk.startswith(b"%PDF") and pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == result.sha256
    assert result.data["applicant_id_number"] == "014090001111"
    assert result.data["procedure_code"] == "1.000426" and result.data["decision_date"] == "2026-03-05"
    assert result.data["agency_name"] == "Sở Tư pháp Tỉnh Sơn La"

    report = results.verify_result(pdf)
    assert report.valid and report.trusted and report.ours and not report.modified, (
        report.verification.problems
    )
    assert report.result == result and report.verdict == "genuine"
    assert report.verification.signer_name == "Giam Doc"
    assert report.verification.signatures[-1].organization == "Sở Tư pháp Tỉnh Sơn La"

    dossier.refresh_from_db()
    entry = dossier.history.get(action="issue_result")
    assert entry.data["result"] == {"title": result.title, "sha256": result.sha256}
    assert dossier.status == Status.DONE and dossier.version == 5

    item = DataStoreItem.objects.get(source=f"dossier:{dossier.code}")
    assert item.owner_id_number == "014090001111" and item.owner_user == people["citizen"]
    assert item.title == result.title and item.result_code == "KQ.G15.000077" and item.kind == "result"
    assert item.document_sha256 == result.sha256 and item.issuer == "Sở Tư pháp Tỉnh Sơn La"
    assert item.data["procedure_name"] == "Cấp thẻ tư vấn viên pháp luật" and "signature" not in item.data

    # the document itself
    text = (
        squash(pdf_text(pdf))
        if PDFTOTEXT
        else squash(strip_tags(results.result_html(dossier, people["approver"])))
    )
    for fact in [
        "THẺ TƯ VẤN VIÊN PHÁP LUẬT",
        "KQ.G15.000077",
        "Nguyễn Thị Ánh",
        "014090001111",
        "Cấp thẻ tư vấn viên pháp luật",
        "Ngày quyết định: 05/03/2026",
        "SỞ TƯ PHÁP TỈNH SƠN LA",
        "Ký số bởi: Giam Doc",
        "LÃNH ĐẠO PHÊ DUYỆT",
    ]:
        assert fact in text, fact
    assert f"{BASE_URL}/xac-thuc/{dossier.code}/" in "".join(text.split())

    # once only
    with pytest.raises(services.InvalidInput, match="đã có kết quả"):
        results.issue_result(dossier, people["approver"])
    assert DossierResult.objects.count() == 1 and len(media_files(settings)) == 1


def test_without_results_in_the_catalog_the_title_is_generic(make_dossier, people, clock):
    dossier = approved(make_dossier, people, clock)
    version = dossier.procedure_version
    version.results = []
    version.save(update_fields=["results"])
    result = results.issue_result(dossier, people["approver"])
    assert (
        result.title == "Kết quả giải quyết thủ tục Cấp thẻ tư vấn viên pháp luật"
        and result.result_code == ""
    )


def test_only_an_approver_of_the_handling_agency_may_issue(make_dossier, people, clock, settings, var_dir):
    dossier = approved(make_dossier, people, clock)
    signers = var_dir / "pki" / "signers"
    before = sorted(p.name for p in signers.iterdir()) if signers.exists() else []
    for user in ["specialist", "head", "reception", "finance"]:
        with pytest.raises(services.NotAllowed, match="Ban hành kết quả"):
            results.issue_result(dossier, people[user])
        nothing_issued(dossier, settings, version=4)
    after = sorted(p.name for p in signers.iterdir()) if signers.exists() else []
    assert after == before  # no certificate was issued to anyone who may not sign


def test_services_refuse_a_result_without_approval_or_on_a_stale_version(
    make_dossier, people, clock, settings
):
    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    with pytest.raises(services.WrongState):
        results.issue_result(dossier, people["approver"])
    dossier = act(dossier, "refuse", people["approver"], reason="Không đủ điều kiện")
    assert dossier.decision == Decision.REFUSED
    with pytest.raises(services.InvalidInput, match="đã được phê duyệt"):
        results.issue_result(dossier, people["approver"])
    nothing_issued(dossier, settings, version=dossier.version)

    other = approved(make_dossier, people, clock)
    with pytest.raises(services.StaleVersion):
        results.issue_result(other, people["approver"], expected_version=other.version - 1)
    nothing_issued(other, settings, version=other.version)


def test_a_signing_failure_leaves_nothing(make_dossier, people, clock, settings, monkeypatch):
    dossier = approved(make_dossier, people, clock)

    class BrokenSigner:
        def sign_pdf(self, pdf, **kwargs):
            raise SigningError("Không ký được: thiết bị ký số không phản hồi.")

    monkeypatch.setattr(results, "get_signer", lambda officer, agency: BrokenSigner())
    with pytest.raises(SigningError, match="không phản hồi"):
        results.issue_result(dossier, people["approver"])
    nothing_issued(dossier, settings, version=dossier.version)


def test_a_failure_after_the_transition_rolls_everything_back(
    make_dossier, people, clock, settings, monkeypatch
):
    dossier = approved(make_dossier, people, clock)

    def broken_store(*args, **kwargs):
        raise RuntimeError("kho dữ liệu không ghi được")

    monkeypatch.setattr(results.datastore, "store", broken_store)
    with pytest.raises(RuntimeError, match="kho dữ liệu"):
        results.issue_result(dossier, people["approver"])
    nothing_issued(dossier, settings, version=dossier.version)  # the file written before is deleted too
    monkeypatch.undo()
    assert results.issue_result(dossier, people["approver"]).pk  # and it can be issued afterwards


# --- verify ---------------------------------------------------------------------------------------


def test_verification_tells_ours_modified_foreign_and_untrusted_apart(make_dossier, people, clock, tmp_path):
    dossier = approved(make_dossier, people, clock)
    result = results.issue_result(dossier, people["approver"])
    genuine = result.file.read()

    tampered = results.verify_result(flip_byte_in_content(genuine))
    assert not tampered.valid and not tampered.verification.intact
    assert tampered.modified and not tampered.ours and tampered.claimed == result
    assert tampered.verdict == "modified" and "bị thay đổi sau khi ký" in tampered.message

    receipt = papers.render_paper(dossier, 1)  # signed by our CA, but not a result we issued
    ours_ca = get_signer("Tiep Nhan", "Trung tâm Phục vụ hành chính công Tỉnh Sơn La").sign_pdf(
        receipt, reason="Ký giấy tiếp nhận", signer_name="Tiep Nhan"
    )
    foreign = results.verify_result(ours_ca)
    assert foreign.valid and foreign.trusted and not foreign.ours and not foreign.modified
    assert foreign.verdict == "foreign"

    rogue = LocalCASigner("Giam Doc", "Sở Tư pháp Tỉnh Sơn La", pki_directory=tmp_path / "rogue-pki")
    untrusted = results.verify_result(rogue.sign_pdf(receipt, reason="Giả mạo", signer_name="Giam Doc"))
    assert not untrusted.valid and not untrusted.trusted and untrusted.verification.intact
    assert not untrusted.ours and untrusted.claimed is None and untrusted.verdict == "invalid"

    unsigned = results.verify_result(receipt)
    assert not unsigned.valid and unsigned.verdict == "invalid" and "không có chữ ký số" in unsigned.message
    junk = results.verify_result(b"hello")
    assert not junk.valid and not junk.ours and "không phải là văn bản PDF" in junk.message


# --- the officers' views --------------------------------------------------------------------------


def test_the_sign_view_issues_for_an_approver_and_redirects_with_a_message(
    client, make_dossier, people, clock
):
    dossier = approved(make_dossier, people, clock)
    url = f"/can-bo/ho-so/{dossier.code}/ky-ket-qua/"
    back = f"/can-bo/ho-so/{dossier.code}/"

    response = client.post(url, {"version": dossier.version})
    assert response.status_code == 302 and response["Location"].startswith("/can-bo/dang-nhap/")

    sign_in(client, people["specialist"])
    assert client.get(url).status_code == 405
    response = client.post(url, {"version": dossier.version}, follow=False)
    assert response.status_code == 302 and response["Location"] == back
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("không có quyền" in m for m in messages)
    assert not DossierResult.objects.filter(dossier=dossier).exists()

    sign_in(client, people["approver"])
    response = client.post(url, {})
    assert response["Location"] == back
    assert any("Thiếu phiên bản" in str(m) for m in response.wsgi_request._messages)
    response = client.post(url, {"version": dossier.version - 1})
    assert any("vừa được người khác cập nhật" in str(m) for m in response.wsgi_request._messages)
    response = client.post(url, {"version": dossier.version})
    assert response["Location"] == back
    assert any("Đã ký số và ban hành kết quả" in str(m) for m in response.wsgi_request._messages)
    assert DossierResult.objects.filter(dossier=dossier).exists()

    sign_in(client, people["other_reception"])  # cannot even see the dossier
    assert client.post(url, {"version": dossier.version}).status_code == 404


def test_the_sign_view_needs_the_csrf_token(make_dossier, people, clock):
    dossier = approved(make_dossier, people, clock)
    client = Client(enforce_csrf_checks=True)
    sign_in(client, people["approver"])
    response = client.post(f"/can-bo/ho-so/{dossier.code}/ky-ket-qua/", {"version": dossier.version})
    assert response.status_code == 403
    assert not DossierResult.objects.filter(dossier=dossier).exists()


def test_the_result_file_goes_to_officers_who_can_view_and_the_applicant(client, make_dossier, people, clock):
    dossier = approved(make_dossier, people, clock)
    url = f"/can-bo/ho-so/{dossier.code}/ket-qua/"
    sign_in(client, people["approver"])
    assert client.get(url).status_code == 404  # not issued yet
    result = results.issue_result(dossier, people["approver"])
    expected = result.file.read()

    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/can-bo/dang-nhap/?next=")
    for user in ["approver", "reception", "citizen"]:
        sign_in(client, people[user])
        response = client.get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == expected
        assert (
            response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
        )
    assert AuditEntry.objects.filter(action="dossier.result_download", object_id=str(dossier.pk)).count() == 3
    for user in ["other_reception", "finance"]:
        sign_in(client, people[user])
        assert client.get(url).status_code == 404, user
