"""The citizen's pages show the reasons the applicant is told (dossiers.services.APPLICANT_READS),
never an officer's internal note."""

import pytest
from django.urls import reverse

from motcua.dossiers import services
from motcua.dossiers.models import DossierHistory
from motcua.eid.testing import sign_in_citizen as sign_in
from motcua.portal import tracking

pytestmark = pytest.mark.django_db
NOTE = "Ghi chú nội bộ: hỏi lại phòng hộ tịch"


def test_the_tracking_page_shows_the_reasons_of_the_one_table():
    assert {
        name for name, reads in services.APPLICANT_READS.items() if any(r.key == "reason" for r in reads)
    } == tracking.REASON_SHOWN
    assert "request_supplement" in tracking.REASON_SHOWN and "assign" not in tracking.REASON_SHOWN


def test_my_page_never_shows_the_note_in_place_of_the_papers_to_supplement(client, people, make_dossier):
    dossier = make_dossier()
    services.perform(dossier, "request_supplement", people["reception"], reason="Bản sao CCCD", note=NOTE)
    # A history row with no recorded reason (an older or imported row): the note must not stand in.
    DossierHistory.objects.filter(dossier=dossier, action="request_supplement").update(data={})
    sign_in(client, people["citizen"])
    page = client.get(reverse("portal:mine_dossier", args=[dossier.code])).content.decode()
    assert dossier.code in page and NOTE not in page
    context = tracking.status_context(dossier)
    assert all(NOTE not in row["reason"] for row in context["history"])
