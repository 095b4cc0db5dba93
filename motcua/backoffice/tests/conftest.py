"""Fixtures of the officers' site tests: the dossier fixtures, plus an isolated media folder."""

import pytest

from motcua.core.testing import minimal_pdf, minimal_png
from motcua.dossiers.tests.conftest import *  # noqa: F403 — clock, people, procedure, make_dossier
from motcua.dossiers.tests.conftest import CENTER, FINANCE, JUSTICE, officer  # noqa: F401


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded scans go to a temporary folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def as_user(client):
    """Sign the test client in as a user, second factor verified (or out, with None)."""
    from motcua.eid.testing import sign_in_officer

    def sign_in(user):
        client.logout()
        if user is not None:
            sign_in_officer(client, user)
        return client

    return sign_in


# Real files: uploads are parsed (motcua.core.uploads), not only sniffed.
PDF_BYTES = minimal_pdf()
PNG_BYTES = minimal_png()


@pytest.fixture
def online_dossier(people, procedure, clock):
    """A dossier submitted on the national portal: status 1, waiting for reception."""
    from motcua.dossiers.intake import Applicant, OnlineSubmission, receive_online

    def make(number: int = 1, name: str = "Lò Văn Pâng", id_number: str = "014090002222"):
        record = OnlineSubmission(
            national_code=f"G22.99-260302-{number:04d}",
            procedure_code=procedure.code,
            agency_code=CENTER,
            submitted_at=clock.now,
            applicant=Applicant(name=name, id_number=id_number),
        )
        dossier, _created = receive_online(record)
        return dossier

    return make


def act(dossier, action, user, **params):
    """Take an action through the service layer (to set up a state)."""
    from motcua.dossiers import services

    dossier.refresh_from_db()
    services.perform(dossier, action, user, **params)
    dossier.refresh_from_db()
    return dossier
