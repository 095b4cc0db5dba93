"""The message log at rest (ADR 0040): ID numbers and phones masked in the stored columns, the
exchange kept whole only encrypted."""

import json

import pytest
from django.db import connection

from motcua.core import crypto
from motcua.exchange.models import MessageLog

pytestmark = pytest.mark.django_db

ID, PHONE = "014090001234", "0912345678"


def test_stored_bodies_are_masked_and_the_whole_exchange_is_sealed():
    request = json.dumps(
        {"service": "LayThongTinCongDan", "soDinhDanh": ID, "maHoSo": "000.00.04.H52-261206-0001"}
    )
    answer = json.dumps(
        {"hoVaTen": "Lò Văn Pâng", "soDienThoai": PHONE, "ghiChu": f"gọi {PHONE}"}, ensure_ascii=False
    )
    row = MessageLog.objects.create(
        service="population",
        method="POST",
        url=f"https://dancu.example/api/cong-dan/{ID}",
        request_body=request,
        response_status=200,
        response_body=answer,
        outcome=MessageLog.Outcome.OK,
        correlation_id="c-1",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT url, request_body, response_body, sealed FROM exchange_messagelog WHERE id = %s", [row.pk]
        )
        url, stored_request, stored_answer, sealed = cursor.fetchone()
    plain = " ".join([url, stored_request, stored_answer, sealed])
    assert ID not in plain and PHONE not in plain and "Pâng" not in plain
    assert crypto.is_token(sealed)
    # what an operator needs to debug is still there, and searchable
    assert (
        '"service": "LayThongTinCongDan"' in stored_request and "000.00.04.H52-261206-0001" in stored_request
    )
    assert url.startswith("https://dancu.example/api/cong-dan/014")
    assert MessageLog.objects.filter(request_body__contains='"000.00.04.H52-261206-0001"').exists()
    # the whole exchange, for disputes, through the ORM only
    whole = MessageLog.objects.get(pk=row.pk).sealed
    assert whole == {
        "url": f"https://dancu.example/api/cong-dan/{ID}",
        "request_body": request,
        "response_body": answer,
    }
