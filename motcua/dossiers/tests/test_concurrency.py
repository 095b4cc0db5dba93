"""Two officers acting on the same dossier at once: exactly one wins, the other is told why."""

import threading

import pytest
from django.db import connection, connections

from motcua.dossiers import services
from motcua.dossiers.models import Dossier, Status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def file_database():
    if (
        connection.vendor == "sqlite"
        and connection.settings_dict["NAME"] in (":memory:", "")
        or (connection.vendor == "sqlite" and "mode=memory" in str(connection.settings_dict["NAME"]))
    ):
        pytest.skip("threads need a file or server database (make test uses a file SQLite database)")


def test_two_officers_at_once_cannot_both_win(file_database, live_reference_data, people, make_dossier):
    dossier = make_dossier()
    version = dossier.version
    results, barrier = [], threading.Barrier(2)

    def attempt(action, user, **params):
        try:
            barrier.wait()
            services.perform(dossier.pk, action, user, expected_version=version, **params)
            results.append(("ok", action))
        except services.TransitionError as exc:
            results.append((exc.code, action))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(
            target=attempt, args=("assign", people["head"]), kwargs={"assignee": people["specialist"]}
        ),
        threading.Thread(
            target=attempt, args=("request_supplement", people["reception"]), kwargs={"reason": "Thiếu"}
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = sorted(code for code, _ in results)
    assert outcomes == ["ok", "stale_version"], results
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.version == version + 1
    winner = next(action for code, action in results if code == "ok")
    assert dossier.status == (Status.PROCESSING if winner == "assign" else Status.SUPPLEMENT)
    assert dossier.history.count() == 3  # create, receive, the winner
