"""Mã hồ sơ: format, daily sequences, parsing and concurrency."""

import threading
from datetime import UTC, date, datetime

import pytest
from django.db import connection, connections, transaction

from motcua.core.codes import (
    AGENCY,
    CENTRALISED,
    next_centralised_code,
    next_dossier_code,
    parse_dossier_code,
)
from motcua.core.models import DossierCodeCounter

from .conftest import local

AGENCY_CODE = "000.00.01.H52"


@pytest.mark.django_db
def test_format_and_sequence(domain_settings):
    received = local(2026, 3, 2, 10)
    assert next_dossier_code(AGENCY_CODE, received) == "000.00.01.H52-260302-0001"
    assert next_dossier_code(AGENCY_CODE, received) == "000.00.01.H52-260302-0002"
    assert next_dossier_code("000.00.01.h52 ", received) == "000.00.01.H52-260302-0003"


@pytest.mark.django_db
def test_daily_reset_uses_the_local_date(domain_settings):
    assert next_dossier_code(AGENCY_CODE, local(2026, 3, 2, 23, 59)) == "000.00.01.H52-260302-0001"
    # 17:30 UTC on 02/03 is 00:30 on 03/03 in Vietnam: a new day, a new sequence.
    assert (
        next_dossier_code(AGENCY_CODE, datetime(2026, 3, 2, 17, 30, tzinfo=UTC))
        == "000.00.01.H52-260303-0001"
    )
    assert next_dossier_code(AGENCY_CODE, local(2026, 3, 3, 8)) == "000.00.01.H52-260303-0002"
    assert next_dossier_code(AGENCY_CODE, local(2026, 3, 2, 16)) == "000.00.01.H52-260302-0002"


@pytest.mark.django_db
def test_separate_sequences_per_agency(domain_settings):
    received = local(2026, 3, 2, 10)
    assert next_dossier_code(AGENCY_CODE, received).endswith("-0001")
    assert next_dossier_code("000.00.15.H52", received) == "000.00.15.H52-260302-0001"
    assert next_dossier_code(AGENCY_CODE, received).endswith("-0002")
    assert next_centralised_code("H52.001.01", received) == "H52.001.01-260302-010001"
    assert next_dossier_code(AGENCY_CODE, received).endswith("-0003")


@pytest.mark.django_db
def test_more_than_9999_a_day_keeps_counting(domain_settings):
    DossierCodeCounter.objects.create(scope=AGENCY_CODE, day=date(2026, 3, 2), last_value=9999)
    code = next_dossier_code(AGENCY_CODE, local(2026, 3, 2, 10))
    assert code == "000.00.01.H52-260302-10000"
    assert parse_dossier_code(code).sequence == 10000


@pytest.mark.django_db
def test_centralised_code(domain_settings):
    received = local(2026, 3, 2, 10)
    assert next_centralised_code("H52.001.01", received) == "H52.001.01-260302-010001"
    assert next_centralised_code("H52.001.01", received) == "H52.001.01-260302-010002"
    assert next_centralised_code("H52.001.01", received, owner_code="07") == "H52.001.01-260302-070001"
    domain_settings.MOTCUA_SYSTEM_OWNER_CODE = "09"
    assert next_centralised_code("H52.001.01", received) == "H52.001.01-260302-090001"
    with pytest.raises(ValueError, match="2 chữ số"):
        next_centralised_code("H52.001.01", received, owner_code="1")
    with pytest.raises(ValueError, match="MX1X2.Y1Y2Y3.Z1Z2"):
        next_centralised_code("000.00.01.H52", received)


@pytest.mark.django_db
def test_rollback_gives_the_number_back(domain_settings):
    received = local(2026, 3, 2, 10)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_dossier_code(AGENCY_CODE, received)
        raise RuntimeError("the dossier could not be saved")
    assert next_dossier_code(AGENCY_CODE, received).endswith("-0001")


@pytest.mark.parametrize(
    "bad",
    ["H52", "000.00.01.H5", "000.0.01.H52", "000.00.01.52H", "000.00.01.H52-", "", None, "000-00-01-H52"],
)
def test_agency_code_shape_is_validated(bad):
    with pytest.raises(ValueError, match="V1V2V3.Z1Z2.Y1Y2.MX1X2"):
        next_dossier_code(bad, local(2026, 3, 2, 10))


def test_naive_datetime_is_rejected():
    with pytest.raises(ValueError, match="múi giờ"):
        next_dossier_code(AGENCY_CODE, datetime(2026, 3, 2, 10))


def test_parse_dossier_code():
    parsed = parse_dossier_code("000.00.01.H26-260930-0012")
    assert (parsed.kind, parsed.agency_code, parsed.received_on, parsed.sequence, parsed.owner_code) == (
        AGENCY,
        "000.00.01.H26",
        date(2026, 9, 30),
        12,
        None,
    )
    central = parse_dossier_code(" h52.001.01-260302-010045 ")
    assert (central.kind, central.agency_code, central.owner_code, central.sequence) == (
        CENTRALISED,
        "H52.001.01",
        "01",
        45,
    )
    assert str(central) == "H52.001.01-260302-010045"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("000.00.01.H26-260931-0012", "ngày tiếp nhận 260931"),
        ("000.00.01.H26-260930-012", "không đúng dạng"),
        ("000.00.01.H26-260930-0000", "bắt đầu từ 1"),
        ("000.00.01.H26/260930/0012", "không đúng dạng"),
        ("H52.001.01-260302-01004", "không đúng dạng"),
        ("", "không đúng dạng"),
    ],
)
def test_parse_rejects_bad_codes(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_dossier_code(bad)


@pytest.mark.django_db(transaction=True)
def test_concurrent_codes_are_distinct_and_consecutive(domain_settings):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "in-memory SQLite shares one cache between threads and fails with 'table is locked' instead of "
            "waiting; set MOTCUA_TEST_SQLITE=/tmp/file.sqlite3 (file DB) or run on PostgreSQL"
        )
    threads, per_thread = 8, 25
    received = local(2026, 3, 2, 10)
    barrier = threading.Barrier(threads)
    codes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait()
            for _ in range(per_thread):
                # As in production: the code is taken inside the transaction that saves the dossier.
                with transaction.atomic():
                    code = next_dossier_code(AGENCY_CODE, received)
                with lock:
                    codes.append(code)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not errors, errors
    numbers = sorted(parse_dossier_code(code).sequence for code in codes)
    assert numbers == list(range(1, threads * per_thread + 1))
    assert DossierCodeCounter.objects.get(scope=AGENCY_CODE).last_value == threads * per_thread
