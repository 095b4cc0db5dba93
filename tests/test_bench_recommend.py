"""bench/recommend.py: the goal worlds hold only what the province's one-stop system receives
(ADR 0031), the rolling origin splits in time, and a ratio of nothing is no PASS."""

import math
from datetime import date

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
