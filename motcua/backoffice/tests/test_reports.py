"""Report downloads: the dashboards' scope (province monitors: any unit; heads and other monitors:
their own unit; others 403), the figures of the index, an audit entry per download."""

import io

import pytest
from openpyxl import load_workbook

from motcua.audit.models import AuditEntry
from motcua.insights import services

from .conftest import CENTER, FINANCE, JUSTICE, Role, officer

pytestmark = pytest.mark.django_db
PERIOD = "2026-03"
XLSX = "/can-bo/giam-sat/bao-cao.xlsx"
PDF = "/can-bo/giam-sat/bao-cao.pdf"


@pytest.fixture
def march(make_dossier):
    make_dossier()  # received at the centre on 2 March 2026, handled by the Department of Justice
    make_dossier()


def _total(response) -> float:
    workbook = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    rows = {row[1]: row for row in workbook["Tổng hợp"].iter_rows(min_row=5, values_only=True)}
    return rows["Tổng điểm"][2]


def test_province_monitor_downloads_any_unit(as_user, march):
    monitor = officer("giam_sat_tinh", (CENTER, Role.MONITOR))
    client = as_user(monitor)
    response = client.get(XLSX, {"ky": PERIOD})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and "province" in response["Content-Disposition"]
    assert _total(response) == services.report(PERIOD)["total"]
    response = client.get(XLSX, {"ky": PERIOD, "don_vi": JUSTICE})
    assert response.status_code == 200
    assert _total(response) == services.report(PERIOD, JUSTICE)["total"]
    assert services.report(PERIOD, JUSTICE)["counts"]["received"] == 2
    entry = AuditEntry.objects.filter(action="insights.report.download").latest("sequence")
    assert (
        entry.actor_id == monitor.pk
        and entry.data["unit"]["key"] == JUSTICE
        and entry.data["format"] == "xlsx"
    )


def test_head_gets_their_own_agency_only(as_user, march):
    client = as_user(officer("truong_phong_tp", (JUSTICE, Role.UNIT_HEAD)))
    response = client.get(XLSX, {"ky": PERIOD})  # default: their unit
    assert response.status_code == 200
    assert JUSTICE in response["Content-Disposition"]
    assert client.get(XLSX, {"ky": PERIOD, "don_vi": "province"}).status_code == 403
    assert client.get(XLSX, {"ky": PERIOD, "don_vi": FINANCE}).status_code == 403
    assert client.get(PDF, {"ky": PERIOD, "don_vi": FINANCE}).status_code == 403


def test_department_monitor_is_not_province_wide(as_user):
    client = as_user(officer("giam_sat_so", (FINANCE, Role.MONITOR)))
    assert client.get(XLSX, {"ky": PERIOD, "don_vi": FINANCE}).status_code == 200
    assert client.get(XLSX, {"ky": PERIOD, "don_vi": "province"}).status_code == 403


@pytest.mark.parametrize("role", [Role.SPECIALIST, Role.RECEPTION, Role.ADMIN])
def test_other_officers_get_403_and_nothing_is_audited(as_user, role):
    client = as_user(officer(f"can_bo_{role}", (JUSTICE, role)))
    before = AuditEntry.objects.filter(action="insights.report.download").count()
    response = client.get(XLSX, {"ky": PERIOD, "don_vi": JUSTICE})
    assert response.status_code == 403
    assert "giám sát" in response.content.decode()
    assert AuditEntry.objects.filter(action="insights.report.download").count() == before


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(XLSX, {"ky": PERIOD})
    assert response.status_code == 302 and "/can-bo/dang-nhap/" in response["Location"]


def test_bad_period_is_a_clear_error(as_user):
    client = as_user(officer("giam_sat_tinh", (CENTER, Role.MONITOR)))
    response = client.get(XLSX, {"ky": "tháng ba"})
    assert response.status_code == 400
    assert "Không đọc được kỳ đánh giá" in response.content.decode()
    response = client.get(XLSX, {"ky": PERIOD, "don_vi": "000.00.00.XXX"})
    assert response.status_code == 400 and "Không tìm thấy đơn vị" in response.content.decode()


def test_pdf_is_signed_by_the_officer(as_user, march, settings, tmp_path):
    from motcua.core.signing import verify_pdf

    settings.VAR_DIR = tmp_path / "var"
    settings.MOTCUA_SIGNER = "sandbox"
    settings.MOTCUA_TRUSTED_CA_FILES = []
    settings.MOTCUA_TRUST_SANDBOX_CA = True
    client = as_user(officer("giam_sat_tinh", (CENTER, Role.MONITOR)))
    response = client.get(PDF, {"ky": PERIOD, "don_vi": JUSTICE})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    verification = verify_pdf(response.content)
    assert verification.valid, verification.message
    entry = AuditEntry.objects.filter(action="insights.report.download").latest("sequence")
    assert entry.data["format"] == "pdf" and entry.data["signed"] is True
