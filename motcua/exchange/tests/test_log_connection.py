"""The message log survives the caller's rollback (issue 19 item 6, ADR 0043): inside a transaction
the row is written on the "log" alias, a second connection to the same database in autocommit."""

import pytest
from django.db import connection, transaction

from motcua.exchange.client import ExchangeClient, ExchangeError, log_database
from motcua.exchange.models import MessageLog


def _unreachable_call(correlation_id: str) -> None:
    client = ExchangeClient("nowhere", "http://127.0.0.1:9/", retries=0, timeout=(0.5, 0.5))
    with pytest.raises(ExchangeError):
        client.get_json("ping", correlation_id=correlation_id)


@pytest.mark.django_db
def test_inside_a_transaction_the_row_goes_to_the_configured_alias_when_there_is_one(settings):
    with transaction.atomic():
        settings.MOTCUA_EXCHANGE_LOG_DATABASE = "log"
        assert log_database() == ("log" if "log" in settings.DATABASES else "default")
        settings.MOTCUA_EXCHANGE_LOG_DATABASE = "default"
        assert log_database() == "default"


ONE_WRITER = "a second writer needs PostgreSQL (SQLite has one writer at a time)"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a second writer needs PostgreSQL (SQLite: one)"
)
@pytest.mark.django_db(transaction=True, databases=["default", "log"])
def test_the_log_row_survives_the_callers_rollback(settings):
    settings.MOTCUA_EXCHANGE_LOG_DATABASE = "log"
    with pytest.raises(RuntimeError, match="after the call"), transaction.atomic():
        assert log_database() == "log"
        _unreachable_call("rolled-back-caller")
        raise RuntimeError("the caller fails after the call")
    assert list(MessageLog.objects.values_list("service", "outcome", "correlation_id")) == [
        ("nowhere", "connection_error", "rolled-back-caller")
    ]


@pytest.mark.django_db(transaction=True)
def test_without_the_log_alias_a_call_outside_any_transaction_is_committed_at_once():
    assert not connection.in_atomic_block and log_database() == "default"
    _unreachable_call("autocommit")
    with pytest.raises(RuntimeError), transaction.atomic():
        raise RuntimeError("a later transaction fails")
    assert MessageLog.objects.filter(correlation_id="autocommit", outcome="connection_error").count() == 1
