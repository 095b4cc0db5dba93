"""The QĐ 766 upkeep leaves the request (issue 18, ADR 0041): the transition marks its dossier dirty
in its transaction and enqueues one task there; the index moves only when a worker runs the task."""

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from motcua.core import tasks
from motcua.dossiers import services as dossier_services
from motcua.dossiers.tests.conftest import (  # noqa: F401 — the shared fixtures of the dossier tests
    clock,
    make_dossier,
    people,
    procedure,
)
from motcua.insights import queries, realtime
from motcua.insights.periods import parse_period

pytestmark = pytest.mark.django_db
JUSTICE = "000.00.04.H52"
TASK = realtime.apply_index.module_path


def test_a_transition_enqueues_one_apply_task_and_the_worker_applies_the_index(
    people,  # noqa: F811
    make_dossier,  # noqa: F811
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    realtime.rebuild()
    march, unit = parse_period("2026-03"), queries.resolve_unit(JUSTICE)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        with django_capture_on_commit_callbacks(execute=True):  # its commit
            dossier = make_dossier()  # one transaction, several marks (dossier, documents, event…)
        assert realtime.pending() == 1
        assert DBTaskResult.objects.filter(task_path=TASK).count() == 1  # one task, not one per mark
        # The request is over and the index has not moved: nothing was applied in it.
        assert realtime.gather(march, unit).received == queries.gather(march, unit).received - 1
        with django_capture_on_commit_callbacks(execute=True):
            dossier_services.perform(dossier, "assign", people["head"], assignee=people["specialist"])
        assert DBTaskResult.objects.filter(task_path=TASK).count() == 2

        assert tasks.run_ready() >= 2
    assert realtime.pending() == 0
    assert realtime.gather(march, unit).received == queries.gather(march, unit).received
    assert set(DBTaskResult.objects.filter(task_path=TASK).values_list("status", flat=True)) == {"SUCCESSFUL"}
