"""The public lookup (/tra-cuu/) and verification (/xac-thuc/) pages, with real signed results."""

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from motcua.core.signing import LocalCASigner
from motcua.core.tests.test_signing import flip_byte_in_content
from motcua.dossiers import papers, results, services
from motcua.portal import tracking

pytestmark = pytest.mark.django_db
NOT_FOUND = "Không tìm thấy hồ sơ với mã hồ sơ và số giấy tờ đã nhập."


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
    settings.MOTCUA_LOOKUP_RATE = (20, 600)
    settings.MOTCUA_VERIFY_RATE = (30, 600)
    cache.clear()
    yield settings
    cache.clear()


def html(response) -> str:
    return response.content.decode()


def act(dossier, action, user, **params):
    dossier.refresh_from_db()
    services.perform(dossier, action, user, **params)
    dossier.refresh_from_db()
    return dossier


def issued(make_dossier, people, clock):
    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    clock.set(2026, 3, 5, 10, 0)
    dossier = act(dossier, "approve", people["approver"])
    return dossier, results.issue_result(dossier, people["approver"])


def assert_accessible(page: str) -> None:
    assert "<script" not in page and "style=" not in page and "<style" not in page
    assert 'class="skip-link" href="#noi-dung"' in page and '<main id="noi-dung"' in page
    assert page.count("<h1") == 1
    for control_id in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', page):
        assert f'for="{control_id}"' in page, control_id


# --- lookup ---------------------------------------------------------------------------------------


def test_the_lookup_form_asks_for_the_code_and_the_id_number(client):
    response = client.get("/tra-cuu/")
    page = html(response)
    assert response.status_code == 200 and "Content-Security-Policy" in response.headers
    assert_accessible(page)
    assert 'name="ma_ho_so"' in page and 'name="so_giay_to"' in page and "csrfmiddlewaretoken" in page


def test_the_right_code_and_id_show_the_status_and_history(client, make_dossier, people, clock):
    dossier = make_dossier()
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    clock.set(2026, 3, 3, 9, 0)
    act(dossier, "request_supplement", people["specialist"], reason="Bổ sung bản sao chứng chỉ hành nghề")
    response = client.post("/tra-cuu/", {"ma_ho_so": dossier.code.lower(), "so_giay_to": " 0140 9000 1111 "})
    page = html(response)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert_accessible(page)
    for fact in [
        f"Hồ sơ {dossier.code}",
        "Cấp thẻ tư vấn viên pháp luật",
        "Yêu cầu bổ sung giấy tờ",  # the status
        "09:00 02/03/2026",  # received
        "17:00 09/03/2026",  # the appointment
        "Trung tâm Phục vụ hành chính công Tỉnh Sơn La",
        "Sở Tư pháp Tỉnh Sơn La",
        "Tiep Nhan",  # officers and their titles (NĐ 224)
        "Cán bộ tiếp nhận",
        "Truong Phong",
        "Lãnh đạo phòng",
        "Bổ sung bản sao chứng chỉ hành nghề",  # what the applicant must supplement
        "Chưa có kết quả.",
    ]:
        assert fact in page, fact
    rows = re.findall(r"<tr>\s*<td>", page)
    assert len(rows) == dossier.history.count() == 4


def test_a_wrong_code_and_a_wrong_id_get_the_same_answer(client, make_dossier):
    dossier = make_dossier()
    wrong_id = client.post("/tra-cuu/", {"ma_ho_so": dossier.code, "so_giay_to": "014090009999"})
    wrong_code = client.post("/tra-cuu/", {"ma_ho_so": dossier.code[:-1] + "9", "so_giay_to": "014090001111"})
    for response in (wrong_id, wrong_code):
        page = html(response)
        assert response.status_code == 404 and NOT_FOUND in page
        assert "Nguyễn Thị Ánh" not in page and "Cấp thẻ tư vấn viên" not in page
    normalise = lambda r: html(r).replace(dossier.code[:-1] + "9", dossier.code)  # noqa: E731 — the echoed code
    strip_token = lambda s: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", s)  # noqa: E731
    assert strip_token(normalise(wrong_id)) == strip_token(normalise(wrong_code))
    missing = client.post("/tra-cuu/", {"ma_ho_so": "", "so_giay_to": ""})
    assert (
        missing.status_code == 400
        and "Nhập mã hồ sơ" in html(missing)
        and 'aria-invalid="true"' in html(missing)
    )


def test_the_qr_target_asks_only_for_the_id_number(client, make_dossier):
    dossier = make_dossier()
    url = f"/tra-cuu/{dossier.code}/"
    assert papers.lookup_url(dossier.code).endswith(url)
    page = html(client.get(url))
    assert dossier.code in page and 'name="ma_ho_so"' not in page and 'name="so_giay_to"' in page
    assert "Nguyễn Thị Ánh" not in page  # nothing personal before the second factor
    assert_accessible(page)
    assert client.post(url, {"so_giay_to": "014090001112"}).status_code == 404
    response = client.post(url, {"so_giay_to": "014090001111"})
    assert response.status_code == 200 and "Nguyễn Thị Ánh" in html(response)
    assert client.post("/tra-cuu/KHONG-CO-HO-SO/", {"so_giay_to": "014090001111"}).status_code == 404


def test_lookups_are_rate_limited_per_ip(client, make_dossier, settings):
    settings.MOTCUA_LOOKUP_RATE = (3, 600)
    dossier = make_dossier()
    good = {"ma_ho_so": dossier.code, "so_giay_to": "014090001111"}
    for _ in range(2):
        assert client.post("/tra-cuu/", {**good, "so_giay_to": "000000000000"}).status_code == 404
    assert client.post("/tra-cuu/", good).status_code == 200
    response = client.post("/tra-cuu/", good)  # the 4th, even with the right answer
    page = html(response)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Bạn đã tra cứu quá 3 lần trong 10 phút" in page and "Nguyễn Thị Ánh" not in page
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/tra-cuu/", good).status_code == 200


def test_the_status_page_says_when_a_result_is_ready(client, make_dossier, people, clock):
    dossier, result = issued(make_dossier, people, clock)
    page = html(client.post(f"/tra-cuu/{dossier.code}/", {"so_giay_to": "014090001111"}))
    assert "Đã có kết quả điện tử, đã được ký số" in page and result.title in page
    assert f'href="/xac-thuc/{dossier.code}/"' in page
    assert "Ban hành kết quả" in page and "Lãnh đạo phê duyệt" in page and "Giam Doc" in page


def test_the_lookup_page_in_english(client, make_dossier):
    dossier = make_dossier()
    page = html(client.get("/en/tra-cuu/"))
    assert '<html lang="en">' in page and "Track your application" in page
    page = html(client.post("/en/tra-cuu/", {"ma_ho_so": dossier.code, "so_giay_to": "014090001111"}))
    assert "Received" in page and "Processing history" in page and "Reception officer" in page


# --- verification ---------------------------------------------------------------------------------


def upload(client, url, data: bytes, name="ket-qua.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(url, {"tep": SimpleUploadedFile(name, data, content_type="application/pdf")})


def test_the_verification_page_checks_real_tampered_foreign_and_non_pdf_files(
    client, make_dossier, people, clock, tmp_path
):
    dossier, result = issued(make_dossier, people, clock)
    genuine = result.file.read()
    page = html(client.get("/xac-thuc/"))
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page
    assert_accessible(page)

    response = upload(client, "/xac-thuc/", genuine)
    page = html(response)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert "HỢP LỆ — văn bản do hệ thống ban hành, chưa bị thay đổi." in page
    assert dossier.code in page and result.title in page and "Giam Doc" in page and "05/03/2026" in page
    assert result.sha256 in page
    assert_accessible(page)

    page = html(upload(client, "/xac-thuc/", flip_byte_in_content(genuine)))
    assert "KHÔNG HỢP LỆ — văn bản đã bị thay đổi sau khi ký." in page
    assert "nội dung tệp đã bị thay đổi sau khi ký" in page and "HỢP LỆ — văn bản do hệ thống" not in page

    rogue = LocalCASigner("Giam Doc", "Sở Tư pháp Tỉnh Sơn La", pki_directory=tmp_path / "rogue")
    forged = rogue.sign_pdf(papers.render_paper(dossier, 1), reason="Giả mạo", signer_name="Giam Doc")
    page = html(upload(client, "/xac-thuc/", forged))
    assert "KHÔNG HỢP LỆ — chữ ký số không được xác nhận." in page
    facts = re.search(r'<dl class="facts">(.*?)</dl>', page, re.S).group(1)
    assert re.search(r"Chứng thư số được tin cậy</dt><dd>Không", facts)
    assert re.search(r"Do hệ thống ban hành</dt><dd>\s*Không", facts)

    response = upload(client, "/xac-thuc/", b"GIF89a not a pdf", name="anh.gif")
    assert response.status_code == 400 and "không phải là văn bản PDF" in html(response)
    response = client.post("/xac-thuc/", {})
    assert response.status_code == 400 and "Chọn một tệp PDF" in html(response)


def test_uploads_over_the_limit_are_refused_before_being_read(client, monkeypatch):
    monkeypatch.setattr(tracking, "MAX_UPLOAD_BYTES", 4096)
    response = upload(client, "/xac-thuc/", b"%PDF-1.7\n" + b"0" * 10_000)
    assert response.status_code == 413 and "Tệp lớn hơn" in html(response)


def test_the_result_qr_page_shows_the_facts_and_compares_a_copy(client, make_dossier, people, clock):
    dossier, result = issued(make_dossier, people, clock)
    url = f"/xac-thuc/{dossier.code}/"
    assert papers.verification_url(dossier.code).endswith(url)
    page = html(client.get(url))
    for fact in [
        result.title,
        "KQ.G15.000077",
        "Sở Tư pháp Tỉnh Sơn La",
        "N. T. Ánh",
        "Giam Doc",
        result.sha256,
    ]:
        assert fact in page, fact
    assert (
        "Nguyễn Thị Ánh" not in page and "014090001111" not in page
    )  # codes can be guessed: no full identity
    assert_accessible(page)

    page = html(upload(client, url, result.file.read()))
    assert "Tệp trùng khớp từng byte với kết quả đã ban hành cho hồ sơ này." in page

    other, other_result = issued(make_dossier, people, clock)
    page = html(upload(client, url, other_result.file.read()))
    assert "HỢP LỆ — văn bản do hệ thống ban hành" in page and other.code in page
    assert "Tệp KHÔNG trùng khớp với kết quả đã ban hành cho hồ sơ này." in page

    response = client.get("/xac-thuc/KHONG-CO/")
    assert response.status_code == 404 and "Không có kết quả nào do hệ thống ban hành" in html(response)


def test_verification_is_rate_limited(client, make_dossier, people, clock, settings):
    settings.MOTCUA_VERIFY_RATE = (2, 600)
    dossier, _ = issued(make_dossier, people, clock)
    assert client.get("/xac-thuc/").status_code == 200  # the empty form costs nothing
    assert client.get(f"/xac-thuc/{dossier.code}/").status_code == 200
    assert client.get("/xac-thuc/KHONG-CO/").status_code == 404
    response = client.get(f"/xac-thuc/{dossier.code}/")
    assert response.status_code == 429 and "Bạn đã kiểm tra quá 2 lần" in html(response)


def test_public_forms_need_the_csrf_token(make_dossier):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier = make_dossier()
    client = Client(enforce_csrf_checks=True)
    response = client.post("/tra-cuu/", {"ma_ho_so": dossier.code, "so_giay_to": "014090001111"})
    assert response.status_code == 403
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.7\n", content_type="application/pdf")
    assert client.post("/xac-thuc/", {"tep": pdf}).status_code == 403
    page = client.get("/xac-thuc/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    pdf.seek(0)
    response = client.post("/xac-thuc/", {"csrfmiddlewaretoken": token, "tep": pdf})
    assert response.status_code == 200 and "KHÔNG HỢP LỆ" in response.content.decode()
