"""The HTTP adapters against the LGSP sandbox served by the live server: the real exchange client,
real sockets, timeouts, 500s, retries, the circuit breaker and the message log."""

import time

import pytest
from django.core.management import call_command
from django.test import override_settings

from motcua.exchange.client import ExchangeClient
from motcua.exchange.models import MessageLog
from motcua.places.models import AdminUnit
from motcua.registries import http, ports, sandbox


@pytest.fixture
def lgsp(live_server, transactional_db):
    """The sandbox platform's base URL (transactional tests flush the tables: reload the places)."""
    if not AdminUnit.objects.exists():
        call_command("load_places", stdout=None)
    return live_server.url + "/sandbox/lgsp/"


def _client(base_url, service="population", **options):
    options.setdefault("credentials", {"api_key": "sandbox-lgsp-key"})
    options.setdefault("timeout", (2, 5))
    options.setdefault("backoff", 0.01)
    return ExchangeClient(service, base_url, **options)


def test_http_adapters_return_what_the_sandbox_holds(lgsp):
    people = sandbox.demo_people()
    owner, adult, widow = people["business_owner"], people["adult"], people["widow"]
    population = http.HttpPopulation(_client(lgsp))
    assert population.person(adult.id_number) == adult
    assert population.household(adult.household_id) == sandbox.household_members(adult.household_id)
    civil = http.HttpCivilStatus(_client(lgsp, "civil_status"))
    assert civil.events_of(widow.id_number) == sandbox.events_of(widow.id_number)
    business = http.HttpBusiness(_client(lgsp, "business"))
    orgs = business.represented_by(owner.id_number)
    assert orgs == sandbox.organisations_represented_by(owner.id_number) and orgs
    assert business.organisation(orgs[0].tax_code) == orgs[0]
    insurance = http.HttpSocialInsurance(_client(lgsp, "social_insurance"))
    assert insurance.insurance_of(adult.id_number) == sandbox.insurance_of(adult.id_number)
    licences = http.HttpDrivingLicences(_client(lgsp, "driving_licence"))
    assert licences.licences_of(adult.id_number) == sandbox.licences_of(adult.id_number)

    row = MessageLog.objects.filter(service="population").order_by("id").first()
    assert row.outcome == "ok" and row.response_status == 200 and row.attempt == 1
    # At rest (ADR 0040): the searchable columns masked, the exchange whole only in the encrypted `sealed`.
    assert adult.id_number not in row.url and adult.full_name not in row.response_body
    assert row.sealed["url"].endswith(f"/sandbox/lgsp/dan-cu/cong-dan/{adult.id_number}")
    assert adult.full_name in row.sealed["response_body"] and len(row.correlation_id) == 32
    assert MessageLog.objects.count() == 7
    parent = people["parent_of_newborn"]  # the birth notice comes through the health-insurance service
    notices = insurance.birth_notices(parent.id_number)
    assert notices == sandbox.birth_notices_of(parent.id_number) and notices[0].child_name
    assert insurance.birth_notices(adult.id_number) == []


def test_nothing_found_is_none_and_bad_keys_are_not_sent(lgsp):
    population = http.HttpPopulation(_client(lgsp))
    assert population.person("014099999999") is None
    assert MessageLog.objects.get().outcome == "not_found"
    assert population.person("../../admin") is None and population.household("x") == []
    assert MessageLog.objects.count() == 1


def test_a_wrong_api_key_fails_once_without_retries(lgsp):
    population = http.HttpPopulation(
        _client(lgsp, credentials={"api_key": "wrong"}, retries=3, breaker_failures=1)
    )
    with pytest.raises(ports.RegistryUnavailable, match="HTTP 401"):
        population.person(sandbox.demo_people()["adult"].id_number)
    assert list(MessageLog.objects.values_list("response_status", "attempt")) == [(401, 1)]
    assert population.client.breaker.state() == "closed"  # a refusal is an answer, not an outage


def test_a_slow_registry_times_out_and_is_retried(lgsp):
    adult = sandbox.demo_people()["adult"]
    population = http.HttpPopulation(_client(lgsp, timeout=(2, 0.3), retries=1))
    with sandbox.behaviour(delay_ms=700), pytest.raises(ports.RegistryUnavailable, match="thời gian"):
        population.person(adult.id_number)
    rows = list(MessageLog.objects.order_by("id"))
    assert [(r.outcome, r.attempt) for r in rows] == [("timeout", 1), ("timeout", 2)]
    assert rows[0].correlation_id == rows[1].correlation_id and rows[0].response_status is None
    assert all(r.duration_ms >= 250 for r in rows)


def test_a_500_is_retried_until_the_registry_answers(lgsp):
    adult = sandbox.demo_people()["adult"]
    population = http.HttpPopulation(_client(lgsp, retries=2))
    with sandbox.behaviour(fail_next=2):
        assert population.person(adult.id_number) == adult
    rows = list(MessageLog.objects.order_by("id").values_list("response_status", "outcome", "attempt"))
    assert rows == [(500, "http_error", 1), (500, "http_error", 2), (200, "ok", 3)]
    assert "thử nghiệm" in MessageLog.objects.order_by("id").first().response_body


def test_the_circuit_opens_after_failures_and_closes_after_a_good_probe(lgsp):
    adult = sandbox.demo_people()["adult"]
    client = _client(lgsp, "population_breaker", retries=0, breaker_failures=2, breaker_reset_seconds=0.4)
    population = http.HttpPopulation(client)
    with sandbox.behaviour(fail=True):
        for _ in range(2):
            with pytest.raises(ports.RegistryUnavailable, match="HTTP 500"):
                population.person(adult.id_number)
        assert client.breaker.state() == "open"
        with pytest.raises(ports.RegistryUnavailable, match="Tạm ngừng"):
            population.person(adult.id_number)  # refused without a request
        time.sleep(0.45)
        assert client.breaker.state() == "half_open"
        with pytest.raises(ports.RegistryUnavailable, match="HTTP 500"):
            population.person(adult.id_number)  # the probe fails: open again
        assert client.breaker.state() == "open"
    time.sleep(0.45)
    assert population.person(adult.id_number) == adult  # the probe succeeds
    assert client.breaker.state() == "closed"
    outcomes = list(MessageLog.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["http_error", "http_error", "circuit_open", "http_error", "ok"]
    refused = MessageLog.objects.get(outcome="circuit_open")
    assert refused.response_status is None and refused.duration_ms == 0


def test_signed_requests_when_the_platform_asks_for_them(lgsp):
    adult = sandbox.demo_people()["adult"]
    with override_settings(MOTCUA_LGSP_SANDBOX_SECRET="bí-mật"):
        unsigned = http.HttpPopulation(_client(lgsp))
        with pytest.raises(ports.RegistryUnavailable, match="HTTP 401"):
            unsigned.person(adult.id_number)
        wrong = http.HttpPopulation(_client(lgsp, signing_secret="khác"))
        with pytest.raises(ports.RegistryUnavailable, match="HTTP 401"):
            wrong.person(adult.id_number)
        signed = http.HttpPopulation(_client(lgsp, signing_secret="bí-mật"))
        assert signed.person(adult.id_number) == adult


def test_the_sandbox_is_not_served_when_off(lgsp):
    with override_settings(MOTCUA_LGSP_SANDBOX=False):
        population = http.HttpPopulation(_client(lgsp, retries=0))
        assert population.person(sandbox.demo_people()["adult"].id_number) is None  # 404


def test_get_builds_http_adapters_from_the_settings(lgsp):
    adult = sandbox.demo_people()["adult"]
    services = {
        "population": {"base_url": lgsp, "credentials": {"api_key": "sandbox-lgsp-key"}, "retries": 0}
    }
    with override_settings(MOTCUA_REGISTRIES="http", MOTCUA_EXCHANGE_SERVICES=services):
        from motcua import registries

        assert registries.get("population").person(adult.id_number) == adult
    assert MessageLog.objects.get().service == "population"
