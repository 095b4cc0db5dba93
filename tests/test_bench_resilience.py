"""The resilience bench's counting (the bench itself is run by hand: python -m bench resilience)."""

from bench.resilience import tally


def test_everything_acknowledged_is_stored_once():
    acks = [(1, "A"), (2, "B")]
    assert tally(acks, {"A": 1, "B": 1}, {1: 1, 2: 1}) == {
        "acknowledged": 2,
        "stored": 2,
        "duplicated": 0,
        "lost": 0,
    }


def test_a_lost_and_a_duplicated_submission_are_counted():
    acks = [(1, "A"), (2, "B"), (3, "C"), (4, "C")]  # C acknowledged for two drafts
    figures = tally(acks, {"A": 1, "C": 1}, {1: 2, 3: 1, 4: 1})  # B missing; draft 1 gave two dossiers
    assert figures["lost"] == 1
    assert figures["duplicated"] == 2
    assert figures["stored"] == 2


def test_the_same_acknowledgement_seen_twice_is_one():
    assert tally([(1, "A"), (1, "A")], {"A": 1}, {1: 1})["acknowledged"] == 1
