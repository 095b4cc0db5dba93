"""The QĐ 1565 criteria and NĐ 224 measures on a hand-built department, every figure worked out by hand.

September 2026, office hours 07:30–11:30 and 13:00–17:00 (8 h a day), 14/9 is a Monday.

Procedures of the department: F (toàn trình, has an e-form), N (information only), P (một phần, no
e-form). Dossiers (due dates chosen so that on-time is plain):

  o1  F own portal   recv 14/9 08:00  fin 14/9 10:00  due 18/9  → 2 h,   on time, e-result, rated 4
  o2  F own portal   recv 14/9 08:00  fin 15/9 08:00  due 18/9  → 7.5 + 0.5 = 8 h, on time, rated 3
  c1  F counter      recv 14/9 08:00  fin 14/9 16:00  due 15/9 12:00 → 3.5 + 3 = 6.5 h, on time,
                     rated 1 (a complaint); an apology moved its due date (not a pause: not subtracted)
  c2  F counter      recv 14/9 08:00  fin 16/9 08:00  due 15/9 08:00 → 7.5 + 8 + 0.5 = 16 h minus a 2 h
                     pause (due 21/9 08:00 → 10:00) = 14 h, late, rated 2
  p1  F post         recv 14/9 08:00  fin 17/9 08:00  due 18/9  → on time; post is not in C3
  n1  N counter      recv 14/9 08:00  fin 14/9 09:00  due 18/9  → 1 h, on time
  u1  N counter      recv 15/9, processing, due 18/9 → unfinished and overdue at the end of September
  o3, o4  F own portal, submitted but not yet received (status 1)
  a1  F counter      recv and fin in August: outside the period (its August rating too)
"""

from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from motcua.catalog.models import OnlineLevel
from motcua.dossiers.models import DossierResult, DueDateChange
from motcua.eforms.models import Draft, FormDefinition
from motcua.feedback.models import Rating
from motcua.insights import criteria
from motcua.insights.periods import parse_period

from .conftest import DEPARTMENT, VN, Dataset, _procedure

pytestmark = pytest.mark.django_db


def t(month, day, hour=8, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


@pytest.fixture
def data(db, settings):
    settings.MOTCUA_CRITERIA_MIN_SAMPLE = 2
    d = Dataset()
    F, N = d.full, d.none
    d.partial = _procedure("9.999003", OnlineLevel.PARTIAL, True, d.agency)
    form = FormDefinition.objects.create(
        procedure=F, version=1, title="Tờ khai F", schema={}, ui={}, content_hash="x", source_path="f.json"
    )
    done = dict(status=10, decision="approved")
    d.dossier("o1", F, "own_portal", received=t(9, 14), due=t(9, 18), finished_at=t(9, 14, 10), **done)
    d.dossier("o2", F, "own_portal", received=t(9, 14), due=t(9, 18), finished_at=t(9, 15), **done)
    d.dossier("c1", F, "counter", received=t(9, 14), due=t(9, 15, 12), finished_at=t(9, 14, 16), **done)
    d.dossier("c2", F, "counter", received=t(9, 14), due=t(9, 15), finished_at=t(9, 16),
              supplement_count=1, **done)  # fmt: skip
    d.dossier("p1", F, "post", received=t(9, 14), due=t(9, 18), finished_at=t(9, 17), **done)
    d.dossier("n1", N, "counter", received=t(9, 14), due=t(9, 18), finished_at=t(9, 14, 9), **done)
    d.dossier("u1", N, "counter", 4, t(9, 15), t(9, 18))
    d.dossier("a1", F, "counter", received=t(8, 10), due=t(8, 20), finished_at=t(8, 12), **done)
    for name in ("o3", "o4"):
        d.dossier(name, F, "own_portal", 1, t(9, 20), None)
        d.d[name].__class__.objects.filter(pk=d.d[name].pk).update(received_at=None)
    DossierResult.objects.create(
        dossier=d.d["o1"], title="Kết quả", file="r.pdf", sha256="x", signed_by="GĐ", signed_at=t(9, 14, 10)
    )
    DueDateChange.objects.create(
        dossier=d.d["c2"], at=t(9, 15), old_due_at=t(9, 21), new_due_at=t(9, 21, 10),
        reason="Cộng thời gian tạm dừng (bổ sung hồ sơ / nghĩa vụ tài chính)",
    )  # fmt: skip
    DueDateChange.objects.create(
        dossier=d.d["c1"], at=t(9, 14, 9), old_due_at=t(9, 15), new_due_at=t(9, 16),
        reason="Xin lỗi và hẹn lại: cần thêm thời gian",
    )  # fmt: skip
    for name, level, when in (("o1", 4, t(9, 20)), ("o2", 3, t(9, 20)), ("c1", 1, t(9, 21)),
                              ("c2", 2, t(9, 22)), ("a1", 4, t(8, 13))):  # fmt: skip
        rating = Rating.objects.create(dossier=d.d[name], level=level)
        Rating.objects.filter(pk=rating.pk).update(created_at=when)
    drafts = [
        # (state, dossier, opened, submitted, seconds from sign-in, from open, prefilled, typed)
        ("submitted", "o1", t(9, 13, 20), t(9, 13, 20, 2), 120, 100, 8, 2),
        ("submitted", "o2", t(9, 13, 21), t(9, 13, 21, 5), 300, 250, 6, 4),
        ("submitted", "o3", t(9, 18, 21), t(9, 20, 7), 90_000, 89_000, 0, 10),  # > 24 h: dropped
        ("submitted", "o4", t(9, 20, 6), t(9, 20, 6, 4), 240, 200, 4, 0),
        ("abandoned", None, t(9, 20), None, None, None, None, None),
        ("open", None, t(9, 25), None, None, None, None, None),  # undecided: not counted
    ]
    for i, (state, dossier, opened, submitted, s_in, s_open, pre, typed) in enumerate(drafts):
        draft = Draft.objects.create(
            owner=d.citizen, acting_for=f"0140900000{i:02d}", definition=form, state=state,
            dossier=d.d.get(dossier), submitted_at=submitted, seconds_from_sign_in=s_in,
            seconds_from_open=s_open, fields_prefilled=pre, fields_typed=typed,
        )  # fmt: skip
        Draft.objects.filter(pk=draft.pk).update(opened_at=opened)
    return d


def measure(unit=DEPARTMENT, period="2026-09"):
    return criteria.measures(parse_period(period), unit)["measures"]


def service(m, code):
    return next(row for row in m["per_service"] if row["code"] == code)


def test_c1_interactive_forms_and_the_prefill_rate(data):
    m = measure()
    form = m["c1_interactive_form"]
    # Online services: F (full) and P (partial); only F has a current e-form → 1/2.
    assert (form["numerator"], form["denominator"], form["value"]) == (1, 2, 0.5)
    assert form["target"] == 1.0 and form["meets_target"] is False
    assert {r["code"]: r["has_form"] for r in form["per_service"]} == {"9.999001": True, "9.999003": False}
    rate = m["c1_prefill_rate"]
    # Four forms submitted in September: prefilled 8+6+0+4 = 18 of 18 + (2+4+10+0) = 34 fields.
    assert (rate["numerator"], rate["denominator"], rate["sample"]) == (18, 34, 4)
    assert rate["value"] == pytest.approx(18 / 34)


def test_c2_sign_in_to_submission_drops_long_sessions_and_gives_percentiles(data):
    m = measure()["c2_sign_in_to_submission"]
    # Kept: 120, 300, 240 (90 000 s > 24 h is dropped). Mean 220; nearest rank p50 = 2nd of
    # [120, 240, 300] = 240, p90 = ⌈2.7⌉ = 3rd = 300.
    assert (m["sample"], m["dropped_long_sessions"]) == (3, 1)
    assert (m["mean"], m["p50"], m["p90"]) == (220, 240, 300)
    assert m["from_open"]["mean"] == pytest.approx((100 + 250 + 200) / 3)
    assert (m["from_open"]["p50"], m["from_open"]["p90"]) == (200, 250)
    # 2026: under 5 minutes (300 s), an unverified target.
    assert (m["target"], m["target_basis"], m["meets_target"]) == (300, "unverified", True)
    row = service(m, "9.999001")
    assert (row["sample"], row["mean"], row["p50"]) == (3, 220, 240)


def test_c2_abandonment_counts_decided_forms_opened_in_the_period(data):
    m = measure()["c2_abandonment"]
    # Opened in September and decided: four submitted, one abandoned (the open one waits) → 1/5.
    assert (m["numerator"], m["denominator"], m["value"]) == (1, 5, 0.2)


def test_c3_online_against_counter_per_procedure_with_pauses_subtracted(data):
    m = measure()["c3_online_vs_counter"]
    f = service(m, "9.999001")
    # Online: (2 + 8) / 2 = 5 h. Counter: (6.5 + (16 − 2)) / 2 = 10.25 h. The apology is not a pause.
    assert (f["online_sample"], f["counter_sample"]) == (2, 2)
    assert (f["online_mean_hours"], f["counter_mean_hours"]) == (5, 10.25)
    assert f["reduction"] == pytest.approx(1 - 5 / 10.25)
    n = service(m, "9.999002")
    assert (n["status"], n["online_sample"], n["counter_sample"]) == ("not_enough_data", 0, 1)
    assert m["value"] == pytest.approx(1 - 5 / 10.25) and m["procedures_compared"] == 1
    assert (m["target"], m["meets_target"], m["procedures_meeting_target"]) == (0.3, True, 1)


def test_c4_satisfaction_both_ways(data):
    m = measure()
    basis = m["c4_satisfaction_766"]
    # Judged: 6 ended + u1 overdue = 7; on time 5 (c2 late, u1 overdue); complaints: c1 rated 1.
    # 1 − 2/7 − 1/7 = 4/7.
    assert (basis["numerator"], basis["denominator"], basis["overdue"], basis["complaints"]) == (4, 7, 2, 1)
    assert basis["value"] == pytest.approx(4 / 7) and basis["meets_target"] is False
    positive = m["c4_positive_ratings"]
    # Ratings given in September: 4, 3, 1, 2 → two "hài lòng" or better; a1's August rating is out.
    assert (positive["numerator"], positive["denominator"], positive["value"]) == (2, 4, 0.5)


def test_art19_shares_and_on_time(data):
    m = measure()
    # Procedures of the department: F, N, P; one is toàn trình.
    assert (m["full_online_services"]["numerator"], m["full_online_services"]["denominator"]) == (1, 3)
    # Received in September: o1 o2 c1 c2 p1 n1 u1 = 7, online o1 o2 = 2.
    assert (m["online_dossiers"]["numerator"], m["online_dossiers"]["denominator"]) == (2, 7)
    assert service(m["online_dossiers"], "9.999001")["value"] == 2 / 5
    # QĐ 766 basis: F's received dossiers are eligible (5); online and, when approved, with an
    # e-result: only o1 (o2 was approved without an e-result).
    full = m["full_online_dossiers"]
    assert (full["numerator"], full["denominator"], full["value"]) == (1, 5, 0.2)
    # Ended in September: o1 o2 c1 c2 p1 n1 = 6, on time all but c2.
    assert (m["on_time"]["numerator"], m["on_time"]["denominator"]) == (5, 6)
    proactive = m["proactive_uptake"]
    assert proactive["status"] == "na" and proactive["value"] is None and "chủ động" in proactive["reason"]


def test_below_the_minimum_sample_the_value_is_withheld(data, settings):
    settings.MOTCUA_CRITERIA_MIN_SAMPLE = 5
    m = measure()
    assert m["c2_sign_in_to_submission"]["status"] == "not_enough_data"
    assert m["c2_sign_in_to_submission"]["mean"] is None and m["c2_sign_in_to_submission"]["sample"] == 3
    ratings = m["c4_positive_ratings"]
    assert (ratings["status"], ratings["value"], ratings["denominator"]) == ("not_enough_data", None, 4)
    assert m["c3_online_vs_counter"]["status"] == "not_enough_data"
    assert m["c2_abandonment"]["value"] == 0.2  # 5 ≥ 5: exactly the minimum is enough
    assert m["online_dossiers"]["value"] == 2 / 7  # 7 received
    # Counting services is not sampling: no minimum.
    assert m["c1_interactive_form"]["value"] == 0.5


def test_zero_denominators_are_na(data):
    m = measure(period="2026-11")
    for code in ("c1_prefill_rate", "c2_sign_in_to_submission", "c2_abandonment", "c3_online_vs_counter",
                 "c4_positive_ratings", "online_dossiers", "on_time"):  # fmt: skip
        assert m[code]["status"] == "na" and m[code]["value"] is None, code
    # u1 is still unfinished and overdue in November: judged 1, below the minimum of 2.
    late = m["c4_satisfaction_766"]
    assert (late["status"], late["numerator"], late["denominator"]) == ("not_enough_data", 0, 1)
    assert m["c1_interactive_form"]["value"] == 0.5  # the catalogue does not depend on the period
    # Procedure N alone: no online service, so C1 has nothing to measure.
    n = measure(unit="procedure:9.999002")
    assert n["c1_interactive_form"]["status"] == "na" and n["c1_interactive_form"]["denominator"] == 0
    assert (n["full_online_services"]["numerator"], n["full_online_services"]["denominator"]) == (0, 1)
    assert n["on_time"]["numerator"] == 1 and n["on_time"]["denominator"] == 1  # n1


def test_the_command_prints_json_and_text_and_refuses_bad_input(data, capsys):
    call_command("criteria", "--period", "2026-09", "--unit", DEPARTMENT, "--json")
    import json

    document = json.loads(capsys.readouterr().out)
    assert document["measures"]["on_time"]["numerator"] == 5 and document["unit"]["key"] == DEPARTMENT
    call_command("criteria", "--period", "2026-09", "--unit", DEPARTMENT)
    text = capsys.readouterr().out
    assert "Tiêu chí QĐ 1565" in text and "không áp dụng" in text and "(5/6)" in text
    with pytest.raises(CommandError, match="Không đọc được kỳ"):
        call_command("criteria", "--period", "tháng chín")
    with pytest.raises(CommandError, match="Không tìm thấy đơn vị"):
        call_command("criteria", "--period", "2026-09", "--unit", "000.00.00.X")
