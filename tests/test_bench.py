"""The benches in bench/: every listed bench exists, and what they time is checked."""

import importlib

import pytest
from django.test import Client

from bench import backoffice_bench
from bench.checks import BenchCheckFailed, checked, goal_line
from motcua.dossiers.tests.conftest import *  # noqa: F403 — clock, people, procedure, make_dossier


def test_every_bench_listed_by_python_m_bench_exists():
    from bench.__main__ import BENCHES

    for name, module in BENCHES.items():
        bench = importlib.import_module(f"bench.{module}")
        assert callable(getattr(bench, "main", None)), name


def test_a_goal_is_never_met_on_nothing():
    assert backoffice_bench.queue_goal([], 1000).endswith("NOT MEASURED (nothing was timed)")
    assert "NOT MEASURED" in goal_line("x", [], lambda v: (True, "never called"))
    assert ": MET (" in backoffice_bench.queue_goal([0.01, 0.02], 1000)
    assert ": NOT MET (" in backoffice_bench.queue_goal([0.01, 0.2], 1000)


def test_checked_refuses_a_redirect_an_error_and_a_page_without_its_content(client, db):
    with pytest.raises(BenchCheckFailed, match="HTTP 302"):
        checked(client.get("/can-bo/"), what="/can-bo/")
    with pytest.raises(BenchCheckFailed, match="HTTP 404"):
        checked(client.get("/khong-co-trang-nay/"))
    response = client.get("/healthz")
    assert checked(response) is response
    with pytest.raises(BenchCheckFailed, match="is not in the answer"):
        checked(response, expect="không có ở đây")


def test_backoffice_bench_times_the_queues_of_a_signed_in_officer(make_dossier, people):
    dossier = make_dossier()
    results = list(backoffice_bench.measure_officer(people["reception"], repeat=2, warmup=0))
    queues = [p95 for _line, p95 in results if p95 is not None]
    assert len(queues) == len(backoffice_bench.QUEUE_SLUGS) and all(p > 0 for p in queues)
    assert not any("ROWS DIFFER" in line for line, _p95 in results)
    assert "NOT MEASURED" not in results[-1][0] and results[-1][0].strip().startswith("dossier")
    assert dossier.code.startswith("000.00.30")


def test_backoffice_bench_stops_on_a_session_without_the_second_factor(make_dossier, people):
    make_dossier()
    half_signed_in = Client()
    half_signed_in.force_login(people["reception"])  # what the bench did: every page is a redirect
    with pytest.raises(BenchCheckFailed, match="HTTP 302"):
        list(backoffice_bench.measure_officer(people["reception"], repeat=2, warmup=0, client=half_signed_in))


def test_the_registry_bench_stops_on_a_wrong_answer():
    from bench.registries import _person_is, _timed

    with pytest.raises(BenchCheckFailed):
        _timed(lambda key: None, ["014090001234"], _person_is)
    assert len(_timed(lambda key: key, ["a", "b"], lambda key, answer: answer == key)) == 2
