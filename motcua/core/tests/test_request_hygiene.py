"""NUL bytes and oversized API bodies: a clear 400 / 413 before any view or database, never a 500.

PostgreSQL cannot store NUL in text; these were the only server errors a fuzzing run found.
"""

import json

import pytest

pytestmark = pytest.mark.django_db

NUL_REQUESTS = [
    "/thu-tuc/1.001193%00/",
    "/xac-thuc/ABC%00/",
    "/api/v1/procedures/1.001193%00",
    "/api/v1/dossiers?procedure=1.00%00",
    "/can-bo/ho-so/?thu_tuc=%00",
    "/can-bo/giam-sat/?ky=2026-09%00",
    "/tim-kiem/?q=khai+sinh%00",
]


@pytest.mark.parametrize("url", NUL_REQUESTS)
def test_a_nul_byte_in_the_path_or_query_is_a_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json() == {
            "error": "invalid_request",
            "message": "Yêu cầu chứa ký tự không hợp lệ (NUL).",
        }
    else:
        assert "Yêu cầu không hợp lệ" in response.content.decode()


def test_a_nul_byte_in_a_form_body_is_a_400(client):
    assert client.post("/tra-cuu/", {"ma_ho_so": "000.00\x00"}).status_code == 400


def test_a_nul_in_an_api_json_string_is_answered_by_the_operation_never_a_500(client):
    response = client.post(
        "/api/v1/assistant/ask",
        data=json.dumps({"question": "khai sinh\u0000"}),
        content_type="application/json",
    )
    assert response.status_code < 500


def test_an_api_body_over_the_limit_gets_the_api_json_error(client, settings):
    body = json.dumps({"note": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = client.post("/api/v1/dossiers", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "payload_too_large"


def test_ordinary_requests_pass_untouched(client):
    assert client.get("/thu-tuc/?q=khai+sinh").status_code == 200
    assert client.get("/api/v1/procedures?q=khai+sinh").status_code == 200
