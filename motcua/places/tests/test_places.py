import io

import pytest
from django.core.management import call_command

from motcua.places.importer import commune_agency_code
from motcua.places.models import AdminUnit, Agency, WardConversion

pytestmark = pytest.mark.django_db


def test_the_two_tier_units_of_2025_are_all_there(reference_data):
    assert AdminUnit.objects.filter(parent=None).count() == 34
    assert AdminUnit.objects.exclude(parent=None).count() == 3321
    son_la = AdminUnit.objects.get(code="14")
    assert son_la.name == "Tỉnh Sơn La"
    assert son_la.children.count() == 75
    assert son_la.children.filter(kind=AdminUnit.Kind.WARD).count() == 8


def test_an_old_ward_converts_to_its_new_ward(reference_data):
    conversion = WardConversion.objects.select_related("old_ward", "new_unit").get(
        old_ward__name="Phường Trúc Bạch"
    )
    assert conversion.new_unit.name == "Phường Ba Đình"
    assert conversion.new_unit.parent.name == "Thành phố Hà Nội"


def test_the_province_has_its_departments_center_and_every_commune_agency(reference_data):
    agencies = Agency.objects.filter(admin_unit__code="14")
    assert agencies.filter(kind=Agency.Kind.PROVINCIAL_CENTER).count() == 1
    assert agencies.get(code="000.00.04.H52").name == "Sở Tư pháp Tỉnh Sơn La"
    commune_kinds = Agency.objects.filter(admin_unit__parent__code="14").values_list("kind", flat=True)
    assert len(commune_kinds) == 75 * 3
    assert (
        Agency.objects.filter(kind=Agency.Kind.DEPARTMENT).exclude(parent__code="000.00.00.H52").count() == 0
    )


def test_commune_agency_codes_follow_the_electronic_code_shape():
    assert commune_agency_code(1, "000", "H52") == "000.01.40.H52"
    assert commune_agency_code(99, "000", "H52") == "000.99.40.H52"
    assert commune_agency_code(100, "001", "H52") == "001.01.41.H52"


def test_loading_twice_changes_nothing(reference_data):
    before = (AdminUnit.objects.count(), Agency.objects.count(), WardConversion.objects.count())
    out = io.StringIO()
    call_command("load_places", stdout=out)
    assert (AdminUnit.objects.count(), Agency.objects.count(), WardConversion.objects.count()) == before
    assert "cơ quan: 0 mới, 0 cập nhật" in out.getvalue()
    # Conversion rows that name a ward absent from the old list are reported, not dropped silently.
    assert "KHÔNG NHẬP ĐƯỢC" in out.getvalue()
