"""What the message log keeps (no credentials) and what a screen shows of it (personal data masked)."""

import json

import pytest
import requests

from motcua.exchange.client import ExchangeClient
from motcua.exchange.masking import mask_name, mask_personal, redact_secrets
from motcua.exchange.models import MessageLog


def test_credentials_are_redacted_and_other_bodies_kept_byte_for_byte():
    login = json.dumps({"username": "motcua", "password": "bí mật"})
    assert json.loads(redact_secrets(login)) == {"username": "motcua", "password": "***"}
    answer = '{"session":"tok-123","error_code":0}'
    assert "tok-123" not in redact_secrets(answer)
    plain = '{"hoVaTen": "Lò Văn Pâng"}'
    assert redact_secrets(plain) == plain and redact_secrets("not json") == "not json"


def test_personal_values_are_masked_by_key_and_by_shape():
    body = json.dumps(
        {
            "ChuHoSo": "Nguyễn Thị Ánh",
            "SoGiayToChuHoSo": "014090001234",
            "Email": "anh@example.vn",
            "danToc": "Kinh",
            "GhiChu": "gọi 0912345678 hoặc thư anh@example.vn, CCCD 014090001234",
            "MaHoSo": "000.00.30.H52-261120-0007",
            "TrangThaiHoSo": 4,
        },
        ensure_ascii=False,
    )
    shown = mask_personal(body)
    for secret in ("Nguyễn Thị Ánh", "014090001234", "anh@example.vn", "0912345678", "Kinh"):
        assert secret not in shown, secret
    data = json.loads(shown)
    assert data["ChuHoSo"] == "Nguyễn T. Á." and data["MaHoSo"] == "000.00.30.H52-261120-0007"
    assert data["TrangThaiHoSo"] == 4 and data["SoGiayToChuHoSo"] == "01********34"
    assert (
        mask_personal("https://lgsp/dan-cu/cong-dan/014090001234")
        == "https://lgsp/dan-cu/cong-dan/014*******34"
    )
    assert mask_name("Ánh") == "Á***"


class _Answer:
    status_code, text = 200, '{"session": "tok-123", "error_code": 0}'


class _Session(requests.Session):
    def request(self, *args, **kwargs):
        return _Answer()


@pytest.mark.django_db
def test_the_client_never_stores_a_password_or_a_session_token():
    client = ExchangeClient("national_portal", "https://portal.example/", session=_Session())
    assert client.post_json("dang-nhap", {"username": "motcua", "password": "bí mật"})["session"] == "tok-123"
    row = MessageLog.objects.get()
    assert "bí mật" not in row.request_body and "tok-123" not in row.response_body
    assert json.loads(row.request_body)["username"] == "motcua"
