"""The public catalog, the index, and the committed OpenAPI document."""

import io

import pytest
from django.core.management import call_command

from motcua.api.api import render_document
from motcua.api.management.commands.openapi import REGENERATE, committed_path

from .conftest import JUSTICE

pytestmark = pytest.mark.django_db


def test_the_committed_openapi_document_is_what_the_code_generates():
    committed = committed_path().read_text(encoding="utf-8") if committed_path().exists() else ""
    assert committed == render_document(), (
        f"docs/api/openapi.json differs from the API code. Regenerate it with: {REGENERATE}"
    )


def test_the_openapi_check_command_fails_with_a_hint_when_the_file_differs(tmp_path):
    from django.core.management.base import CommandError

    stale = tmp_path / "openapi.json"
    stale.write_text("{}\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="motcua openapi"):
        call_command("openapi", "--check", "--output", str(stale), stderr=err)
    assert "+++ generated" in err.getvalue()
    call_command("openapi", "--output", str(stale), stdout=io.StringIO())
    call_command("openapi", "--check", "--output", str(stale), stdout=io.StringIO())


def test_the_document_is_openapi_31_with_oauth2_scopes_and_public_operations():
    import json

    doc = json.loads(render_document())
    assert doc["openapi"].startswith("3.1")
    flows = doc["components"]["securitySchemes"]["BearerAuth"]["flows"]["clientCredentials"]
    assert flows["tokenUrl"] == "/api/v1/oauth/token" and "dossiers:write" in flows["scopes"]
    assert {} in doc["paths"]["/api/v1/procedures"]["get"]["security"]
    assert {} not in doc["paths"]["/api/v1/dossiers"]["get"]["security"]
    assert {"BearerAuth": ["dossiers:write"]} in doc["paths"]["/api/v1/dossiers/{code}/transitions"]["post"][
        "security"
    ]


def test_procedures_are_public_searchable_and_paged(client, reference_data):
    page = client.get("/api/v1/procedures?limit=3").json()
    assert len(page["items"]) == 3 and page["next_offset"] == 3
    codes = [p["code"] for p in page["items"]]
    assert codes == sorted(codes)
    found = client.get("/api/v1/procedures?q=dang ky ket hon&limit=5").json()["items"]
    assert any("kết hôn" in p["name"].lower() for p in found)
    detail = client.get("/api/v1/procedures/1.000426").json()
    assert detail["code"] == "1.000426" and detail["requirements"] and detail["methods"]
    assert client.get("/api/v1/procedures/khong-co").status_code == 404


def test_a_token_without_the_catalog_scope_is_refused_even_on_public_data(client, bearer):
    response = client.get("/api/v1/procedures", **bearer((JUSTICE,), "dossiers:read"))
    assert response.status_code == 403
    assert client.get("/api/v1/procedures", HTTP_AUTHORIZATION="Bearer sai").status_code == 401


def test_the_index_is_public_and_refuses_bad_periods_and_officer_units(client, reference_data):
    report = client.get("/api/v1/statistics/index?period=2026-03").json()
    assert report["unit"]["kind"] == "province"
    assert [g["code"] for g in report["groups"]][:1] == ["CKMB"]
    assert 0 <= report["total"] <= 100
    assert client.get("/api/v1/statistics/index?period=2026-13").status_code == 422
    reversed_range = client.get("/api/v1/statistics/index?period=2026-03-10..2026-03-01")
    assert reversed_range.status_code == 400 and reversed_range.json()["error"] == "invalid_input"
    assert client.get("/api/v1/statistics/index?period=2026-03&unit=officer:quantri").status_code == 403
    assert client.get("/api/v1/statistics/index?period=2026-03&unit=999.99").status_code == 404


def test_the_document_is_served_and_browsable(client, reference_data):
    from motcua.api.api import document

    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.json() == document()
    assert client.get("/api/v1/docs").status_code == 200
