"""The citizen's payment page: the applicant only, everyone else a 404."""

import pytest

from motcua.eid.testing import sign_in_citizen
from motcua.payments.models import PaymentIntent
from motcua.people.models import User


@pytest.fixture
def dossier(financial):
    return financial(amount=150000)


def test_the_applicant_sees_the_amount_and_its_basis(client, dossier, people):
    sign_in_citizen(client, people["citizen"])
    page = client.get(f"/thanh-toan/{dossier.code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "150.000 đồng" in text and "150000" not in text and "Yêu cầu thực hiện nghĩa vụ tài chính" in text
    assert page["Cache-Control"] == "private, no-store"


def test_someone_else_gets_a_404(client, dossier):
    other = User.objects.create(username="khac", kind="citizen", personal_id="014090009999")
    sign_in_citizen(client, other)
    assert client.get(f"/thanh-toan/{dossier.code}/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, dossier):
    response = client.get(f"/thanh-toan/{dossier.code}/")
    assert response.status_code == 302 and dossier.code not in response.get("Location", "").split("next=")[0]


def test_choosing_the_platform_redirects_there_once_per_form(client, dossier, people):
    sign_in_citizen(client, people["citizen"])
    page = client.get(f"/thanh-toan/{dossier.code}/").content.decode()
    charge = page.split('name="khoan" value="')[1].split('"')[0]
    key = page.split('name="khoa" value="')[1].split('"')[0]
    form = {"khoan": charge, "kenh": "national", "khoa": key}
    first = client.post(f"/thanh-toan/{dossier.code}/", form)
    second = client.post(f"/thanh-toan/{dossier.code}/", form)  # a double click
    assert first.status_code == second.status_code == 302
    assert "/sandbox/thanh-toan/cong/?" in first["Location"] and first["Location"] == second["Location"]
    assert PaymentIntent.objects.count() == 1


def test_vietqr_page_shows_the_qr_amount_and_reference(client, dossier, people):
    sign_in_citizen(client, people["citizen"])
    page = client.get(f"/thanh-toan/{dossier.code}/").content.decode()
    charge = page.split('name="khoan" value="')[1].split('"')[0]
    response = client.post(f"/thanh-toan/{dossier.code}/", {"khoan": charge, "kenh": "vietqr", "khoa": "x"})
    intent = PaymentIntent.objects.get()
    assert response["Location"].endswith(f"/vietqr/{intent.reference}/")
    qr = client.get(response["Location"]).content.decode()
    assert "data:image/png;base64," in qr and intent.reference in qr and "00020101021238" in qr


def test_a_bad_choice_is_refused_in_vietnamese_and_changes_nothing(client, dossier, people):
    sign_in_citizen(client, people["citizen"])
    response = client.post(
        f"/thanh-toan/{dossier.code}/", {"khoan": "999999", "kenh": "national", "khoa": "k"}
    )
    assert response.status_code == 400 and "Chọn khoản cần nộp" in response.content.decode()
    assert not PaymentIntent.objects.exists()
