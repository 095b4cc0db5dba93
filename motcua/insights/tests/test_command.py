import io
import json

import pytest
from django.core.management import CommandError, call_command

from .conftest import DEPARTMENT


def run(*args) -> str:
    out = io.StringIO()
    call_command("index", *args, stdout=out)
    return out.getvalue()


def test_index_json_prints_the_groups_the_indicators_and_the_total(dataset):
    doc = json.loads(run("--period", "2026-09", "--unit", DEPARTMENT, "--json"))
    assert doc["unit"] == {"kind": "department", "key": DEPARTMENT, "label": "Sở Thử nghiệm"}
    assert doc["period"]["start"] == "2026-09-01T00:00:00+07:00"
    assert [g["code"] for g in doc["groups"]] == ["CKMB", "TDGQ", "DVCTT", "TTTT", "MDSH", "MDHL"]
    assert [g["points"] for g in doc["groups"]] == [2.5, 8.57, 4.0, 4.5, 4.06, 6.95]
    assert doc["total"] == 30.58
    indicators = {i["code"]: i for g in doc["groups"] for i in g["indicators"]}
    assert indicators["1.1"]["points"] == "N/A"
    assert indicators["2.1"]["numerator"] == 3 and indicators["2.1"]["denominator"] == 7
    assert indicators["3"]["inferred"] is True
    assert any("[inferred]" in n for n in indicators["3"]["notes"])
    assert "[inferred]" in doc["grade_note"]
    assert doc["params"]["online_target"] == 0.5
    assert doc["counts"]["judged"] == 7


def test_index_text_and_ranking(dataset):
    text = run("--period", "2026-09", "--unit", DEPARTMENT)
    assert "TỔNG 30.58 / 100" in text
    ranking = json.loads(run("--period", "2026-09", "--rank", "department", "--json"))
    keys = [r["key"] for r in ranking["ranking"]]
    assert DEPARTMENT in keys
    assert ranking["ranking"][0]["total"] >= ranking["ranking"][-1]["total"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--period", "2026-13"], "Tháng không hợp lệ"),
        (["--period", "2026-09", "--unit", "X.Y"], "Không tìm thấy"),
    ],
)
def test_bad_input_is_a_vietnamese_error(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
