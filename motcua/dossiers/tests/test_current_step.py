"""The current step on the dossier (ADR 0046): `current_step_agency` / `current_step_role` are
the first unfinished step's after every transition, and migration 0005 fills them the same way."""

import importlib

import pytest
from django.db import connection

from motcua.dossiers import services
from motcua.dossiers.models import Dossier, Status
from motcua.places.models import Agency

from .conftest import FINANCE

pytestmark = pytest.mark.django_db

migration = importlib.import_module("motcua.dossiers.migrations.0005_current_step")


def on_dossier(dossier) -> tuple:
    row = Dossier.objects.values_list("current_step_agency_id", "current_step_role").get(pk=dossier.pk)
    return tuple(row)


def from_steps(dossier) -> tuple:
    step = services.current_step(Dossier.objects.get(pk=dossier.pk))
    return (step.agency_id, step.role) if step is not None else (None, "")


def act(dossier, action, user, **params):
    dossier.refresh_from_db()
    dossier = services.perform(dossier, action, user, **params)
    assert on_dossier(dossier) == from_steps(dossier), action
    return dossier


def test_the_current_step_follows_every_transition(make_dossier, people, clock):
    dossier = make_dossier()
    assert on_dossier(dossier) == (dossier.receiving_agency_id, "reception")
    act(dossier, "assign", people["head"], assignee=people["specialist"])
    assert on_dossier(dossier) == (dossier.handling_agency_id, "specialist")
    finance = Agency.objects.get(code=FINANCE)
    act(dossier, "consult", people["specialist"], to_agencies=[finance], question="Ý kiến?")
    act(dossier, "answer_consultation", people["finance"], answer="Đồng ý")
    act(dossier, "request_supplement", people["specialist"], reason="Thiếu bản sao")
    assert on_dossier(dossier) == (dossier.handling_agency_id, "specialist")  # paused, step kept
    clock.advance(hours=2)
    act(dossier, "receive_supplement", people["reception"])  # the clock restarts: steps planned again
    act(dossier, "request_payment", people["specialist"], amount=100000)
    act(dossier, "mark_paid", people["reception"], amount=100000)
    act(dossier, "complete_step", people["specialist"])
    assert on_dossier(dossier) == (dossier.handling_agency_id, "approver")
    act(dossier, "approve", people["approver"])
    assert on_dossier(dossier) == (dossier.receiving_agency_id, "reception")
    dossier.refresh_from_db()
    assert dossier.status == Status.DONE
    # A refused dossier is returned without a signed result: every step finished, none current.
    other = make_dossier()
    act(other, "assign", people["head"], assignee=people["specialist"])
    act(other, "complete_step", people["specialist"])
    act(other, "refuse", people["approver"], reason="Không đủ điều kiện")
    act(other, "return_result", people["reception"])
    assert on_dossier(other) == (None, "")


def test_an_unreceived_or_refused_dossier_has_no_current_step(people, procedure, clock):
    from .test_lifecycle import online

    dossier, _created = online(procedure, clock)
    assert on_dossier(dossier) == (None, "")
    act(dossier, "refuse_reception", people["reception"], reason="Sai thủ tục")
    assert on_dossier(dossier) == (None, "")


def test_migration_0005_fills_the_columns_from_the_steps(make_dossier, people, clock):
    received = make_dossier()
    processing = make_dossier()
    act(processing, "assign", people["head"], assignee=people["specialist"])
    approving = make_dossier()
    act(approving, "assign", people["head"], assignee=people["specialist"])
    act(approving, "complete_step", people["specialist"])
    returned = make_dossier()
    act(returned, "assign", people["head"], assignee=people["specialist"])
    act(returned, "complete_step", people["specialist"])
    act(returned, "refuse", people["approver"], reason="Không đủ điều kiện")
    act(returned, "return_result", people["reception"])
    dossiers = [received, processing, approving, returned]
    expected = [on_dossier(d) for d in dossiers]
    assert len(set(expected)) == 4
    Dossier.objects.update(current_step_agency=None, current_step_role="")
    with connection.cursor() as cursor:  # a schema editor's execute, inside the test's transaction
        execute = lambda _self, sql: cursor.execute(sql)  # noqa: E731
        migration.fill(None, type("Editor", (), {"connection": connection, "execute": execute})())
    assert [on_dossier(d) for d in dossiers] == expected
