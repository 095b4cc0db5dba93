"""The demo history and the services tell the same lives (issue 19 item 1).

The generator replays each dossier's life in memory ("mirrors dossiers.clock.enter and friends") and
writes the rows the services would have written. This property keeps the two from drifting: for
generated histories (any seed), each dossier is put back to the moment it was created and its
recorded actions are taken again through the real `dossiers.services.perform`, by the same
officers at the same moments; the rows the services write — the dossier, its history, its steps,
its appointment changes — must be the rows the generator wrote.

The one gap the generator documents: it makes no signed result, so the replay lets an approved
dossier's result be returned without one (`dossiers.who_may.has_result`).
"""

from datetime import date, datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from motcua.audit import services as audit
from motcua.demo import history as demo
from motcua.dossiers import services, who_may
from motcua.dossiers.models import Decision, Dossier, Status
from motcua.people.models import User

pytestmark = pytest.mark.django_db

UNTIL = date(2026, 6, 30)
DOSSIERS = 25

#: The dossier's columns the lifecycle writes, with their values before reception.
LIFECYCLE = {
    "status": Status.NEW,
    "resume_status": None,
    "received_at": None,
    "counting_start": None,
    "due_at": None,
    "replied_at": None,
    "paused_at": None,
    "restart_on_resume": False,
    "finished_at": None,
    "returned_at": None,
    "refused_at": None,
    "time_amount": None,
    "time_unit": "",
    "assignee_id": None,
    "fee_due": 0,
    "fee_paid": 0,
    "decision": "",
    "decision_reason": "",
    "counts_as_overdue": False,
    "apology_count": 0,
    "supplement_count": 0,
    "version": 1,
    "current_step_agency_id": None,
    "current_step_role": "",
}
HISTORY = ("action", "label", "from_status", "to_status", "at", "actor_id", "actor_name", "actor_title")
HISTORY += ("agency_id", "note", "data")
STEPS = ("position", "name", "role", "agency_id", "share_hours", "due_at", "started_at", "finished_at")
STEPS += ("officer_id",)
DUE_CHANGES = ("at", "old_due_at", "new_due_at", "reason")


def _rows(dossier_id: int) -> dict:
    dossier = Dossier.objects.filter(pk=dossier_id)
    return {
        "dossier": dossier.values(*LIFECYCLE).get(),
        "history": list(dossier.get().history.order_by("at", "id").values_list(*HISTORY)),
        "steps": list(dossier.get().steps.order_by("position").values_list(*STEPS)),
        "due_changes": list(dossier.get().due_date_changes.order_by("at", "id").values_list(*DUE_CHANGES)),
    }


def _params(action: str, data: dict, written: dict, supplements: int) -> dict:
    """What the officer gave `perform` for this action, read back from the recorded history."""
    if action == "assign":
        return {"assignee": written["dossier"]["assignee_id"]}
    if action in ("refuse_reception", "refuse", "request_withdrawal"):
        return {"reason": data["reason"]}
    if action == "request_supplement":
        return {"reason": data["reason"], "second_allowed_by_law": supplements >= 1}
    if action == "request_payment":
        return {"amount": data["amount"]}
    if action == "mark_paid":
        return {"amount": data["amount"], "reference": data.get("reference", "")}
    if action == "apologise":
        return {"reason": data["reason"], "new_due_at": datetime.fromisoformat(data["due_at"][0][1])}
    return {}


def _replay(dossier_id: int) -> None:
    """Back to the moment of creation, then every recorded action again through `perform`."""
    dossier = Dossier.objects.get(pk=dossier_id)
    created, *actions = dossier.history.order_by("at", "id")
    assert created.action == "create"
    written = _rows(dossier_id)
    dossier.history.exclude(pk=created.pk).delete()
    dossier.steps.all().delete()
    dossier.due_date_changes.all().delete()
    Dossier.objects.filter(pk=dossier_id).update(**LIFECYCLE)
    supplements = 0
    real_now = timezone.now
    try:
        for entry in actions:
            timezone.now = lambda at=entry.at: at  # the officer acts at the recorded moment
            actor = User.objects.get(pk=entry.actor_id)
            params = _params(entry.action, entry.data, written, supplements)
            services.perform(dossier_id, entry.action, actor, **params)
            supplements += entry.action == "request_supplement"
    finally:
        timezone.now = real_now


@hsettings(
    max_examples=2,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a seed does not shrink: no shrinking
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**20))
def test_the_generated_lives_are_the_lives_the_services_write(reference_data, monkeypatch, seed):
    # The generator makes no signed result (its docstring): an approved dossier may be returned.
    monkeypatch.setattr(who_may, "has_result", lambda dossier: dossier.decision == Decision.APPROVED)
    # The audit chains' heads are made by the first entry: outside the examples, which roll back.
    audit.record("test.replay", data={"seed": seed})
    with transaction.atomic():  # each example starts from the reference data alone
        demo.generate(DOSSIERS, seed=seed, until=UNTIL, force=True, realtime=False)
        ids = list(Dossier.objects.order_by("pk").values_list("pk", flat=True))
        assert len(ids) == DOSSIERS
        written = {pk: _rows(pk) for pk in ids}
        for pk in ids:
            _replay(pk)
            assert _rows(pk) == written[pk], f"seed {seed}, dossier {pk}"
        transaction.set_rollback(True)
