"""The officers' completeness pre-check: missing papers, unreadable scans, data that disagree with
the population registry, papers the state holds; and its page on the dossier, audited."""

from dataclasses import replace
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from motcua.audit.models import AuditEntry
from motcua.guide.precheck import _required, precheck
from motcua.registries.sandbox import demo_people

from .conftest import sign_in

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<</Type /Page>>endobj\n%%EOF\n"


class FakeRegistry:
    def __init__(self, person):
        self.found = person

    def person(self, id_number):
        return self.found if self.found and self.found.id_number == id_number else None


@pytest.fixture
def registry_person():
    return replace(
        demo_people()["adult"],
        id_number="014090001111",
        full_name="Nguyễn Thị Ánh",
        birth_date=date(1990, 5, 17),
    )


def test_a_complete_consistent_dossier_has_nothing_to_see(make_dossier, people, registry_person):
    dossier = make_dossier(form_data={"ho_ten": "Nguyễn Thị Ánh", "ngay_sinh": "17/05/1990"})
    for document in dossier.documents.all():
        document.file.save("scan.pdf", ContentFile(PDF))
    found = precheck(dossier, people["reception"], registry=FakeRegistry(registry_person))
    assert [f for f in found if f.kind != "state_holds"] == []
    assert AuditEntry.objects.filter(action="guide.precheck").exists()


def test_missing_unreadable_and_mismatching_are_found(make_dossier, people, procedure, registry_person):
    dossier = make_dossier(form_data={"ho_ten": "Nguyễn Thị Ánh", "ngay_sinh": "18/05/1990"})
    required = _required(procedure.current_version)
    documents = list(dossier.documents.filter(requirement__in=required))
    assert len(documents) >= 2
    gone = documents[0]
    gone.delete()
    documents[1].file.save("hong.pdf", ContentFile(b"MZ not a scan"))
    found = precheck(dossier, people["reception"], registry=FakeRegistry(registry_person))
    kinds = {(f.kind, f.subject) for f in found}
    assert ("missing", gone.name[:120]) in kinds
    assert ("unreadable", documents[1].name[:120]) in kinds
    assert ("mismatch", "Ngày sinh") in kinds and ("mismatch", "Họ tên") not in kinds
    unknown = precheck(dossier, people["reception"], registry=FakeRegistry(None))
    assert ("mismatch", "Số định danh") in {(f.kind, f.subject) for f in unknown}


def test_the_officer_page_shows_the_findings_and_the_legal_basis(client, make_dossier, people):
    dossier = make_dossier()
    sign_in(client, people["reception"])
    page = client.get(reverse("backoffice:dossier_precheck", args=[dossier.code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Căn cứ pháp lý" in html and f"phiên bản {dossier.procedure_version.number}" in html
    other = client.get(reverse("backoffice:dossier_precheck", args=["KHONG-CO"]))
    assert other.status_code == 404
