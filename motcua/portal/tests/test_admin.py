"""The Vietnamese admin of the catalog, places and people, over the real reference data."""

import pytest
from django.urls import reverse

from motcua.audit.models import AuditEntry
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.people.models import OfficerRole, User
from motcua.places.models import AdminUnit, Agency, LegacyWard

pytestmark = pytest.mark.usefixtures("reference_data")


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_every_admin_page_opens_in_vietnamese(admin_client):
    index = admin_client.get(reverse("admin:index"))
    assert index.status_code == 200
    page = index.content.decode()
    assert '<html lang="vi"' in page and "Quản trị" in page
    for label in ["Thủ tục hành chính", "Đơn vị hành chính và cơ quan", "Người dùng"]:
        assert label in page
    urls = [
        changelist(Procedure) + "?q=1.004222",
        changelist(Procedure) + "?cap=commune&online_level=full&status=in_force",
        changelist(ProcedureVersion) + "?q=kết hôn",
        reverse("admin:catalog_field_changelist"),
        reverse("admin:catalog_provinciallisting_changelist") + "?q=khai sinh",
        changelist(AdminUnit) + "?kind=ward",
        changelist(Agency) + "?q=Tư pháp",
        changelist(Agency) + "?co_thu_tuc=0",
        changelist(LegacyWard) + "?q=Tô Hiệu",
        reverse("admin:places_wardconversion_changelist") + "?q=Tô Hiệu",
        changelist(User),
        changelist(OfficerRole),
    ]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
    procedure = Procedure.objects.get(code="1.004222")
    for url in [
        change(procedure),
        change(procedure.current_version),
        change(Agency.objects.first()),
        change(AdminUnit.objects.first()),
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_procedure_search_and_level_filter(admin_client):
    found = admin_client.get(changelist(Procedure), {"q": "1.004222"})
    assert list(found.context["cl"].result_list) == [Procedure.objects.get(code="1.004222")]
    commune = admin_client.get(changelist(Procedure), {"cap": "commune"})
    assert commune.context["cl"].result_count == Procedure.objects.filter(at_commune=True).count()


def test_catalog_content_is_read_only(admin_client):
    procedure = Procedure.objects.get(code="1.004222")
    assert admin_client.get(reverse("admin:catalog_procedure_add")).status_code == 403
    assert admin_client.get(reverse("admin:catalog_procedure_delete", args=[procedure.pk])).status_code == 403
    version_page = admin_client.get(change(procedure.current_version))
    assert not version_page.context["has_change_permission"]
    assert "7 Ngày làm việc" in version_page.content.decode()  # the methods inline
    assert admin_client.post(change(procedure.current_version), {"name": "x"}).status_code == 403


def test_admin_edits_status_and_online_level_with_an_audit_entry(admin_client):
    procedure = Procedure.objects.get(code="1.004222")
    response = admin_client.post(
        change(procedure),
        {
            "status": "expired",
            "effective_from": "2025-07-01",
            "effective_to": "2026-12-31",
            "abolished_on": "",
            "online_level": "full",
            # the read-only versions inline posts its management form
            "versions-TOTAL_FORMS": "1",
            "versions-INITIAL_FORMS": "1",
            "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
            "versions-0-id": str(procedure.current_version.pk),
            "versions-0-procedure": str(procedure.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    procedure.refresh_from_db()
    assert procedure.status == "expired"
    assert str(procedure.effective_to) == "2026-12-31"
    assert procedure.online_level == "full"
    assert procedure.online_level_source.startswith("quản trị:")
    assert procedure.name == "Đăng ký thường trú"  # untouched
    entry = AuditEntry.objects.filter(
        action="catalog.procedure.admin_change", object_id=str(procedure.pk)
    ).last()
    assert entry is not None
    assert entry.data["changed"]["status"] == ["in_force", "expired"]


def test_user_with_custom_fields_and_roles(admin_client):
    response = admin_client.post(
        reverse("admin:people_user_add"),
        {
            "username": "canbo.tuphap",
            "kind": "officer",
            "full_name": "Nguyễn Văn A",
            "usable_password": "true",
            "password1": "mot-mat-khau-dai-du",
            "password2": "mot-mat-khau-dai-du",
            "roles-TOTAL_FORMS": "0",
            "roles-INITIAL_FORMS": "0",
            "roles-MIN_NUM_FORMS": "0",
            "roles-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="canbo.tuphap")
    assert user.kind == "officer" and user.full_name == "Nguyễn Văn A"
    page = admin_client.get(change(user)).content.decode()
    for label in ["Số định danh cá nhân", "Số điện thoại", "Loại tài khoản", "Vai trò tại các cơ quan"]:
        assert label.lower() in page.lower()
    audit = AuditEntry.objects.filter(action="people.user.admin_add", object_id=str(user.pk)).last()
    assert audit is not None and "mot-mat-khau" not in str(audit.data)  # field names only, never values
