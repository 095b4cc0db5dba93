"""The applicant downloads their signed e-result from My page, the tracking page and the data store;
anyone else gets a 404, and every download is in the audit log (issue 13, item 2)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from motcua.audit.models import AuditEntry
from motcua.dossiers import access, results, services
from motcua.dossiers.models import Dossier
from motcua.eid.testing import sign_in_citizen, sign_in_officer
from motcua.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(autouse=True)
def documents(settings, var_dir, tmp_path):
    settings.VAR_DIR = var_dir
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MOTCUA_SIGNER = "sandbox"
    settings.MOTCUA_TRUST_SANDBOX_CA = True
    return settings


@pytest.fixture
def issued(make_dossier, people, clock):
    """A dossier filed at the counter under the citizen's ID number, with its signed result."""
    dossier = make_dossier()
    Dossier.objects.filter(pk=dossier.pk).update(applicant_user=None)  # no account then: the ID decides
    steps = [("assign", "head", {"assignee": people["specialist"]}), ("approve", "approver", {})]
    for action, who, params in steps:
        dossier.refresh_from_db()
        services.perform(dossier, action, people[who], **params)
    dossier.refresh_from_db()
    return results.issue_result(dossier, people["approver"], expected_version=dossier.version)


def downloads(dossier) -> int:
    return AuditEntry.objects.filter(action="dossier.result_download", object_id=str(dossier.pk)).count()


def test_the_applicant_downloads_the_signed_pdf_and_it_is_recorded(client, people, issued):
    url = reverse("portal:mine_result", args=[issued.dossier.code])
    sign_in_citizen(client, people["citizen"])
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    with issued.file.open("rb") as stored:
        assert body.startswith(b"%PDF") and body == stored.read()
    # encrypted at rest (ADR 0040): what lies on disk is not the PDF
    on_disk = (Path(settings.MEDIA_ROOT) / issued.file.name).read_bytes()
    assert not on_disk.startswith(b"%PDF") and b"%PDF" not in on_disk
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    entry = AuditEntry.objects.get(action="dossier.result_download", object_id=str(issued.dossier.pk))
    assert entry.actor_id == people["citizen"].pk
    assert entry.data == {"sha256": issued.sha256, "by": "applicant"}


def test_my_page_tracking_page_and_data_store_link_to_the_download(client, people, issued):
    code = issued.dossier.code
    url = reverse("portal:mine_result", args=[code])
    sign_in_citizen(client, people["citizen"])
    assert url in client.get(reverse("portal:mine_dossier", args=[code])).content.decode()
    store = client.get(reverse("portal:mine_data_store")).content.decode()
    assert issued.title in store and url in store
    client.logout()
    tracked = client.post(reverse("portal:lookup"), {"ma_ho_so": code, "so_giay_to": "014090001111"})
    assert tracked.status_code == 200 and url in tracked.content.decode()


def test_anyone_else_gets_a_404_and_nothing_is_recorded(client, people, issued):
    url = reverse("portal:mine_result", args=[issued.dossier.code])
    stranger = User.objects.create(username="nguoi_khac", full_name="Lò Văn Khác", personal_id="014085007777")
    sign_in_citizen(client, stranger)
    assert client.get(url).status_code == 404
    sign_in_officer(client, people["approver"])  # not the applicant: officers use their own site
    assert client.get(url).status_code in (302, 404)
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/oidc/" in anonymous["Location"]
    assert downloads(issued.dossier) == 0


def test_no_result_yet_is_a_404(client, people, make_dossier):
    dossier = make_dossier()
    sign_in_citizen(client, people["citizen"])
    assert client.get(reverse("portal:mine_result", args=[dossier.code])).status_code == 404
    assert access.own_result(people["citizen"], {"014090001111"}, dossier.code) is None
