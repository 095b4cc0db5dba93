import gzip
import io
import json
import shutil
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command

from motcua.catalog.importer import NATIONAL_SOURCES, CatalogImporter
from motcua.catalog.models import (
    Channel,
    DocumentRequirement,
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    ProcedureVersion,
    SubmissionMethod,
    TimeUnit,
)

pytestmark = pytest.mark.django_db
CATALOG = settings.DATA_DIR / "catalog"


def _source_codes() -> set[str]:
    codes = set()
    for relpath in NATIONAL_SOURCES:
        with gzip.open(CATALOG / relpath, "rt", encoding="utf-8") as handle:
            codes |= {json.loads(line)["code"] for line in handle if line.strip()}
    return codes


def _counts() -> tuple:
    return tuple(
        m.objects.count()
        for m in (Procedure, ProcedureVersion, SubmissionMethod, DocumentRequirement, ProcedureAgency)
    )


def test_every_record_of_both_national_sources_is_in_the_catalog(reference_data):
    codes = _source_codes()
    assert len(codes) == 2642 + 207
    catalog = set(Procedure.objects.values_list("code", flat=True))
    assert codes <= catalog
    # the rest: the team's full records and the province's list-only procedures (details pending)
    rest = Procedure.objects.filter(code__in=catalog - codes)
    assert rest.exclude(details_pending=True).exclude(current_version__source="tthc-curated").count() == 0


def test_import_prints_counts_per_level_and_what_it_could_not_parse(reference_data):
    out = io.StringIO()
    call_command("import_catalog", stdout=out)
    text = out.getvalue()
    # 2,849 national records (one replaced by the team's full record) + 3 more full records
    # + 1,268 procedures known only from the province's list
    assert "Thủ tục: 4120 (0 mới, 0 có thay đổi → phiên bản mới, 4120 không đổi)" in text
    assert "Cấp tỉnh 1290" in text and "Cấp xã 675" in text and "Cấp bộ 1553" in text
    assert "Không phân tích được" in text and "thời hạn" in text


def test_import_twice_gives_the_same_rows(reference_data):
    before = _counts()
    CatalogImporter().run()
    assert _counts() == before


def test_a_procedure_is_modelled_like_the_national_database(reference_data):
    residence = Procedure.objects.get(code="1.004222")
    version = residence.current_version
    assert residence.name == "Đăng ký thường trú" and residence.at_commune and not residence.at_province
    assert residence.field.name == "Đăng ký, quản lý cư trú"
    methods = {m.channel: m for m in version.methods.all()}
    assert methods[Channel.ONLINE].fee_amounts == [10000]
    assert methods[Channel.COUNTER].fee_amounts == [20000]
    assert methods[Channel.ONLINE].time_amount == Decimal("7")
    assert methods[Channel.ONLINE].time_unit == TimeUnit.WORKING_DAYS
    assert version.documents.count() > 5
    assert any(r["code"] == "KQ.G01.000064" for r in version.results)
    assert version.steps[0].startswith("Bước 1")
    assert version.legal_basis


def test_a_bare_number_is_kept_as_text_not_given_a_unit(reference_data):
    method = SubmissionMethod.objects.filter(processing_time_text="120").first()
    assert method is not None
    assert method.time_amount is None and method.time_unit == TimeUnit.UNKNOWN


def test_online_level_comes_from_the_provincial_catalogues(reference_data):
    full = Procedure.objects.filter(online_level=OnlineLevel.FULL)
    assert full.count() > 100
    assert all(p.online_level_source for p in full[:20])
    assert Procedure.objects.filter(online_level=OnlineLevel.PARTIAL).exists()


def test_procedures_are_linked_to_the_agencies_that_carry_them_out(reference_data):
    residence = Procedure.objects.get(code="1.004222")  # done by the commune police
    kinds = set(residence.agency_links.values_list("agency__kind", "role"))
    assert ("commune_police", "implementing") in kinds and ("commune_center", "receiving") in kinds
    justice = Procedure.objects.filter(
        at_province=True, current_version__implementing_agency__icontains="Sở Tư pháp"
    )
    procedure = justice.first()
    assert procedure.agencies.filter(code="000.00.04.H52").exists()


def test_a_changed_record_becomes_a_new_version_and_keeps_the_old(reference_data, tmp_path):
    data = tmp_path / "catalog"
    shutil.copytree(CATALOG, data)
    path = data / "tthc-national" / "procedures.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    for record in records:
        if record["code"] == "1.004222":
            record["submission_methods"][0]["fee"] = "15,000 Việt Nam Đồng"
            record["submission_methods"][0]["fee_vnd"] = [15000]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)

    report = CatalogImporter(data).run()
    assert (report.created, report.changed) == (0, 1)
    residence = Procedure.objects.get(code="1.004222")
    versions = list(residence.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].superseded_at is not None and residence.current_version == versions[1]
    old_fee = versions[0].methods.get(channel=Channel.ONLINE).fee_amounts
    new_fee = versions[1].methods.get(channel=Channel.ONLINE).fee_amounts
    assert (old_fee, new_fee) == ([10000], [15000])
    assert CatalogImporter(data).run().changed == 0  # and again: nothing new


def test_a_reimport_keeps_the_online_level_an_administrator_decided(reference_data):
    procedure = Procedure.objects.get(code="1.004222")
    procedure.online_level = OnlineLevel.FULL
    procedure.online_level_source = "quản trị: quantri"
    procedure.save()
    CatalogImporter().run()
    procedure.refresh_from_db()
    assert (procedure.online_level, procedure.online_level_source) == (OnlineLevel.FULL, "quản trị: quantri")
