"""The national-portal port: sandbox records, record validation, idempotent pulls, failures."""

import copy
import re
import time
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from motcua.dossiers.models import Channel, Dossier, Status
from motcua.sync.models import PullRun
from motcua.sync.portal import (
    NationalPortal,
    PortalUnavailable,
    RecordRejected,
    SandboxPortal,
    parse_record,
    pull_new_dossiers,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=VN)
pytestmark = pytest.mark.django_db


class ListPortal:
    """A portal that returns the records it was given (to send malformed ones)."""

    def __init__(self, records):
        self.records = records

    def fetch_new_dossiers(self, since):
        return copy.deepcopy(self.records)


@pytest.fixture
def records(reference_data):
    return SandboxPortal(7, count=12, now=NOW).fetch_new_dossiers(None)


def test_sandbox_records_are_deterministic_realistic_and_valid(records):
    again = SandboxPortal(7, count=12, now=NOW).fetch_new_dossiers(None)
    assert again == records
    assert SandboxPortal(8, count=12, now=NOW).fetch_new_dossiers(None) != records
    assert isinstance(SandboxPortal(7), NationalPortal)
    for raw in records:
        assert re.fullmatch(r"G22\.14-\d{6}-\d{6}", raw["MaHoSo"])
        assert raw["KenhThucHien"] == 2 and re.fullmatch(r"\d{14}", raw["NgayNopHoSo"])
        assert "20260301100000" <= raw["NgayNopHoSo"] < "20260302100000"  # the 24 h window
        if raw["LoaiDoiTuong"] == 1:
            assert re.fullmatch(r"\d{12}", raw["SoGiayToChuHoSo"])
            assert len(raw["ChuHoSo"].split()) >= 3
        assert re.fullmatch(r"0[35789]\d{8}", raw["SoDienThoai"])
        submission = parse_record(raw)
        assert submission.national_code == raw["MaHoSo"]
        assert submission.agency_code == raw["NoiNopHoSo"]
        assert submission.submitted_at.strftime("%Y%m%d%H%M%S") == raw["NgayNopHoSo"]
        assert len(submission.papers) == len(raw["TaiLieuNop"])
    # Most personal ID numbers were issued in Sơn La (old province code 014).
    ids = [r["SoGiayToChuHoSo"] for r in records if r["LoaiDoiTuong"] == 1]
    assert ids and sum(i.startswith("014") for i in ids) >= len(ids) / 2


def test_the_sandbox_can_be_limited_to_agencies(reference_data):
    centre = "000.00.30.H52"
    records = SandboxPortal(3, [centre], count=5, now=NOW).fetch_new_dossiers(None)
    assert {r["NoiNopHoSo"] for r in records} == {centre}


MALFORMED = [
    ("NgayNopHoSo", "2026-03-01 09:15"),
    ("NgayNopHoSo", "20260231091500"),
    ("SoGiayToChuHoSo", "01409000123"),  # 11 digits
    ("SoGiayToChuHoSo", "999090001234"),  # no such birth province
    ("MaTTHC", "9.999999"),
    ("NoiNopHoSo", "000.00.99.H52"),
    ("KenhThucHien", 1),
    ("KenhThucHien", 7),
    ("MaHoSo", None),
    ("Email", "khong-phai-email"),
    ("SoDienThoai", "12345"),
    ("LoaiDoiTuong", 3),
]


@pytest.mark.parametrize(("field", "value"), MALFORMED)
def test_malformed_records_are_rejected_with_the_field_named(records, field, value):
    raw = copy.deepcopy(next(r for r in records if r["LoaiDoiTuong"] == 1))
    if value is None:
        del raw[field]
    else:
        raw[field] = value
    with pytest.raises(RecordRejected) as caught:
        parse_record(raw)
    assert caught.value.field == field
    assert caught.value.message.startswith(f"{field}: ")
    before = Dossier.objects.count()
    report = pull_new_dossiers(ListPortal([raw]))
    assert report.created == [] and report.duplicates == []
    assert [r.field for r in report.rejected] == [field]
    assert Dossier.objects.count() == before


def test_a_bad_record_does_not_stop_the_good_ones(records):
    bad = copy.deepcopy(records[0])
    bad["NgayNopHoSo"] = "hôm qua"
    report = pull_new_dossiers(ListPortal([bad, *records[1:4]]))
    assert len(report.created) == 3 and len(report.rejected) == 1
    assert report.rejected[0].national_code == bad["MaHoSo"]
    assert "NgayNopHoSo" in report.lines()[1]


def test_pulling_the_same_batch_twice_creates_each_dossier_once(records):
    portal = ListPortal(records[:6] + records[:1])  # the portal even repeats one in the batch
    first = pull_new_dossiers(portal)
    assert len(first.created) == 6 and first.duplicates == [records[0]["MaHoSo"]]
    second = pull_new_dossiers(portal)
    assert second.created == [] and len(second.duplicates) == 7
    for raw in records[:6]:
        dossier = Dossier.objects.get(national_code=raw["MaHoSo"])
        assert dossier.code == raw["MaHoSo"]  # the national code is kept, never replaced
        assert dossier.status == Status.NEW and dossier.channel == Channel.NATIONAL_PORTAL
        assert dossier.receiving_agency.code == raw["NoiNopHoSo"]
        assert dossier.reply_due_at is not None
        assert dossier.applicant_id_number == raw["SoGiayToChuHoSo"]
        assert dossier.documents.count() == len(raw["TaiLieuNop"])
    assert Dossier.objects.filter(national_code__in=[r["MaHoSo"] for r in records]).count() == 6


def test_a_failing_portal_raises_a_clear_error_and_creates_nothing(reference_data):
    before = Dossier.objects.count()
    with pytest.raises(PortalUnavailable, match="Cổng DVC quốc gia"):
        pull_new_dossiers(SandboxPortal(1, fail=True))
    assert Dossier.objects.count() == before
    assert pull_new_dossiers(SandboxPortal(1, empty=True)).fetched == 0


def test_a_slow_portal_is_slow(reference_data):
    started = time.perf_counter()
    report = pull_new_dossiers(SandboxPortal(2, count=1, delay=0.2, now=NOW))
    assert time.perf_counter() - started >= 0.2 and len(report.created) == 1


def test_the_command_pulls_and_reports(reference_data, monkeypatch):
    from django.utils import timezone

    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)  # both pulls in the same sandbox hour
    out = StringIO()
    call_command("sync", "pull", "--count", "3", "--seed", "5", stdout=out)
    assert "created=3 duplicates=0 rejected=0" in out.getvalue()
    out = StringIO()
    call_command("sync", "pull", "--count", "3", "--seed", "5", "--all", stdout=out)
    assert "created=0 duplicates=3 rejected=0" in out.getvalue()
    assert PullRun.objects.count() == 2


def test_the_command_fails_cleanly_when_the_portal_is_down(reference_data, settings):
    from django.core.management.base import CommandError

    settings.MOTCUA_NATIONAL_PORTAL = "motcua.sync.tests.test_portal.DownPortal"
    with pytest.raises(CommandError, match="Cổng DVC quốc gia"):
        call_command("sync", "pull")
    assert PullRun.objects.count() == 0


class DownPortal:
    def fetch_new_dossiers(self, since):
        raise ConnectionError("hết thời gian chờ")
