"""The transfer step (tiếp nhận, chuyển hồ sơ) is due by NĐ 61/2018 Art 18, anchored at receipt:
the same working day, or the opening of the next working day when received after the cut-off."""

from datetime import datetime

import pytest

from motcua.dossiers import deadlines

from .conftest import VN

pytestmark = pytest.mark.django_db


def transfer_step(dossier):
    return dossier.steps.get(position=1)


@pytest.mark.parametrize(
    "received, due",
    [
        ((2026, 3, 4, 14, 30), (2026, 3, 4, 17, 0)),  # Wednesday before 15:00: the same day
        ((2026, 3, 4, 15, 0), (2026, 3, 4, 17, 0)),  # at the cut-off itself: still the same day
        ((2026, 3, 4, 15, 30), (2026, 3, 5, 7, 30)),  # after 15:00: opening of the next working day
        ((2026, 3, 6, 16, 0), (2026, 3, 9, 7, 30)),  # Friday 16:00 → Monday's opening
        ((2026, 3, 7, 10, 0), (2026, 3, 9, 7, 30)),  # received on a Saturday → Monday's opening
    ],
)
def test_a_paper_dossier_is_due_for_transfer_the_same_day_or_the_next_morning(
    make_dossier, clock, received, due
):
    clock.set(*received)
    dossier = make_dossier()
    step = transfer_step(dossier)
    assert step.due_at == datetime(*due, tzinfo=VN)
    assert step.share_hours == 0  # it takes no share of the legal time


def test_the_transfer_step_no_longer_takes_a_share_of_the_legal_time(make_dossier, clock):
    # Monday 09:00, 5 working days (40 h). Before: the transfer step had 4 h and was due Tuesday.
    dossier = make_dossier()
    assert transfer_step(dossier).due_at == datetime(2026, 3, 2, 17, 0, tzinfo=VN)
    shares = list(dossier.steps.order_by("position").values_list("share_hours", flat=True))
    assert sum(shares) == 40 and shares[0] == 0
    # The other steps split the whole legal time and the last one ends at the appointment.
    assert dossier.steps.get(position=4).due_at == dossier.due_at


def test_the_cut_off_is_a_setting(make_dossier, clock, settings):
    settings.MOTCUA_TRANSFER_CUTOFF = "14:00"
    clock.set(2026, 3, 4, 14, 30)
    assert transfer_step(make_dossier()).due_at == datetime(2026, 3, 5, 7, 30, tzinfo=VN)


def test_a_holiday_is_skipped(reference_data):
    # 30/4 and 1/5/2026 are public holidays (Thursday, Friday): received Wednesday 29/4 at 16:00.
    assert deadlines.transfer_due(datetime(2026, 4, 29, 16, 0, tzinfo=VN)) == datetime(
        2026, 5, 4, 7, 30, tzinfo=VN
    )
