"""The message log screen (/can-bo/trao-doi/): administrators only, filters, masked bodies, audited reads."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from motcua.audit.models import AuditEntry
from motcua.exchange.models import MessageLog
from motcua.people.models import OfficerRole

from .conftest import CENTER, officer

pytestmark = pytest.mark.django_db
Role = OfficerRole.Role
DOSSIER = "000.00.30.H52-261120-0007"


@pytest.fixture
def log(reference_data):
    portal_body = {
        "session": "***",
        "madonvi": "000.00.04.H52",
        "service": "DongBoHoSoMC",
        "isUpdating": False,
        "data": [{"MaHoSo": DOSSIER, "ChuHoSo": "Nguyễn Thị Ánh", "SoGiayToChuHoSo": "014090001234",
                  "Email": "anh.nguyen@example.vn", "SoDienThoai": "0912345678"}],
    }  # fmt: skip
    rows = {
        "sync": MessageLog.objects.create(
            service="national_portal",
            method="POST",
            url="https://dvcqg.example/dich-vu",
            request_body=json.dumps(portal_body, ensure_ascii=False),
            response_status=200,
            response_body='{"error_code": 0, "message": "Đã đồng bộ 1 hồ sơ."}',
            outcome="ok",
            correlation_id="a" * 32,
        ),
        "timeout": MessageLog.objects.create(
            service="national_portal",
            method="POST",
            url="https://dvcqg.example/dich-vu",
            request_body='{"service": "CapNhatTienDoHoSoMC", "data": []}',
            outcome="timeout",
            correlation_id="b" * 32,
        ),
        "population": MessageLog.objects.create(
            service="population",
            method="GET",
            url="https://lgsp.example/dan-cu/cong-dan/014090001234",
            response_status=200,
            response_body='{"hoVaTen": "Lò Văn Pâng", "soDinhDanh": "014090001234"}',
            outcome="ok",
            correlation_id="c" * 32,
        ),
    }
    MessageLog.objects.filter(pk=rows["population"].pk).update(created_at=timezone.now() - timedelta(days=10))
    return rows


def _listed(response) -> set[int]:
    return {row.pk for row, _system, _url in response.context["rows"]}


def test_officers_without_the_admin_role_are_refused(as_user, log):
    client = as_user(officer("tiep_nhan", (CENTER, Role.RECEPTION), (CENTER, Role.MONITOR)))
    assert client.get(reverse("backoffice:messages")).status_code == 403
    assert client.get(reverse("backoffice:message", kwargs={"pk": log["sync"].pk})).status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="exchange.messagelog").exists()
    anonymous = as_user(None).get(reverse("backoffice:messages"))
    assert anonymous.status_code == 302 and "dang-nhap" in anonymous["Location"]


def test_an_administrator_searches_by_system_operation_outcome_code_and_dates(as_user, log):
    client = as_user(officer("quan_tri", (CENTER, Role.ADMIN)))
    url = reverse("backoffice:messages")
    everything = client.get(url)
    assert everything.status_code == 200 and _listed(everything) == {r.pk for r in log.values()}
    assert _listed(client.get(url, {"he_thong": "population"})) == {log["population"].pk}
    assert _listed(client.get(url, {"dich_vu": "DongBoHoSoMC"})) == {log["sync"].pk}
    assert _listed(client.get(url, {"dich_vu": "cong-dan"})) == {log["population"].pk}
    assert _listed(client.get(url, {"ket_qua": "timeout"})) == {log["timeout"].pk}
    assert _listed(client.get(url, {"ma": DOSSIER})) == {log["sync"].pk}
    assert _listed(client.get(url, {"ma": "b" * 32})) == {log["timeout"].pk}
    today = timezone.localdate()
    recent = client.get(url, {"tu_ngay": (today - timedelta(days=1)).isoformat()})
    assert _listed(recent) == {log["sync"].pk, log["timeout"].pk}
    old = client.get(url, {"den_ngay": (today - timedelta(days=5)).isoformat()})
    assert _listed(old) == {log["population"].pk}
    page = everything.content.decode()
    assert "014090001234" not in page and "014*******34" in page  # the ID in the URL is masked
    searches = AuditEntry.objects.filter(action="exchange.messagelog.search")
    assert searches.count() == 9 and searches.filter(data__query__ma=DOSSIER).exists()


def test_a_bad_date_range_is_explained_and_lists_nothing(as_user, log):
    client = as_user(officer("quan_tri", (CENTER, Role.ADMIN)))
    response = client.get(reverse("backoffice:messages"), {"tu_ngay": "2026-11-20", "den_ngay": "2026-11-01"})
    assert response.status_code == 400 and response.context["rows"] == []
    page = response.content.decode()
    assert 'role="alert"' in page and 'href="#id_den_ngay"' in page and "Ngày kết thúc" in page


def test_the_message_page_masks_personal_data_and_is_audited(as_user, log):
    admin = officer("quan_tri", (CENTER, Role.ADMIN))
    client = as_user(admin)
    response = client.get(reverse("backoffice:message", kwargs={"pk": log["sync"].pk}))
    assert response.status_code == 200
    page = response.content.decode()
    for secret in ("Nguyễn Thị Ánh", "014090001234", "anh.nguyen@example.vn", "0912345678"):
        assert secret not in page, secret
    assert "Nguyễn T. Á." in page and "DongBoHoSoMC" in page and DOSSIER in page
    assert "Đã đồng bộ 1 hồ sơ." in page
    entry = AuditEntry.objects.get(action="exchange.messagelog.view")
    assert entry.object_id == str(log["sync"].pk) and entry.actor_id == admin.pk
    other = client.get(reverse("backoffice:message", kwargs={"pk": log["population"].pk})).content.decode()
    assert "Lò Văn Pâng" not in other and "Lò V. P." in other
    assert client.get(reverse("backoffice:message", kwargs={"pk": 10**9})).status_code == 404


def test_results_come_page_by_page_without_counting_the_whole_log(as_user, log):
    MessageLog.objects.bulk_create(
        [
            MessageLog(
                service="business",
                method="GET",
                url=f"https://lgsp/dn/{i}",
                outcome="ok",
                correlation_id=f"{i}",
            )
            for i in range(51)
        ]
    )
    client = as_user(officer("quan_tri", (CENTER, Role.ADMIN)))
    url = reverse("backoffice:messages")
    first = client.get(url, {"he_thong": "business"})
    assert len(first.context["rows"]) == 50 and 'rel="next"' in first.content.decode()
    assert "he_thong=business&amp;trang=2" in first.content.decode()
    second = client.get(url, {"he_thong": "business", "trang": "2"})
    assert len(second.context["rows"]) == 1 and 'rel="prev"' in second.content.decode()
    assert 'rel="next"' not in second.content.decode()
