"""Reconciliation against TraCuuHoSo, the sandbox's catalogue services and incoming dossiers over HTTP."""

from io import StringIO

import pytest
from django.core.management import call_command

from motcua.dossiers.models import Dossier
from motcua.exchange.client import client_for
from motcua.sync.client import HttpNationalPortal, PortalClient, PortalRefused
from motcua.sync.models import OutboxMessage, SandboxDossier, SandboxProgress
from motcua.sync.outbox import deliver_all
from motcua.sync.portal import pull_new_dossiers
from motcua.sync.reconcile import reconcile

pytestmark = pytest.mark.django_db(transaction=True)


def test_reconcile_finds_the_mismatches_and_repairs_them(portal, live_desk):
    dossiers = [live_desk.assign(live_desk.receive()) for _ in range(3)]
    assert deliver_all(timeout=30).dead == 0
    assert reconcile().mismatches == []
    # The portal lost one dossier, holds another in an old status and lost a progress entry of the third.
    SandboxDossier.objects.filter(code=dossiers[0].code).delete()
    SandboxDossier.objects.filter(code=dossiers[1].code).update(status=2, record={"TrangThaiHoSo": 2})
    SandboxProgress.objects.filter(dossier__code=dossiers[2].code).order_by("-id").first().delete()

    out = StringIO()
    call_command("sync", "reconcile", stdout=out)
    text = out.getvalue()
    assert "checked=3 mismatches=" in text
    assert f"{dossiers[0].code}: chưa có trên Cổng" in text
    assert f"{dossiers[1].code}: khác trạng thái (ở đây 4, trên Cổng 2)" in text
    assert f"{dossiers[2].code}: thiếu quá trình xử lý (ở đây 3 mục, trên Cổng 2 mục)" in text
    assert not OutboxMessage.objects.exclude(state="sent").exists()  # report only

    call_command("sync", "reconcile", "--repair", stdout=out)
    assert deliver_all(timeout=30).dead == 0
    report = reconcile()
    assert report.checked == 3 and report.mismatches == []
    assert SandboxDossier.objects.get(code=dossiers[1].code).status == 4
    assert SandboxProgress.objects.filter(dossier__code=dossiers[0].code).count() == 3


def test_reconcile_skips_dossiers_still_waiting_in_the_queue(portal, live_desk):
    live_desk.receive()
    report = reconcile()
    assert report.checked == 0 and report.skipped == 1


def test_catalogue_services_and_errors(portal, live_reference_data):
    from motcua.sync.sandbox import national_records

    national_records()  # the sandbox reads the shipped national records once, before the first call
    client = PortalClient()
    answer = client.call("LayThuTuc", [{"maTTHC": "1.000426"}], agency_code="")
    [procedure] = answer["data"]
    assert procedure["MATTHC"] == "1.000426" and procedure["TENTTHC"]
    assert isinstance(procedure["LINHVUCTHUCHIEN"], list)
    listing = client.call("LayDanhSachTTHC", [], agency_code="000.00.04.H52")["data"]
    row = next(r for r in listing if r["MATTHC"] == "1.000426")
    assert row["TENTTHC"] == procedure["TENTTHC"] and row["TINHTRANG"] == 1
    assert len(row["NGAYCAPNHAT"]) == 14 and len(listing) < 1000  # the agency's procedures only
    with pytest.raises(PortalRefused, match="error_code 4"):
        client.call("LayThuTuc", [{"maTTHC": "9.999999"}], agency_code="")
    with pytest.raises(PortalRefused, match="error_code 2"):
        client.call("XoaHoSo", [{}], agency_code="H52")
    with pytest.raises(PortalRefused, match="error_code 4"):
        client.call("CapNhatTienDoHoSoMC", [{
            "MaHoSo": "000.00.30.H52-260302-0001", "NguoiXuLy": "A", "PhongBanXuLy": "B",
            "NoiDungXuLy": "C", "TrangThai": 2, "ThoiDiemXuLy": "20260302090000",
        }], agency_code="H52")  # fmt: skip


def test_incoming_dossiers_over_http_are_received_once(portal, live_reference_data):
    exchange = client_for("national_portal")
    exchange.timeout = (1.0, 60.0)  # the sandbox builds its catalogue on the first call
    adapter = HttpNationalPortal(PortalClient(exchange), count=4)
    first = pull_new_dossiers(adapter)
    assert first.fetched == 4 and len(first.created) + len(first.rejected) == 4 and first.created
    again = pull_new_dossiers(adapter)
    assert sorted(again.duplicates) == sorted(first.created) and not again.created
    assert Dossier.objects.filter(national_code__in=first.created).count() == len(first.created)
    # They go back to the portal under their national code, never as a second dossier.
    assert deliver_all(timeout=30).dead == 0
    assert set(SandboxDossier.objects.values_list("code", flat=True)) == set(first.created)
    sent = OutboxMessage.objects.filter(state="sent").count()
    assert sent == len(first.created)
