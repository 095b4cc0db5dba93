"""Counter reception: find the procedure, identify the applicant, tick and scan the papers."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from motcua.backoffice import uploads
from motcua.dossiers.models import Channel, Dossier, DossierDocument, Status
from motcua.places.models import Agency

from .conftest import CENTER, PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db
URL = "/can-bo/tiep-nhan/"


def files_under(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def form_data(procedure, **overrides) -> dict:
    requirements = list(procedure.current_version.documents.all())
    data = {
        "thu_tuc": procedure.code,
        "key": "khoa-1",
        "receiving_agency": str(Agency.objects.get(code=CENTER).pk),
        "kind": "citizen",
        "name": "Trần  Văn Bình",
        "id_number": "014090003333",
        "phone": "0912 345 678",
        "email": "binh@example.vn",
        "address": "Phường Tô Hiệu, Sơn La",
        "channel": Channel.COUNTER,
        "summary": "",
    }
    for r in requirements:
        data.update({f"gt{r.pk}-received": "on", f"gt{r.pk}-originals": "1", f"gt{r.pk}-copies": "0"})
    data.update({"khac-originals": "0", "khac-copies": "0"})
    data.update(overrides)
    return data


def test_the_officer_finds_the_procedure(people, as_user, procedure):
    client = as_user(people["reception"])
    page = client.get(URL).content.decode()
    assert '<label for="tn-q">Tên hoặc mã thủ tục</label>' in page
    response = client.get(URL, {"q": "cấp thẻ tư vấn viên pháp luật"})
    assert procedure.code in [p.code for p in response.context["procedures"]]
    assert f"?thu_tuc={procedure.code}" in response.content.decode()
    unknown = client.get(URL, {"thu_tuc": "9.999999"})
    assert unknown.status_code == 200 and "9.999999" in unknown.content.decode()


def test_the_form_lists_the_papers_of_the_procedure_version(people, as_user, procedure):
    response = as_user(people["reception"]).get(URL, {"thu_tuc": procedure.code})
    page = response.content.decode()
    requirements = list(procedure.current_version.documents.all())
    assert requirements and len(response.context["papers"]) == len(requirements)
    for r in requirements:
        assert f'name="gt{r.pk}-file"' in page and f'name="gt{r.pk}-received"' in page
    for label in ("Số định danh cá nhân (12 chữ số) hoặc mã số thuế", "Đã nhận", "Bản chính", "Đã số hóa"):
        assert label in page
    assert 'enctype="multipart/form-data"' in page and 'accept="application/pdf,image/jpeg,image/png"' in page


def test_a_counter_reception_creates_the_dossier_with_its_scans(
    people, as_user, procedure, media_root, clock
):
    requirements = list(procedure.current_version.documents.all())
    first = requirements[0]
    data = form_data(procedure, **{f"gt{first.pk}-digitised": "on", "result_by_post": "on"})
    data[f"gt{first.pk}-file"] = SimpleUploadedFile("CCCD mặt trước.pdf", PDF_BYTES, "application/pdf")
    if len(requirements) > 1:
        data[f"gt{requirements[1].pk}-file"] = SimpleUploadedFile("anh.png", PNG_BYTES, "image/png")
    client = as_user(people["reception"])
    response = client.post(URL, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get(applicant_id_index="014090003333")
    assert response["Location"] == reverse("backoffice:reception_done", args=[dossier.code])
    assert dossier.status == Status.RECEIVED and dossier.channel == Channel.COUNTER and dossier.result_by_post
    assert dossier.applicant_name == "Trần Văn Bình" and dossier.receiving_agency.code == CENTER
    docs = {d.requirement_id: d for d in dossier.documents.all()}
    assert len(docs) == len(requirements)
    scanned = docs[first.pk]
    assert scanned.digitised and scanned.content_type == "application/pdf" and len(scanned.sha256) == 64
    assert scanned.file.name.endswith(".pdf") and "CCCD" not in scanned.file.name  # never the client's name
    assert scanned.file.read() == PDF_BYTES
    if len(requirements) > 1:
        assert docs[requirements[1].pk].content_type == "image/png"
    receipt = client.get(response["Location"])
    page = receipt.content.decode()
    assert dossier.code in page and "Hẹn trả kết quả: 17:00 09/03/2026" in page
    assert f'href="/can-bo/ho-so/{dossier.code}/phieu/01/"' in page


def test_post_reception_and_an_extra_paper(people, as_user, procedure):
    data = form_data(procedure, channel=Channel.POST, **{"khac-name": "Giấy ủy quyền", "khac-received": "on"})
    data["khac-originals"] = "1"
    response = as_user(people["reception"]).post(URL, data)
    assert response.status_code == 302
    dossier = Dossier.objects.get(applicant_id_index="014090003333")
    assert dossier.channel == Channel.POST
    assert dossier.documents.filter(name="Giấy ủy quyền", requirement__isnull=True, originals=1).exists()


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("giay-to.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"), "không phải PDF"),
        (SimpleUploadedFile("giay-to.pdf", PNG_BYTES, "application/pdf"), "không đúng là tệp PDF"),
        (SimpleUploadedFile("anh.png", PDF_BYTES, "image/png"), "không đúng là tệp PNG"),
        (SimpleUploadedFile("chay.exe", PDF_BYTES, "application/octet-stream"), "không đúng là tệp EXE"),
        (SimpleUploadedFile("trang.pdf", b"", "application/pdf"), ""),  # Django's own "empty file" message
        (
            SimpleUploadedFile("html.pdf", b"<html><script>alert(1)</script>", "application/pdf"),
            "không phải PDF",
        ),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_saved(
    upload, message, people, as_user, procedure, media_root
):
    first = procedure.current_version.documents.first()
    data = form_data(procedure)
    data[f"gt{first.pk}-file"] = upload
    before = (Dossier.objects.count(), DossierDocument.objects.count())
    response = as_user(people["reception"]).post(URL, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page, page[:3000]
    assert "Chưa lưu gì cả" in page or upload.size == 0
    assert (Dossier.objects.count(), DossierDocument.objects.count()) == before
    assert files_under(media_root) == []


def test_a_file_over_10_mb_is_refused_and_nothing_is_saved(people, as_user, procedure, media_root):
    first = procedure.current_version.documents.first()
    data = form_data(procedure)
    data[f"gt{first.pk}-file"] = SimpleUploadedFile(
        "lon.pdf", PDF_BYTES + b"0" * (uploads.MAX_BYTES), "application/pdf"
    )
    response = as_user(people["reception"]).post(URL, data)
    assert response.status_code == 400 and "lớn hơn 10 MB" in response.content.decode()
    assert Dossier.objects.count() == 0 and files_under(media_root) == []


def test_a_bad_applicant_is_refused_and_nothing_is_saved(people, as_user, procedure, media_root):
    first = procedure.current_version.documents.first()
    data = form_data(procedure, id_number="01409000333")  # 11 digits
    data[f"gt{first.pk}-file"] = SimpleUploadedFile("a.pdf", PDF_BYTES, "application/pdf")
    response = as_user(people["reception"]).post(URL, data)
    assert response.status_code == 400
    assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in response.content.decode()
    assert Dossier.objects.count() == 0 and files_under(media_root) == []
    response = as_user(people["reception"]).post(URL, form_data(procedure, phone="gọi tôi"))
    assert response.status_code == 400 and Dossier.objects.count() == 0


def test_no_paper_ticked_is_refused(people, as_user, procedure):
    data = {k: v for k, v in form_data(procedure).items() if not k.endswith("-received")}
    response = as_user(people["reception"]).post(URL, data)
    assert response.status_code == 400 and "Chưa đánh dấu giấy tờ nào đã nhận." in response.content.decode()
    assert Dossier.objects.count() == 0


def test_the_same_form_sent_twice_makes_one_dossier(people, as_user, procedure):
    client = as_user(people["reception"])
    first = client.post(URL, form_data(procedure))
    second = client.post(URL, form_data(procedure))
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Dossier.objects.filter(applicant_id_index="014090003333").count() == 1


def test_only_reception_officers_receive_at_their_own_agency(people, as_user, procedure):
    for who in ("specialist", "head", "approver"):
        client = as_user(people[who])
        assert client.get(URL).status_code == 403
        assert "Chỉ cán bộ tiếp nhận" in client.get(URL).content.decode()
        assert client.post(URL, form_data(procedure)).status_code == 403
    response = as_user(people["other_reception"]).post(URL, form_data(procedure))  # the centre is not theirs
    assert response.status_code == 400
    assert Dossier.objects.count() == 0
