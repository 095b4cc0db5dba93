"""Dossiers at rest (ADR 0040): the applicant's contact fields and the form data are ciphertext in
the database row and plaintext through the ORM; the officers' search by name still works, on the
whole name through its blind index (ADR 0048; test_encrypted_identifiers)."""

import pytest
from django.db import connection

from motcua.core import crypto
from motcua.dossiers.models import Dossier

pytestmark = pytest.mark.django_db

FORM = {"hoVaTen": "Nguyễn Thị Ánh", "noiCuTru": "Bản Mòng, xã Chiềng Mung", "soDinhDanh": "014090001111"}
COLUMNS = ("applicant_address", "applicant_phone", "applicant_email", "form_data")


def test_contact_fields_and_form_data_are_ciphertext_in_the_row(make_dossier):
    dossier = make_dossier(form_data=FORM)
    Dossier.objects.filter(pk=dossier.pk).update(applicant_address="Tổ 3, phường Tô Hiệu")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM dossiers_dossier WHERE id = %s", [dossier.pk])  # noqa: S608
        stored = cursor.fetchone()
    for column, value in zip(COLUMNS, stored, strict=True):
        assert crypto.is_token(value), column
    row = " ".join(stored)
    for secret in ("0912345678", "anh@example.vn", "Tô Hiệu", "Chiềng Mung", "014090001111"):
        assert secret not in row
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.applicant_phone, fresh.applicant_email) == ("0912345678", "anh@example.vn")
    assert fresh.applicant_address == "Tổ 3, phường Tô Hiệu"
    assert fresh.form_data == FORM
    assert Dossier.objects.filter(applicant_name_index=dossier.applicant_name, pk=dossier.pk).exists()
