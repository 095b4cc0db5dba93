import pytest

from motcua.dossiers.tests.conftest import (  # noqa: F401 — shared fixtures of the dossier tests
    CENTER,
    JUSTICE,
    clock,
    make_dossier,
    people,
    procedure,
)


@pytest.fixture
def financial(make_dossier, people):
    """A dossier waiting for payment (status 6) of 150,000 đồng, submitted from the citizen's account."""
    from motcua.dossiers import services

    def make(amount=150000, **overrides):
        d = make_dossier(**overrides)
        for action, who, params in [
            ("assign", "head", {"assignee": people["specialist"]}),
            ("request_payment", "specialist", {"amount": amount}),
        ]:
            d = services.perform(d, action, people[who], **params)
        return d

    return make
