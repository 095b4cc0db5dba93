"""Fixtures of the privacy tests: the dossier fixtures (clock, people, procedure, make_dossier)."""

import pytest

from motcua.dossiers.tests.conftest import *  # noqa: F403
from motcua.dossiers.tests.conftest import CENTER, officer
from motcua.people.models import OfficerRole, User


@pytest.fixture
def dpo(people):
    """The province's data-protection officer: the administrator role."""
    return officer("bao_ve_du_lieu", (CENTER, OfficerRole.Role.ADMIN))


@pytest.fixture
def stranger(reference_data):
    return User.objects.create(username="nguoi_khac", full_name="Lò Văn Khác", personal_id="014085007777")
