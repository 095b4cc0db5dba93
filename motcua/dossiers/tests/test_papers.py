"""The one-stop papers (TT 03/2025 Mẫu 01–07): real PDFs, rendered from real dossier histories.

Text is read back from the PDF with poppler's `pdftotext` when it is installed; without it the
same facts are checked in the HTML that is turned into the PDF (and the PDF is still rendered).
"""

from datetime import date, datetime

import pytest
from django.utils.html import strip_tags

from motcua.audit.models import AuditEntry
from motcua.core.tests.test_pdf import PDFTOTEXT, pdf_text, squash
from motcua.dossiers import papers, services
from motcua.dossiers.intake import Applicant, OnlineSubmission, receive_online
from motcua.places.models import Agency

from .conftest import CENTER, JUSTICE, VN, sign_in

pytestmark = pytest.mark.django_db
BASE_URL = "https://dichvucong.sonla.gov.vn"


@pytest.fixture(autouse=True)
def public_base(settings):
    settings.MOTCUA_PUBLIC_BASE_URL = BASE_URL
    return settings


def act(dossier, action, user, **params):
    dossier.refresh_from_db()
    services.perform(dossier, action, user, **params)
    dossier.refresh_from_db()
    return dossier


def text_of(dossier, number) -> str:
    """The paper's text: from the PDF (pdftotext) when possible, else from its HTML."""
    pdf = papers.render_paper(dossier, number)
    assert pdf.startswith(b"%PDF-")
    if PDFTOTEXT:
        return squash(pdf_text(pdf))
    return squash(strip_tags(papers.paper_html(dossier, number)))


def processing(make_dossier, people, **overrides):
    dossier = make_dossier(**overrides)
    return act(dossier, "assign", people["head"], assignee=people["specialist"])


# --- Mẫu 01 -------------------------------------------------------------------------------------


def test_receipt_has_every_fact_the_form_requires(make_dossier, people):
    dossier = make_dossier()
    doc = dossier.documents.first()
    text = text_of(dossier, 1)
    for fact in [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mẫu số 01",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH SƠN LA",  # the agency block
        "Sơn La, ngày 02 tháng 3 năm 2026",
        dossier.code,
        "Nguyễn Thị Ánh",
        "014090001111",
        "0912345678",
        "anh@example.vn",
        "Cấp thẻ tư vấn viên pháp luật",
        "09 giờ 00 phút, ngày 02/03/2026",  # received
        "17 giờ 00 phút, ngày 09/03/2026",  # appointment
        "Trực tiếp tại Trung tâm Phục vụ hành chính công Tỉnh Sơn La",
        "Tiep Nhan",  # the receiving officer
    ]:
        assert fact in text, fact
    unwrapped = "".join(text.split())  # long URLs wrap at any character
    assert f"{BASE_URL}/tra-cuu/," in unwrapped  # the lookup instructions
    assert f"{BASE_URL}/tra-cuu/{dossier.code}/" in unwrapped  # printed under the QR code
    assert squash(doc.name)[:40] in text
    html = papers.paper_html(dossier, "01")
    assert "<svg" in html  # the QR code
    assert f'<td class="num">{doc.originals}</td><td class="num">{doc.copies}</td>' in html


def test_receipt_by_post_says_so(make_dossier):
    dossier = make_dossier(result_by_post=True)
    assert "Qua dịch vụ bưu chính công ích" in text_of(dossier, "01")


def test_an_online_dossier_not_yet_received_has_no_receipt(people, procedure, clock):
    dossier, _ = receive_online(
        OnlineSubmission(
            national_code="G22.99-260302-0007",
            procedure_code=procedure.code,
            agency_code=CENTER,
            submitted_at=clock.now,
            applicant=Applicant(name="Lò Văn Pâng", id_number="014090002222"),
        )
    )
    with pytest.raises(papers.PaperNotApplicable, match="chưa được tiếp nhận"):
        papers.render_paper(dossier, 1)
    with pytest.raises(papers.PaperNotApplicable, match="chưa được tiếp nhận"):
        papers.render_paper(dossier, 6)
    # …refused at reception: Mẫu 03 applies
    dossier = act(dossier, "refuse_reception", people["reception"], reason="Không thuộc thẩm quyền của tỉnh")
    text = text_of(dossier, 3)
    assert "từ chối tiếp nhận" in text and "Không thuộc thẩm quyền của tỉnh" in text
    assert "Lò Văn Pâng" in text and "G22.99-260302-0007" in text


# --- Mẫu 02–05 ----------------------------------------------------------------------------------


def test_supplement_request_says_what_to_supplement_who_and_when(make_dossier, people, clock):
    dossier = make_dossier()
    with pytest.raises(papers.PaperNotApplicable, match="chưa lần nào được yêu cầu bổ sung"):
        papers.render_paper(dossier, 2)
    clock.set(2026, 3, 3, 10, 15)
    dossier = act(
        dossier, "request_supplement", people["reception"], reason="Thiếu 02 ảnh 3x4 chụp trong 6 tháng"
    )
    text = text_of(dossier, 2)
    for fact in [
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Thiếu 02 ảnh 3x4 chụp trong 6 tháng",
        "Tiep Nhan",
        "10:15, ngày 03/03/2026",
        "Sơn La, ngày 03 tháng 3 năm 2026",
        dossier.code,
    ]:
        assert fact in text, fact


def test_refusal_after_appraisal_gives_the_reasons(make_dossier, people, clock):
    dossier = processing(make_dossier, people)
    with pytest.raises(papers.PaperNotApplicable, match="không bị từ chối"):
        papers.render_paper(dossier, 3)
    clock.set(2026, 3, 5, 14, 0)
    dossier = act(
        dossier, "refuse", people["approver"], reason="Chưa đủ 2 năm kinh nghiệm\nThiếu chứng chỉ hành nghề"
    )
    text = text_of(dossier, 3)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ" in text
    assert "từ chối giải quyết" in text
    assert "- Chưa đủ 2 năm kinh nghiệm" in text and "- Thiếu chứng chỉ hành nghề" in text
    assert "SỞ TƯ PHÁP TỈNH SƠN LA" in text and "Giam Doc" in text and "ngày 05/03/2026" in text


def test_apology_gives_old_and_new_dates_and_the_reason(make_dossier, people, clock):
    dossier = processing(make_dossier, people)  # due Mon 9/3 17:00
    with pytest.raises(papers.PaperNotApplicable, match="xin lỗi"):
        papers.render_paper(dossier, 4)
    clock.set(2026, 3, 5, 10, 0)
    dossier = act(
        dossier,
        "apologise",
        people["approver"],
        reason="Chờ kết quả xác minh của cơ quan công an",
        new_due_at=datetime(2026, 3, 12, 16, 30, tzinfo=VN),
    )
    text = text_of(dossier, 4)
    for fact in [
        "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
        "17:00 ngày 09/03/2026",  # old appointment, from DueDateChange
        "16:30 ngày 12/03/2026",  # new one
        "Chờ kết quả xác minh của cơ quan công an",
        "Giam Doc",
        "Sơn La, ngày 05 tháng 3 năm 2026",
    ]:
        assert fact in text, fact


def test_stop_notice_needs_a_stop(make_dossier, people, clock):
    dossier = make_dossier()
    dossier = act(
        dossier, "request_withdrawal", people["reception"], reason="Người nộp xin rút để bổ sung sau"
    )
    with pytest.raises(papers.PaperNotApplicable, match="không bị dừng"):
        papers.render_paper(dossier, 5)
    clock.advance(hours=1)
    dossier = act(dossier, "stop", people["reception"])
    text = text_of(dossier, 5)
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "Người nộp xin rút để bổ sung sau" in text and "10:00 ngày 02/03/2026" in text


# --- Mẫu 06 -------------------------------------------------------------------------------------


def test_control_sheet_has_one_row_per_transition_with_timing(make_dossier, people, clock):
    dossier = processing(make_dossier, people)  # create, receive, assign at Mon 2/3 09:00
    clock.set(2026, 3, 3, 9, 0)
    dossier = act(dossier, "complete_step", people["specialist"])
    clock.set(2026, 3, 9, 16, 0)  # the approval step was due earlier; the dossier itself on Mon 9/3 17:00
    dossier = act(dossier, "approve", people["approver"])
    rows, open_steps = papers.control_rows(dossier)
    assert [r.action for r in rows] == [
        "Nộp hồ sơ trực tiếp",
        "Tiếp nhận hồ sơ",
        "Phân công xử lý",
        "Hoàn thành bước xử lý",
        "Phê duyệt kết quả",
    ]
    assert rows[0].sender["name"] == "Nguyễn Thị Ánh"
    assert rows[3].sender["name"] == "Truong Phong" and rows[3].receiver["name"] == "Chuyen Vien"
    assert [r.steps and r.steps[0].name for r in rows] == [
        [],
        [],
        "Tiếp nhận, chuyển hồ sơ",
        "Thẩm định hồ sơ",
        "Phê duyệt",
    ]
    # The transfer step is due the day of receipt (NĐ 61 Art 18): handed over that morning, on time.
    assert rows[2].timing == "Đúng hạn"
    assert rows[2].detail == "Phân công: Chuyen Vien"
    assert rows[4].timing == "Quá hạn"  # the approval step's own share ran out before Mon 9/3 16:00…
    assert rows[4].dossier_timing == "Đúng hạn"  # …but the dossier is decided before its appointment
    assert [s.name for s in open_steps] == ["Trả kết quả"]
    text = text_of(dossier, 6)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    for fact in ["Bên giao", "Bên nhận", "Truong Phong", "Chuyen Vien", "Giam Doc", "Quá hạn", "Trước hạn"]:
        assert fact in text, fact
    assert "Đang chờ: Trả kết quả" in text


def test_control_sheet_marks_a_decision_on_time(make_dossier, people, clock):
    dossier = processing(make_dossier, people)
    clock.set(2026, 3, 2, 10, 0)
    dossier = act(dossier, "approve", people["approver"])
    rows, _ = papers.control_rows(dossier)
    assert rows[-1].action == "Phê duyệt kết quả"
    assert rows[-1].timing == "Trước hạn" and rows[-1].dossier_timing == "Trước hạn"
    assert rows[-1].dossier_due_at == datetime(2026, 3, 9, 17, 0, tzinfo=VN)


# --- Mẫu 07 and wrong numbers -------------------------------------------------------------------


def test_register_lists_exactly_the_agencys_dossiers_in_range(make_dossier, people, procedure, clock):
    from motcua.dossiers.intake import Paper, receive_in_person

    first = make_dossier()  # Mon 2/3, centre → Sở Tư pháp
    clock.set(2026, 3, 3, 14, 0)
    second = make_dossier()
    clock.set(2026, 3, 4, 8, 0)
    later = make_dossier()
    clock.set(2026, 3, 2, 15, 0)
    commune = receive_in_person(  # received by the ward, handled by Sở Tư pháp
        people["other_reception"],
        Agency.objects.get(code="000.01.40.H52"),
        procedure,
        Applicant(name="Cầm Thị Hoa", id_number="014090003333"),
        [Paper(name="Tờ khai", originals=1)],
    )
    centre, justice = Agency.objects.get(code=CENTER), Agency.objects.get(code=JUSTICE)
    start, end = date(2026, 3, 2), date(2026, 3, 3)
    assert list(papers.register_dossiers(centre, start, end)) == [first, second]
    assert set(papers.register_dossiers(justice, start, end)) == {first, second, commune}
    assert list(papers.register_dossiers(centre, date(2026, 3, 4), date(2026, 3, 4))) == [later]

    pdf = papers.render_register(centre, start, end)
    assert pdf.startswith(b"%PDF-")
    html = papers.register_html(centre, start, end)
    text = squash(pdf_text(pdf)) if PDFTOTEXT else squash(strip_tags(html))
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Từ ngày 02/03/2026 đến ngày 03/03/2026 — 2 hồ sơ" in text
    assert first.code in text and second.code in text
    assert later.code not in text and commune.code not in text
    assert "size: A4 landscape" in html
    with pytest.raises(papers.PaperNotApplicable, match="Ngày bắt đầu"):
        papers.render_register(centre, end, start)


def test_unknown_paper_numbers_are_refused(make_dossier):
    dossier = make_dossier()
    for number in [0, 8, "7", "x", "001"]:
        with pytest.raises(papers.PaperNotApplicable):
            papers.render_paper(dossier, number)


# --- the officers' download -------------------------------------------------------------------------


def test_officers_who_can_view_download_papers_and_it_is_audited(client, make_dossier, people):
    dossier = make_dossier()
    url = f"/can-bo/ho-so/{dossier.code}/phieu/01/"
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/can-bo/dang-nhap/?next=")
    client.force_login(people["reception"])  # the password step alone, without the TOTP code
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/can-bo/dang-nhap/?next=")

    sign_in(client, people["reception"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and response["Cache-Control"] == "private, no-store"
    entry = AuditEntry.objects.filter(action="dossier.paper", object_id=str(dossier.pk)).get()
    assert entry.data["paper"] == "01" and entry.actor == "tiep_nhan"

    response = client.get(f"/can-bo/ho-so/{dossier.code}/phieu/03/")  # never refused
    assert response.status_code == 409
    assert "không bị từ chối" in response.content.decode()
    assert client.get(f"/can-bo/ho-so/{dossier.code}/phieu/07/").status_code == 404
    assert client.post(url).status_code == 405

    for outsider in ["other_reception", "citizen"]:  # another agency's officer; the applicant
        sign_in(client, people[outsider])
        assert client.get(url).status_code == 404, outsider
    sign_in(client, people["reception"])
    assert client.get("/can-bo/ho-so/KHONG-CO/phieu/01/").status_code == 404
