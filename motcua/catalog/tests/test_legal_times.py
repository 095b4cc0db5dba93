"""Issue 13 item 3: the legal-time table, the bare-number rule, the import report (ADR 0029)."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from motcua.catalog import legaltimes
from motcua.catalog.models import LegalTime, Procedure, ProcedureVersion, SubmissionMethod
from motcua.dossiers import deadlines

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
EFORM_CODES = [
    "1.000656", "1.000894", "1.001193", "1.001612", "1.004222",
    "1.004873", "2.000635", "2.000986", "3.000333",
]  # fmt: skip


def version_of(code: str) -> ProcedureVersion:
    return Procedure.objects.get(code=code).current_version


def test_every_e_form_procedure_has_a_legal_time_with_its_basis(reference_data):
    from motcua.eforms.models import FormDefinition

    with_forms = set(FormDefinition.objects.values_list("procedure__code", flat=True))
    assert with_forms  # load_forms ran (reference data)
    for code in with_forms | set(EFORM_CODES):
        for channel in ("online", "counter"):
            resolved = legaltimes.resolve(version_of(code), channel)
            assert resolved.known, (code, channel)
        row = LegalTime.objects.get(procedure__code=code)
        assert row.legal_basis and row.source and row.set_by == legaltimes.SHIPPED_BY


def test_birth_registration_is_the_same_day_and_after_15h_the_next_working_day(reference_data):
    version = version_of("1.001193")
    assert [m.processing_time_text for m in version.methods.all()] == ["1", "1", "1"]  # no unit printed
    amount, unit = deadlines.legal_time(version, "counter")
    assert (amount, unit) == (0, "same_day")
    monday_10 = datetime(2026, 3, 2, 10, 0, tzinfo=VN)
    monday_1530 = datetime(2026, 3, 2, 15, 30, tzinfo=VN)
    friday_16 = datetime(2026, 3, 6, 16, 0, tzinfo=VN)

    def due_day(received):
        return timezone.localtime(deadlines.compute_due(received, amount, unit).due_at, VN).day

    assert due_day(monday_10) == 2  # the same day
    assert due_day(monday_1530) == 3  # after 15:00: the next working day
    assert due_day(friday_16) == 9  # … which is Monday


def test_the_table_wins_over_the_record_and_is_per_channel(reference_data):
    version = version_of("2.000986")  # the record still prints the pre-NĐ 63/2024 "20 Ngày"
    assert legaltimes.resolve(version, "counter") == legaltimes.Resolved(
        Decimal(3), "working_days", legaltimes.TABLE, legaltimes.resolve(version, "counter").basis
    )
    assert "63/2024" in legaltimes.resolve(version, "counter").basis
    LegalTime.objects.create(
        procedure=version.procedure, channel="online", amount=1, unit="working_days",
        legal_basis="Quyết định thử của UBND tỉnh", set_by="Quản trị viên",
    )  # fmt: skip
    assert legaltimes.resolve(version, "online").amount == 1
    assert legaltimes.resolve(version, "counter").amount == 3


def _bare(code: str, text: str, steps: list[str]) -> ProcedureVersion:
    procedure = Procedure.objects.create(code=code, name="Thủ tục thử")
    version = ProcedureVersion.objects.create(
        procedure=procedure, number=1, content_hash=code, name="Thủ tục thử", steps=steps, source="test",
        imported_at=timezone.now(),
    )  # fmt: skip
    SubmissionMethod.objects.create(version=version, channel="counter", processing_time_text=text)
    procedure.current_version = version
    procedure.save()
    return version


def test_a_bare_number_is_read_only_when_the_record_says_its_unit(db, settings):
    said = _bare("9.000001", "3", ["Trong thời hạn 03 ngày làm việc kể từ ngày nhận đủ hồ sơ, cơ quan cấp."])
    silent = _bare("9.000002", "3", ["Cơ quan xem xét và trả kết quả."])
    other_n = _bare("9.000003", "1", ["Trong thời hạn 03 ngày làm việc kể từ ngày nhận hồ sơ."])
    both = _bare("9.000004", "5", ["trong thời hạn 05 ngày kể từ ngày nhận", "trong 05 ngày làm việc kể từ"])
    resolved = legaltimes.resolve(said, "counter")
    assert (resolved.amount, resolved.unit, resolved.origin) == (3, "working_days", legaltimes.BARE_RULE)
    assert not legaltimes.resolve(silent, "counter").known  # never guessed
    assert not legaltimes.resolve(other_n, "counter").known  # the text's 03 is not this 1
    assert not legaltimes.resolve(both, "counter").known  # two units for 5: no guess
    settings.MOTCUA_BARE_NUMBER_RULE = "off"
    assert not legaltimes.resolve(said, "counter").known
    assert deadlines.legal_time(said, "counter") == (None, "")
    settings.MOTCUA_BARE_NUMBER_RULE = "maybe"
    with pytest.raises(ValueError, match="MOTCUA_BARE_NUMBER_RULE"):
        legaltimes.resolve(said, "counter")


def test_a_reload_keeps_what_an_administrator_set(reference_data):
    row = LegalTime.objects.get(procedure__code="1.004873")
    row.amount, row.set_by = 2, "Nguyễn Văn Quản Trị"
    row.save()
    report = legaltimes.load()
    assert report.kept_admin == 1 and report.created == 0
    row.refresh_from_db()
    assert row.amount == 2


def test_a_bad_row_in_the_file_is_refused_and_changes_nothing(reference_data, tmp_path):
    folder = tmp_path / "legal-times"
    folder.mkdir()
    (folder / "legal-times.csv").write_text(
        "code,channel,amount,unit,legal_basis,source,note\n"
        "1.004873,,4,working_days,NĐ thử,,\n"
        "1.001193,,2,same_day,Luật thử,,\n",
        encoding="utf-8",
    )
    with pytest.raises(legaltimes.LegalTimeFileError, match="dòng 3"):
        legaltimes.load(tmp_path)
    assert LegalTime.objects.get(procedure__code="1.004873").amount == 3


def test_the_import_report_lists_every_procedure_still_without_a_time(reference_data, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("import_catalog", stdout=out)
    text = out.getvalue()
    path = tmp_path / "catalog" / "procedures-without-legal-time.csv"
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    missing = legaltimes.procedures_without_time()
    assert len(rows) == len(missing) > 0
    assert f"Thủ tục chưa có thời hạn luật định: {len(rows)}" in text
    codes = {r["code"] for r in rows}
    assert "1.001193" not in codes and "1.004873" not in codes  # filled by the table
    assert "9.999999" not in codes
    # a listed procedure really has no time on any channel
    sample = Procedure.objects.get(code=rows[0]["code"]).current_version
    assert not any(legaltimes.resolve(sample, m.channel).known for m in sample.methods.all())
    # with the rule off, the bare numbers the text confirms come back on the list
    settings.MOTCUA_BARE_NUMBER_RULE = "off"
    assert len(legaltimes.procedures_without_time()) > len(missing)


def test_an_administrator_changes_a_time_in_the_admin_and_is_recorded_as_its_author(
    reference_data, admin_client, admin_user
):
    from django.urls import reverse

    from motcua.audit.models import AuditEntry

    row = LegalTime.objects.get(procedure__code="1.004873")
    url = reverse("admin:catalog_legaltime_change", args=[row.pk])
    assert admin_client.get(reverse("admin:catalog_legaltime_changelist") + "?q=1.004873").status_code == 200
    form = {
        "procedure": row.procedure_id, "channel": "", "amount": "0", "unit": "working_days",
        "legal_basis": "NĐ 123/2015/NĐ-CP Điều 22", "source": row.source, "note": "",
    }  # fmt: skip
    page = admin_client.post(url, form)
    assert page.status_code == 200 and "Thời hạn phải lớn hơn 0" in page.content.decode()  # refused
    row.refresh_from_db()
    assert row.amount == 3
    response = admin_client.post(url, {**form, "amount": "2"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.amount == 2 and row.set_by != legaltimes.SHIPPED_BY
    assert AuditEntry.objects.filter(object_id=str(row.pk)).exists()
    assert legaltimes.load().kept_admin == 1  # a reload keeps the administrator's value
    row.refresh_from_db()
    assert row.amount == 2
