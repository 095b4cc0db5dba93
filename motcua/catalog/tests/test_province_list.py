"""Issue 13 item 19: every procedure of the deployment province's list is in the catalog."""

import io
import json
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command

from motcua.catalog.importer import CatalogImporter
from motcua.catalog.models import Channel, OnlineLevel, Procedure, ProvincialListing, TimeUnit
from motcua.catalog.province_list import deployment_lists, repair_base_code
from motcua.catalog.search import search_procedures

pytestmark = pytest.mark.django_db
CATALOG = settings.DATA_DIR / "catalog"
LANG_SON = "lang-son-2025-04"


def test_the_demo_province_uses_a_shipped_list_and_none_turns_it_off(settings):
    assert settings.MOTCUA_PROVINCE_CODE == "14" and deployment_lists() == [LANG_SON]
    settings.MOTCUA_PROVINCE_LISTS = ["none"]
    assert deployment_lists() == []


def test_a_code_that_lost_its_dot_gets_its_national_code_back():
    assert repair_base_code("2000027.000.00.00.H37", "") == "2.000027"
    assert repair_base_code("2.001958000.00.00.H37", "2.001958000") == "2.001958"
    assert repair_base_code("CCCX_01", "") == ""


def test_every_row_of_the_province_list_is_in_the_catalog(reference_data):
    out = io.StringIO()
    call_command("catalog_coverage", "--list", LANG_SON, stdout=out)
    line = out.getvalue()
    # 1,842 rows less the portal's two test rows; the 1,802 with a national code (5 of them had
    # lost a dot) are all in, 519 with a full record (514 before this change, plus the team's).
    assert (
        "1802 dòng có mã quốc gia: 1802 có trong danh mục (519 đầy đủ, 1283 đang cập nhật), 0 chưa có" in line
    )
    assert "Tất cả 1840 dòng: 1840 có, 0 chưa có" in line
    listed = ProvincialListing.objects.filter(source=LANG_SON)
    assert listed.count() == 1770 and not listed.filter(catalog_code="").exists()


def test_a_procedure_known_only_from_the_list_is_marked_and_carries_what_is_known(reference_data):
    procedure = Procedure.objects.select_related("current_version", "field").get(code="2.000744")
    version = procedure.current_version
    assert procedure.details_pending and procedure.status == Procedure.Status.IN_FORCE
    assert procedure.name == "Trợ giúp xã hội khẩn cấp về hỗ trợ chi phí mai táng"
    assert procedure.field.name == "Bảo trợ xã hội"
    assert (procedure.online_level, procedure.online_level_source) == (
        OnlineLevel.FULL,
        f"{LANG_SON}: Toàn trình",
    )
    assert version.decision_no == "816/QĐ-UBND" and version.source == f"danh-muc-tinh/{LANG_SON}"
    assert version.source_url.endswith("ma_thu_tuc=2.000744")
    assert not version.methods.exists() and not version.documents.exists()
    assert not procedure.agency_links.exists()  # its agency comes with the details
    # "Hộ Tịch" in the list is the catalog's "Hộ tịch"; "[SVH] - Văn hóa cơ sở" is "Văn hóa cơ sở"
    assert not Procedure.objects.filter(field__name="Hộ Tịch").exists()
    karaoke_district = Procedure.objects.get(code="1.000903")
    assert karaoke_district.at_commune and not karaoke_district.at_province  # "cấp huyện" → xã
    vu_truong = Procedure.objects.get(code="1.001008")
    assert vu_truong.field.name == "Văn hóa cơ sở" and vu_truong.at_province


def test_the_procedure_page_says_the_details_are_coming_and_links_the_national_page(reference_data, client):
    page = client.get("/thu-tuc/2.000744/").content.decode()
    assert "Thông tin chi tiết đang được cập nhật" in page
    assert (
        'href="https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc=2.000744"'
        in page
    )
    full = client.get("/thu-tuc/1.001731/").content.decode()
    assert "Thông tin chi tiết đang được cập nhật" not in full


def test_the_bundle_procedures_have_full_records_with_their_sources(reference_data):
    for code, days in [("1.001731", 5), ("2.000821", 8), ("1.010824", 17), ("1.001029", 5)]:
        procedure = Procedure.objects.select_related("current_version").get(code=code)
        version = procedure.current_version
        assert not procedure.details_pending and version.source == "tthc-curated", code
        assert version.documents.count() >= 2 and version.legal_basis and version.steps, code
        online = version.methods.get(channel=Channel.ONLINE)
        assert (online.time_amount, online.time_unit) == (days, TimeUnit.WORKING_DAYS), code
    karaoke = Procedure.objects.get(code="1.001029").current_version.methods.get(channel=Channel.COUNTER)
    assert karaoke.fee_amounts == [2000000, 3000000, 4000000, 6000000, 12000000]
    with open(CATALOG / "tthc-curated" / "procedures.jsonl", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    assert all(r["sources"] and r["legal_basis"] for r in records)
    # The security-and-order certificate and the deletion of permanent residence are complete
    # in the national data already.
    for code in ["2.001478", "1.003197"]:
        version = Procedure.objects.get(code=code).current_version
        assert version.documents.exists() and version.methods.exists()


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("karaoke", "1.001029"),
        ("giấy phép karaoke", "1.001029"),
        ("hỗ trợ chi phí mai táng", "1.001731"),
        ("ho tro chi phi mai tang", "1.001731"),
        ("chế độ tử tuất", "2.000821"),
        ("trợ giúp xã hội khẩn cấp mai táng", "2.000744"),  # a list-only procedure is found too
    ],
)
def test_search_finds_the_bundle_procedures(reference_data, query, first):
    assert search_procedures(query, limit=3)[0].code == first


def test_the_report_counts_and_lists_codes_without_record(reference_data):
    report = CatalogImporter().run()
    (lang_son,) = report.province_lists
    assert (lang_son.rows, lang_son.codes) == (1840, 1754)
    assert (lang_son.detailed_codes, lang_son.pending_codes, lang_son.pending_created) == (486, 1268, 0)
    assert report.created == 0 and report.changed == 0  # a second import adds nothing
    text = "\n".join(report.lines())
    # a list code with no record whose name a record of another code has: reported, not applied
    assert "CÙNG TÊN  1.001071 ~ 1.013807" in text
    assert Procedure.objects.get(code="1.001071").details_pending


def test_a_list_code_a_record_says_is_replaced_goes_to_the_new_code(reference_data, tmp_path):
    data = tmp_path / "catalog"
    shutil.copytree(CATALOG, data)
    record = {
        "code": "1.099001",
        "name": "Cấp giấy phép đủ điều kiện kinh doanh dịch vụ karaoke (cấp xã)",
        "levels": ["Cấp xã"],
        "field": "Văn hóa cơ sở",
        "replaces": ["1.000903"],
        "replaces_source": "QĐ công bố (thử nghiệm)",
    }
    with open(data / "tthc-curated" / "procedures.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    report = CatalogImporter(data).run()
    (lang_son,) = report.province_lists
    assert ("1.000903", "1.099001", "QĐ công bố (thử nghiệm)") in lang_son.replaced
    assert "THAY MÃ   1.000903 → 1.099001" in "\n".join(report.lines())
    new = Procedure.objects.get(code="1.099001")
    assert new.replaced_codes == ["1.000903"] and not new.details_pending
    assert new.online_level == OnlineLevel.PARTIAL  # the old code's row in the list
    assert ProvincialListing.objects.get(source=LANG_SON, base_code="1.000903").catalog_code == "1.099001"
    assert Procedure.objects.get(code="1.000903").status == Procedure.Status.EXPIRED


def test_the_catalog_sync_completes_a_list_only_procedure(reference_data):
    importer = CatalogImporter()
    record = {
        "code": "2.000744",
        "name": "Trợ giúp xã hội khẩn cấp về hỗ trợ chi phí mai táng",
        "levels": ["Cấp xã"],
        "field": "Bảo trợ xã hội",
        "submission_methods": [
            {"channel": "Trực tuyến", "processing_time": "2 Ngày làm việc", "fee": "Miễn phí"}
        ],
        "documents": [{"name": "Tờ khai đề nghị hỗ trợ chi phí mai táng", "copies_original": 1}],
    }
    outcome, procedure, changes = importer.apply_record(record, "dvcqg-csdl-tthc")
    assert outcome == "changed" and "thành phần hồ sơ" in changes
    procedure.refresh_from_db()
    assert not procedure.details_pending and procedure.current_version.number == 2
    # and the next import does not put the list-only version back
    CatalogImporter().run()
    procedure.refresh_from_db()
    assert not procedure.details_pending and procedure.current_version.number == 2


COMPLETION = {
    "name": "Trợ giúp xã hội khẩn cấp về hỗ trợ chi phí mai táng",
    "field_name": "Bảo trợ xã hội",
    "levels": ["commune"],
    "implementing_agency": "Ủy ban nhân dân cấp xã",
    "steps": "Nộp tờ khai tại Bộ phận một cửa cấp xã\nChủ tịch UBND cấp xã quyết định hỗ trợ",
    "documents": "Tờ khai đề nghị hỗ trợ chi phí mai táng | 1 | 0\nTrích lục khai tử | 0 | 1",
    "result": "Quyết định hỗ trợ chi phí mai táng",
    "legal_basis": "20/2021/NĐ-CP | Nghị định quy định chính sách trợ giúp xã hội",
    "online_time": "2 ngày làm việc",
    "online_fee": "Miễn phí",
    "counter_time": "2 ngày làm việc",
    "counter_fee": "Miễn phí",
}


def test_an_administrator_completes_a_list_only_procedure_in_the_admin(reference_data, admin_client):
    from django.urls import reverse

    from motcua.audit.models import AuditEntry

    procedure = Procedure.objects.get(code="2.000744")
    url = reverse("admin:catalog_procedure_complete", args=[procedure.pk])
    change_page = admin_client.get(reverse("admin:catalog_procedure_change", args=[procedure.pk]))
    assert url in change_page.content.decode()
    form_page = admin_client.get(url)
    assert form_page.status_code == 200 and COMPLETION["name"] in form_page.content.decode()

    bad = admin_client.post(url, {**COMPLETION, "online_time": "sớm", "documents": "Tờ khai | một | 0"})
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "Ghi thời hạn có số và đơn vị" in text and "Dòng 1: ghi" in text
    procedure.refresh_from_db()
    assert procedure.details_pending and procedure.current_version.number == 1  # nothing changed

    assert admin_client.post(url, COMPLETION).status_code == 302
    procedure.refresh_from_db()
    version = procedure.current_version
    assert not procedure.details_pending and version.number == 2 and version.source == "quản trị: admin"
    assert version.steps[0].startswith("Bước 1: Nộp tờ khai")
    assert [(d.name, d.originals, d.copies) for d in version.documents.all()] == [
        ("Tờ khai đề nghị hỗ trợ chi phí mai táng", 1, 0),
        ("Trích lục khai tử", 0, 1),
    ]
    online = version.methods.get(channel=Channel.ONLINE)
    assert (online.time_amount, online.time_unit, online.fee_status) == (2, TimeUnit.WORKING_DAYS, "free")
    assert procedure.agency_links.filter(agency__kind="commune_committee").exists()
    assert AuditEntry.objects.filter(
        action="catalog.procedure.completed", object_id=str(procedure.pk)
    ).exists()
    # the next import keeps what the administrator wrote
    CatalogImporter().run()
    procedure.refresh_from_db()
    assert not procedure.details_pending and procedure.current_version.number == 2
