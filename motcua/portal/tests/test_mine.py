"""My page: a citizen sees and acts on their own dossiers, data store, notifications and ratings —
never on anyone else's, whatever the URL or the code they guess."""

import pytest
from django.urls import reverse
from django.utils import timezone

from motcua.core.testing import minimal_pdf, minimal_png
from motcua.dossiers.models import Dossier, Notification, Status
from motcua.eid.testing import sign_in_citizen as sign_in
from motcua.feedback.models import FeedbackCase, Rating
from motcua.people import datastore
from motcua.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def stranger(reference_data):
    return User.objects.create(username="nguoi_khac", full_name="Lò Văn Khác", personal_id="014085007777")


def test_my_page_needs_the_eid_sign_in(client, people):
    response = client.get(reverse("portal:mine"))
    assert response.status_code == 302 and "/oidc/" in response["Location"]
    client.force_login(people["citizen"])  # a password session is not an eID session
    assert client.get(reverse("portal:mine")).status_code == 302


def test_my_page_lists_my_dossiers_and_what_i_must_do(client, people, make_dossier):
    mine, paying = make_dossier(), make_dossier()
    Dossier.objects.filter(pk=paying.pk).update(status=Status.FINANCIAL, fee_due=50_000)
    sign_in(client, people["citizen"])
    page = client.get(reverse("portal:mine")).content.decode()
    assert mine.code in page and paying.code in page
    assert "Nộp phí, lệ phí" in page
    assert client.get(reverse("portal:mine"))["Cache-Control"] == "private, no-store"


def test_dossiers_filed_under_my_id_number_at_the_counter_are_mine_too(client, people, make_dossier):
    dossier = make_dossier()
    Dossier.objects.filter(pk=dossier.pk).update(applicant_user=None)
    sign_in(client, people["citizen"])
    assert client.get(reverse("portal:mine_dossier", args=[dossier.code])).status_code == 200


def test_someone_else_cannot_open_rate_or_complain_about_my_dossier(client, people, make_dossier, stranger):
    dossier = make_dossier()
    Dossier.objects.filter(pk=dossier.pk).update(status=Status.DONE)
    sign_in(client, stranger)
    assert dossier.code not in client.get(reverse("portal:mine")).content.decode()
    assert client.get(reverse("portal:mine_dossier", args=[dossier.code])).status_code == 404
    assert (
        client.post(
            reverse("portal:mine_rate", args=[dossier.code]), {"muc_do": 1, "y_kien": "x"}
        ).status_code
        == 404
    )
    response = client.post(
        reverse("portal:mine_feedback_new", args=[dossier.code]), {"tieu_de": "x", "noi_dung": "y"}
    )
    assert response.status_code == 404
    # Guessing the next code of the day gives the same 404 as a code that does not exist.
    guessed = dossier.code[:-4] + f"{int(dossier.code[-4:]) + 1:04d}"
    assert client.get(reverse("portal:mine_dossier", args=[guessed])).status_code == 404
    assert not Rating.objects.exists() and not FeedbackCase.objects.exists()


def test_rating_from_my_page_and_a_dissatisfied_rating_opens_a_case(client, people, make_dossier, stranger):
    dossier = make_dossier()
    Dossier.objects.filter(pk=dossier.pk).update(status=Status.RETURNED)
    sign_in(client, people["citizen"])
    response = client.post(reverse("portal:mine_rate", args=[dossier.code]), {"muc_do": "1", "y_kien": ""})
    assert response.status_code == 400 and "Nhập ý kiến" in response.content.decode()
    assert not Rating.objects.exists()
    response = client.post(
        reverse("portal:mine_rate", args=[dossier.code]), {"muc_do": "1", "y_kien": "Phải đi lại 3 lần"}
    )
    assert response.status_code == 302
    case = FeedbackCase.objects.get()
    assert client.get(reverse("portal:mine_feedback", args=[case.code])).status_code == 200
    sign_in(client, stranger)
    assert client.get(reverse("portal:mine_feedback", args=[case.code])).status_code == 404
    assert case.code not in client.get(reverse("portal:mine_feedback_list")).content.decode()


def test_my_data_store_and_notifications_are_mine_only(client, people, make_dossier, stranger):
    dossier = make_dossier()
    datastore.store(
        "014090001111", title="Giấy khai sinh bản điện tử", source="test:1", issued_at=timezone.now()
    )
    datastore.store("014085007777", title="Giấy của người khác", source="test:2", issued_at=timezone.now())
    sign_in(client, people["citizen"])
    page = client.get(reverse("portal:mine_data_store")).content.decode()
    assert "Giấy khai sinh bản điện tử" in page and "Giấy của người khác" not in page
    notes = Notification.objects.filter(dossier=dossier)
    assert notes.exists() and notes.filter(read_at__isnull=True).exists()
    page = client.get(reverse("portal:mine_notifications")).content.decode()
    assert dossier.code in page
    assert not Notification.objects.filter(dossier=dossier, read_at__isnull=True).exists()
    sign_in(client, stranger)
    assert dossier.code not in client.get(reverse("portal:mine_notifications")).content.decode()


PDF = minimal_pdf()  # real files: uploads are parsed (motcua.core.uploads), not only sniffed
PNG = minimal_png()
_PE = b"MZ" + b"\0" * 58 + (0x40).to_bytes(4, "little") + b"PE\0\0" + b"\0" * 64


@pytest.fixture
def asked_to_supplement(make_dossier, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    dossier = make_dossier()
    Dossier.objects.filter(pk=dossier.pk).update(status=Status.SUPPLEMENT)
    return dossier


def test_i_send_supplement_papers_online(client, people, asked_to_supplement):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier = asked_to_supplement
    sign_in(client, people["citizen"])
    page = client.get(reverse("portal:mine_dossier", args=[dossier.code])).content.decode()
    assert "Gửi giấy tờ bổ sung" in page
    upload = SimpleUploadedFile("giay-xac-nhan.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("portal:mine_supplement", args=[dossier.code]), {"tep": [upload], "ghi_chu": "Bản quét"}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT  # the officer receives it, restarting the clock
    doc = dossier.documents.get(is_supplement=True)
    assert doc.content_type == "application/pdf" and len(doc.sha256) == 64
    assert dossier.history.filter(action="applicant_supplement").exists()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("anh.pdf", PNG, "không đúng là tệp PDF"),
        ("virus.exe", b"MZ\x90\x00" * 10, "không phải PDF, JPEG hay PNG"),
        ("lon.pdf", b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024), "không được quá 20 MB"),
        # Issue 17 item 10: parsed, not only sniffed (a PDF/EXE polyglot, a PNG carrying an executable).
        ("don.pdf", PDF[:9] + _PE + PDF[9:], "chương trình chạy được"),
        ("anh.png", PNG + _PE, "dữ liệu lạ"),
    ],
)
def test_a_bad_supplement_file_is_refused_and_nothing_is_saved(
    client, people, asked_to_supplement, name, content, message
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier = asked_to_supplement
    sign_in(client, people["citizen"])
    good = SimpleUploadedFile("dung.pdf", PDF, content_type="application/pdf")
    bad = SimpleUploadedFile(name, content)
    response = client.post(reverse("portal:mine_supplement", args=[dossier.code]), {"tep": [good, bad]})
    assert response.status_code == 400 and message in response.content.decode()
    assert not dossier.documents.filter(is_supplement=True).exists()
    assert not dossier.history.filter(action="applicant_supplement").exists()


def test_no_supplement_for_someone_else_or_outside_status_5(client, people, asked_to_supplement, stranger):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier = asked_to_supplement
    sign_in(client, stranger)
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    assert (
        client.post(reverse("portal:mine_supplement", args=[dossier.code]), {"tep": [upload]}).status_code
        == 404
    )
    Dossier.objects.filter(pk=dossier.pk).update(status=Status.PROCESSING)
    sign_in(client, people["citizen"])
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("portal:mine_supplement", args=[dossier.code]), {"tep": [upload]})
    assert response.status_code == 400 and "không ở trạng thái yêu cầu bổ sung" in response.content.decode()
    assert not dossier.documents.filter(is_supplement=True).exists()
