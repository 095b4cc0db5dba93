"""Outside calls outside transactions (issue 19 item 6): the e-form submission asks the population
registry before it locks the draft, and the exchange message log keeps that call even when the
submission then fails and its transaction rolls back."""

import pytest
from django.db import connection

from motcua.dossiers import intake
from motcua.dossiers.models import Dossier
from motcua.eforms import services
from motcua.eforms.models import Draft
from motcua.exchange.client import ExchangeClient, ExchangeError
from motcua.exchange.models import MessageLog
from motcua.registries import prefill

from .conftest import sign_in
from .test_submission import DEATH, _go_through_death_form, start

pytestmark = pytest.mark.django_db


def test_the_registry_is_asked_before_the_lock_and_its_log_survives_a_failed_submission(
    client, forms, people, with_hospital_papers, monkeypatch
):
    widow = people["widow"]
    sign_in(client, widow)
    draft = start(client, DEATH)
    _go_through_death_form(client, draft, widow)
    base = len(connection.atomic_blocks)  # the test's own transaction
    calls = []

    def unreachable_registry(source, ctx):
        """The population registry through the real exchange client, at an address nobody answers."""
        calls.append(("registry", source, len(connection.atomic_blocks)))
        registry = ExchangeClient("population", "http://127.0.0.1:9/", retries=0, timeout=(0.5, 0.5))
        try:
            registry.get_json(f"dan-cu/cong-dan/{ctx.id_number}", correlation_id="submit-commune")
        except ExchangeError as exc:
            raise prefill.RegistryUnavailable(str(exc)) from exc

    def failing_intake(*args, **kwargs):
        calls.append(("intake", "", len(connection.atomic_blocks)))
        raise RuntimeError("the dossier could not be written")

    monkeypatch.setattr(services.prefill, "resolve", unreachable_registry)
    monkeypatch.setattr(intake, "submit_on_own_portal", failing_intake)
    acting = {"kind": "citizen", "name": widow.full_name, "id_number": widow.id_number}
    with pytest.raises(RuntimeError, match="could not be written"):
        services.submit(Draft.objects.get(pk=draft.pk), acting=acting)

    # The registry was asked once, outside the submission's transaction; the intake ran inside it.
    assert calls == [
        ("registry", "population:commune_code", base),
        ("intake", "", base + 1),
    ]
    # The submission rolled back: no dossier, the draft still open ...
    draft.refresh_from_db()
    assert draft.state == Draft.State.OPEN and draft.dossier_id is None
    assert not Dossier.objects.filter(submission_key=str(draft.submission_key)).exists()
    # ... and the record of the outside call is still there.
    assert list(MessageLog.objects.values_list("service", "outcome", "correlation_id")) == [
        ("population", "connection_error", "submit-commune")
    ]


def test_a_submitted_draft_does_not_ask_the_registry_again(
    client, forms, people, with_hospital_papers, monkeypatch
):
    widow = people["widow"]
    sign_in(client, widow)
    draft = start(client, DEATH)
    _go_through_death_form(client, draft, widow)
    acting = {"kind": "citizen", "name": widow.full_name, "id_number": widow.id_number}
    first = services.submit(Draft.objects.get(pk=draft.pk), acting=acting)
    asked = []
    monkeypatch.setattr(services.prefill, "resolve", lambda source, ctx: asked.append(source))
    again = services.submit(Draft.objects.get(pk=draft.pk), acting=acting)
    assert again.dossier == first.dossier and again.created is False
    assert asked == []
