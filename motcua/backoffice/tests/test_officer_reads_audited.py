"""Every officer read of other people's personal data is in the audit log: the work queues (and a
search by ID number), the admin's account list and search, and the admin's e-form drafts."""

import json

from motcua.audit.models import AuditEntry
from motcua.backoffice import queues
from motcua.backoffice.tests.test_queues import codes, queue_url
from motcua.core import crypto
from motcua.eforms.models import Draft, FormDefinition
from motcua.people.models import User


def test_a_queue_page_and_a_search_by_id_number_are_recorded(online_dossier, people, as_user):
    other = online_dossier(name="Lò Văn Pâng", id_number="014090002222")
    client = as_user(people["reception"])
    assert codes(client.get(queue_url(queues.ALL, q="014090002222"))) == [other.code]
    entry = AuditEntry.objects.filter(action="dossier.queue_view").latest("sequence")
    assert entry.actor == people["reception"].username
    assert entry.object_id == queues.ALL
    assert entry.data["filters"]["q_index"] == crypto.blind_index("014090002222")
    assert "014090002222" not in json.dumps(entry.data)
    assert entry.data["shown"] == [other.code]


def test_the_admin_account_list_and_search_are_recorded(client, people):
    from motcua.eid.testing import sign_in_officer

    admin = User.objects.create(
        username="quan_tri_goc", kind=User.Kind.OFFICER, is_staff=True, is_superuser=True
    )
    sign_in_officer(client, admin)
    citizen = people["citizen"]
    response = client.get("/quan-tri/people/user/", {"q": citizen.personal_id})
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="people.user.admin_list").latest("sequence")
    assert entry.actor == "quan_tri_goc"
    assert entry.data["query"] == {"q": [citizen.personal_id]}
    assert entry.data["shown"] == [str(citizen.pk)]


def test_opening_an_e_form_draft_in_the_admin_is_recorded(client, people):
    from motcua.eid.testing import sign_in_officer

    definition = FormDefinition.objects.first()
    draft = Draft.objects.create(definition=definition, owner=people["citizen"], answers={"full_name": "X"})
    admin = User.objects.create(
        username="quan_tri_goc", kind=User.Kind.OFFICER, is_staff=True, is_superuser=True
    )
    sign_in_officer(client, admin)
    assert client.get(f"/quan-tri/eforms/draft/{draft.pk}/change/").status_code == 200
    assert AuditEntry.objects.filter(action="eforms.draft.admin_view", object_id=str(draft.pk)).exists()
    assert client.get("/quan-tri/eforms/draft/").status_code == 200
    assert AuditEntry.objects.filter(action="eforms.draft.admin_list").exists()
