"""Catalog sync from the national TTHC database, driven over HTTP through the portal sandbox."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from motcua.catalog.importer import CatalogImporter, _canonical, content_changes, version_content
from motcua.catalog.models import (
    CatalogSyncRun,
    Field,
    NationalCatalogChange,
    Procedure,
    ProcedureVersion,
)
from motcua.sync.catalog_sync import from_portal_record, sync_catalog
from motcua.sync.client import PortalClient
from motcua.sync.sandbox import national_records, publish_procedure

CHANGED, ABOLISHED, NEW = "1.000426", "1.000005", "9.999001"
SNAPSHOT = ("status", "abolished_on", "current_version_id", "name", "field_id", "at_province", "at_commune")


@pytest.fixture
def national(portal, live_reference_data, settings):
    """The sandbox's national database, and the catalog put back as it was afterwards (the catalog
    tables outlive a live-server test)."""
    settings.MOTCUA_EXCHANGE_SERVICES["national_portal"]["timeout"] = (1.0, 20.0)
    national_records()  # read the shipped records once, before the first call
    versions = ProcedureVersion.objects.order_by("-id").values_list("id", flat=True).first()
    procedures = Procedure.objects.order_by("-id").values_list("id", flat=True).first()
    fields = Field.objects.order_by("-id").values_list("id", flat=True).first()
    before = {p["id"]: p for p in Procedure.objects.values("id", *SNAPSHOT)}
    yield PortalClient()
    touched = []
    for row in Procedure.objects.filter(id__lte=procedures).values("id", *SNAPSHOT):
        if row != before[row["id"]]:
            Procedure.objects.filter(pk=row["id"]).update(**{k: before[row["id"]][k] for k in SNAPSHOT})
            touched.append(row["id"])
    ProcedureVersion.objects.filter(id__gt=versions).delete()
    ProcedureVersion.objects.filter(procedure_id__in=touched).update(superseded_at=None)
    ProcedureVersion.objects.filter(procedure_id__in=touched).exclude(
        pk__in=Procedure.objects.filter(pk__in=touched).values("current_version")
    ).update(superseded_at=timezone.now())  # the versions that were superseded before stay so
    Procedure.objects.filter(id__gt=procedures).delete()
    Field.objects.filter(id__gt=fields).delete()
    CatalogImporter().link_agencies(touched)
    CatalogSyncRun.objects.all().delete()
    NationalCatalogChange.objects.all().delete()


def _since():
    return timezone.now() - timedelta(minutes=1)


def _versions(code):
    return ProcedureVersion.objects.filter(procedure__code=code).count()


def test_new_changed_and_abolished_procedures_arrive_as_versions_with_a_report(national, live_desk):
    dossier = live_desk.receive()
    old_version = dossier.procedure_version_id
    base = national_records()[CHANGED]
    documents = [
        *base["THANHPHANHOSO"],
        {"TENGIAYTO": "Bản sao giấy khai sinh", "SOBANCHINH": 0, "SOBANSAO": 1},
    ]
    answer = national.exchange.post_json(
        "dieu-khien",
        {
            "session": national.session(),
            "catalog": {
                "MATTHC": CHANGED,
                "TENTTHC": base["TENTTHC"] + " (sửa đổi)",
                "THANHPHANHOSO": documents,
            },
        },
    )
    assert answer["error_code"] == 0
    publish_procedure(ABOLISHED, {"TINHTRANG": 2, "NGAYBAIBO": "20261101000000"})
    publish_procedure(NEW, {**national_records()["1.000005"], "TENTTHC": "Thủ tục mới công bố"})

    run = sync_catalog(_since())

    assert run.outcome == CatalogSyncRun.Outcome.OK and run.errors == []
    assert run.listed == 3 and run.added == [NEW] and run.unchanged == 0
    [changed] = run.changed
    assert changed["code"] == CHANGED and changed["version"] == 2
    assert set(changed["fields"]) == {"tên thủ tục", "thành phần hồ sơ"}
    assert run.abolished == [{"code": ABOLISHED, "on": "2026-11-01"}]
    procedure = Procedure.objects.get(code=CHANGED)
    assert procedure.name.endswith("(sửa đổi)") and procedure.current_version.number == 2
    assert procedure.current_version.documents.count() == len(documents)
    old = ProcedureVersion.objects.get(pk=old_version)
    assert old.superseded_at is not None and not old.name.endswith("(sửa đổi)")
    dossier.refresh_from_db()
    assert dossier.procedure_version_id == old_version  # the dossier keeps its version
    abolished = Procedure.objects.get(code=ABOLISHED)
    assert abolished.status == Procedure.Status.ABOLISHED and str(abolished.abolished_on) == "2026-11-01"
    assert Procedure.objects.get(code=NEW).current_version.name == "Thủ tục mới công bố"
    assert CatalogSyncRun.objects.filter(pk=run.pk, dry_run=False).exists()

    again = sync_catalog(_since())
    assert (again.added, again.changed, again.abolished, again.errors) == ([], [], [], [])
    assert again.unchanged == 3
    assert _versions(CHANGED) == 2 and _versions(NEW) == 1


def test_malformed_records_are_reported_and_change_nothing_for_their_procedure(national):
    other = "1.000047" if "1.000047" in national_records() else sorted(national_records())[1]
    name = Procedure.objects.get(code=CHANGED).name
    publish_procedure(CHANGED, {"TENTTHC": "Tên mới", "THANHPHANHOSO": "không phải danh sách"})
    publish_procedure(other, {"TENTTHC": "Tên mới của thủ tục khác"})

    run = sync_catalog(_since())

    assert run.outcome == CatalogSyncRun.Outcome.PARTIAL
    assert [e["code"] for e in run.errors] == [CHANGED] and "THANHPHANHOSO" in run.errors[0]["error"]
    assert Procedure.objects.get(code=CHANGED).name == name and _versions(CHANGED) == 1
    assert [c["code"] for c in run.changed] == [other]
    assert "LỖI        1.000426: THANHPHANHOSO" in "\n".join(run.lines())
    # Fixed on the portal: the next run asks for it again and applies it.
    publish_procedure(CHANGED, {"THANHPHANHOSO": national_records()[CHANGED]["THANHPHANHOSO"]})
    fixed = sync_catalog(timezone.now())
    assert [c["code"] for c in fixed.changed] == [CHANGED] and fixed.errors == []
    assert Procedure.objects.get(code=CHANGED).name == "Tên mới"


def test_dry_run_reports_and_writes_nothing(national):
    publish_procedure(CHANGED, {"TENTTHC": "Tên thử"})
    publish_procedure(NEW, {**national_records()[CHANGED], "TENTTHC": "Thủ tục thử"})
    out = io.StringIO()
    call_command("sync", "catalog", "--since", _since().strftime("%Y-%m-%dT%H:%M"), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "CHẠY THỬ" in text and "MỚI        9.999001" in text and "THAY ĐỔI   1.000426" in text
    assert _versions(CHANGED) == 1 and not Procedure.objects.filter(code=NEW).exists()
    assert Procedure.objects.get(code=CHANGED).name != "Tên thử"
    assert CatalogSyncRun.objects.get().dry_run is True


def test_a_portal_that_is_down_fails_the_run_and_changes_nothing(national):
    from motcua.sync.sandbox import set_behaviour

    publish_procedure(CHANGED, {"TENTTHC": "Tên khi cổng lỗi"})
    set_behaviour("fail", status=503)
    run = sync_catalog(_since())
    assert run.outcome == CatalogSyncRun.Outcome.FAILED and "503" in run.message
    assert _versions(CHANGED) == 1


def test_the_shipped_records_round_trip_unchanged(reference_data):
    """What the sandbox serves, read back, is the content the import stored: a full sync changes nothing."""
    records = national_records()
    codes = sorted(records)[::25]
    current = {
        p.code: p.current_version
        for p in Procedure.objects.filter(code__in=codes).select_related("current_version")
    }
    importer = CatalogImporter()
    for code in codes:
        national = from_portal_record(records[code], code)
        data = _canonical(national.record, "dvcqg", importer.report)
        assert content_changes(version_content(current[code]), data) == [], code
    assert len(codes) > 50


def test_the_catalog_sync_runs_nightly_as_a_job():
    from motcua.core import jobs
    from motcua.sync import catalog_sync

    job = {j.name: j for j in jobs.registered()}["sync.catalog"]
    assert job.run is catalog_sync.nightly and f"{job.at:%H:%M}" == "01:30"  # each night, local time


@pytest.mark.django_db
def test_the_first_sync_starts_from_when_the_shipped_catalog_was_loaded(reference_data):
    from motcua.sync.catalog_sync import SINCE_MARGIN, default_since

    loaded = ProcedureVersion.objects.order_by("-imported_at").values_list("imported_at", flat=True).first()
    assert loaded is not None and default_since() == loaded - SINCE_MARGIN
    run = CatalogSyncRun.objects.create(started_at=loaded + timedelta(days=3), dry_run=False)
    assert default_since() == run.started_at - SINCE_MARGIN
