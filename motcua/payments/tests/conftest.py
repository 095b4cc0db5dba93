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
def financial(make_dossier, people):  # noqa: F811 — the imported fixtures
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


@pytest.fixture(scope="session")
def payments_var_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("payments-var")


@pytest.fixture(autouse=True)
def documents(settings, payments_var_dir, tmp_path):
    """Receipts are real signed PDFs from the sandbox CA, in temporary folders."""
    settings.VAR_DIR = payments_var_dir
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MOTCUA_SIGNER = "sandbox"
    settings.MOTCUA_TRUST_SANDBOX_CA = True
    return settings


def national_notice(intent, *, code="00", amount=None, txn="123456789", pay_date=None, secret=None):
    """A notification exactly as the national platform signs it (the tests play the platform here)."""
    from django.conf import settings as dj

    from motcua.payments.gateways import signed, stamp

    params = {
        "merchant": dj.MOTCUA_PAYMENTS_NATIONAL_MERCHANT,
        "txn_ref": intent.reference,
        "amount": intent.amount if amount is None else amount,
        "transaction_no": txn,
        "response_code": code,
        "pay_date": stamp(pay_date or intent.created_at),
    }
    return signed(params, secret or dj.MOTCUA_PAYMENTS_NATIONAL_SECRET)
