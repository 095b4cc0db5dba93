"""bench/recommend.py: the goal worlds hold only what the province's one-stop system receives
(ADR 0031), the rolling origin splits in time, and a ratio of nothing is no PASS."""

import math
from datetime import date

import pytest

from bench import recommend as rec


def test_the_goal_worlds_hold_only_the_province_list_and_its_bundles_filed_as_bundles():
    source, listed = rec.province_catalogue()
    assert source == "lang-son-2025-04"  # the deployment default
    # the facts the rule stands on, read from the shipped list
    assert {"1.001193", "1.000656", "2.000986", "2.002622"} <= listed
    assert not {"1.004222", "1.004194", "1.001939", "1.011022", "1.014063"} & listed
    bundle_steps = {code: reg for reg, steps in rec.BUNDLES.values() for code in steps}
    world = rec.generate(3000, rec.CLEAN, seed=3, first_cut=rec.cutoffs()[-1], listed=listed)
    seen_bundle_step = False
    for person in world:
        days = {}
        for t, code in person["dossiers"]:
            days.setdefault(code, set()).add(t)
        for t, code in person["dossiers"]:
            if code in listed:
                continue
            # not in the list: only as a step of a listed bundle, the day of its registration
            assert code in bundle_steps, code
            assert t in days.get(bundle_steps[code], set()), (person["person"], code)
            seen_bundle_step = True
    assert seen_bundle_step


def test_the_sensitivity_world_has_the_same_people_and_more_procedures():
    listed = rec.province_catalogue()[1]
    judged = rec.generate(500, rec.CLEAN, seed=3, listed=listed)
    everything = rec.generate(500, rec.CLEAN_ALL, seed=3, listed=listed)
    assert [p["birth_date"] for p in judged] == [p["birth_date"] for p in everything]
    codes = {c for p in everything for _, c in p["dossiers"]}
    assert "1.004194" in codes and not any(c == "1.004194" for p in judged for _, c in p["dossiers"])


def test_each_cut_off_gets_only_the_two_years_before_it(tmp_path):
    cut = date(2026, 9, 3)
    world = [
        {
            "person": "p0",
            "birth_date": "1990-01-01",
            "dossiers": [
                (cut.toordinal() - 800, "A"),
                (cut.toordinal() - 1, "B"),
                (cut.toordinal(), "C"),
                (cut.toordinal() + 90, "D"),
            ],
        }
    ]
    truth = rec.split(world, tmp_path / "h.jsonl", cut)
    text = (tmp_path / "h.jsonl").read_text()
    assert '"B"' in text and '"A"' not in text and '"C"' not in text
    assert truth == {"p0": {"C"}}
    assert rec.cutoffs(3) == [rec.AS_OF, date(2026, 9, 3), date(2026, 8, 6)]


def test_a_ratio_of_nothing_meets_no_goal():
    assert math.isnan(rec._ratio(0.0, 0.0))
    assert not rec._ratio(0.0, 0.0) >= 3.0
    assert rec._ratio(0.5, 0.25) == 2.0


def test_every_dossier_carries_the_draw_that_made_it_and_the_histories_file_does_not(tmp_path):
    world = rec.generate(3000, rec.CLEAN_ALL, seed=3, first_cut=rec.cutoffs()[-1])
    steps = 0
    for person in world:
        assert len(person["origins"]) == len(person["dossiers"])
        days = set(person["dossiers"])
        for (t, code), origin in zip(person["dossiers"], person["origins"], strict=True):
            if origin[0] == "step":
                # a step names its registration, which is in the history on its day
                assert (origin[2], origin[1]) in days
                assert code in {c for c, *_ in rec.STEPS[origin[1]]}
                assert t >= origin[2]
                steps += 1
            elif origin[0] == "event":
                assert code == origin[1] and t == origin[2]
    assert steps > 100
    rec.split(world[:50], tmp_path / "h.jsonl", rec.AS_OF)
    assert "origin" not in (tmp_path / "h.jsonl").read_text()


def test_the_chain_oracle_offers_the_steps_the_province_receives_on_their_own():
    cut = rec.AS_OF.toordinal()
    birth = {
        "person": "p0",
        "birth_date": "1995-01-01",
        "dossiers": [(cut - 3, rec.BIRTH)],
        "origins": [("event", rec.BIRTH, cut - 3)],
    }
    listed = rec.province_catalogue()[1]
    # the province receives everything: thường trú (85 %, 0-10 days) and thẻ BHYT (80 %, 0-15 days),
    # each given that it was not filed in the 3 days since: p·P(≥3) / (1 − p·P(<3))
    got = dict(rec.chain_candidates(birth, rec.CLEAN_ALL, cut, listed))
    assert got["1.004222"] == pytest.approx(0.85 * 0.7 / (1 - 0.85 * 0.3))
    assert got["1.001939"] == pytest.approx(0.80 * 0.8 / (1 - 0.80 * 0.2))
    # already filed since the event: not offered
    filed = {**birth, "dossiers": [(cut - 3, rec.BIRTH), (cut - 1, "1.004222")]}
    assert "1.004222" not in dict(rec.chain_candidates(filed, rec.CLEAN_ALL, cut, listed))
    # the judged world: the listed bundle's steps come with the registration, nothing is left
    assert rec.chain_candidates(birth, rec.CLEAN, cut, listed) == []
    # a household business: khai thuế and ANTT go to other systems in the judged world
    business = {**birth, "dossiers": [(cut - 3, rec.BUSINESS)]}
    assert rec.chain_candidates(business, rec.CLEAN, cut, listed) == []
    assert [c for c, _ in rec.chain_candidates(business, rec.CLEAN_ALL, cut, listed)] == [
        "1.011022",
        "2.001478",
    ]


def test_targets_are_told_apart_by_the_draw_that_made_them():
    cut = rec.AS_OF.toordinal()
    person = {
        "person": "p0",
        "birth_date": "1995-01-01",
        "dossiers": [
            (cut - 3, rec.BIRTH),
            (cut + 2, "1.004222"),
            (cut + 5, "1.004873"),
            (cut + 9, "3.000333"),
        ],
        "origins": [
            ("event", rec.BIRTH, cut - 3),
            ("step", rec.BIRTH, cut - 3),
            rec.BACKGROUND_DRAW,
            rec.PROCESS,
        ],
    }
    got = rec.target_origins(person, cut, {"1.004222", "1.004873", "3.000333"})
    assert got == {"chain": 1, "background": 1, "other": 1}


def test_the_generator_oracle_ranks_by_the_generators_own_probabilities():
    cut = rec.AS_OF.toordinal()
    listed = rec.province_catalogue()[1]
    parent = {"person": "p0", "birth_date": "1995-01-01", "dossiers": [(cut - 3, rec.BIRTH)]}
    everything = rec.GeneratorOracle(rec.CLEAN_ALL, listed)
    # the pending steps of the birth first, as the chain oracle has them (plus a little background)
    assert everything.top(parent, cut)[:2] == ["1.004222", "1.001939"]
    chain = dict(rec.chain_candidates(parent, rec.CLEAN_ALL, cut, listed))
    assert everything.scores(parent, cut)["1.001939"] == pytest.approx(chain["1.001939"], abs=0.01)
    # the judged world: nothing of the chain is left (the bundle's steps came with the registration);
    # what remains of them is another birth in the horizon (5 %/year), with its bundle
    judged = rec.GeneratorOracle(rec.CLEAN, listed)
    another_birth = 1 - math.exp(-0.05 * rec.HORIZON / 365)
    assert judged.scores(parent, cut)["1.001193"] == pytest.approx(another_birth)
    assert judged.scores(parent, cut)["1.004222"] == pytest.approx(another_birth * 0.85)
    top = judged.top(parent, cut)
    assert all(c in listed or c in {"1.004222", "1.001939"} for c in top)
    assert not set(top) & set(rec.CERTIFICATION)
    # an ID-card age within the horizon counts (received only where the province receives it)
    forty = {
        "person": "p1",
        "birth_date": date.fromordinal(cut + 30).replace(year=1986).isoformat(),
        "dossiers": [],
    }
    assert everything.top(forty, cut)[0] == "1.014063"
    assert "1.014063" not in judged.scores(forty, cut)
