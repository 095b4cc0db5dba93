"""GET /statistics/index: the QĐ 766 service index (Bộ chỉ số phục vụ người dân, doanh nghiệp).

Public, as the index is published: aggregate counts and points only, never a person. The index by
officer (`officer:<tên>`) is refused here: it is for the monitors' screens, not for the public.
Anonymous calls are counted per IP address (`MOTCUA_API_STATISTICS_RATE`, 60 per 10 minutes).
"""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from motcua.core.ratelimit import throttle
from motcua.insights import services as insights
from motcua.insights.periods import PeriodError
from motcua.insights.queries import UnitError

from .access import principal, require_scope
from .auth import ANONYMOUS, PUBLIC
from .errors import PUBLIC_MARK, SCOPE_MARK, ApiError
from .schemas import Error, IndexReport

router = Router(tags=["Thống kê"], auth=PUBLIC)
SCOPE = "statistics:read"
#: Month, quarter, year, or a range of days (the range's order is checked by insights).
PERIOD_PATTERN = (
    r"^[12]\d{3}(-(0[1-9]|1[0-2])|-Q[1-4])?$"
    r"|^[12]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\.\.[12]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
)


class IndexQuery(Schema):
    period: str = Field(
        max_length=40,
        pattern=PERIOD_PATTERN,
        description="Kỳ: 2026-09 (tháng), 2026-Q3 (quý), 2026 (năm) hoặc 2026-09-01..2026-09-15.",
    )
    unit: str | None = Field(
        None,
        max_length=80,
        description="province (mặc định), mã định danh cơ quan, commune:<mã xã> hoặc procedure:<mã TTHC>.",
    )


@router.get(
    "/statistics/index",
    response={200: IndexReport, 400: Error, 401: Error, 403: Error, 404: Error, 422: Error, 429: Error},
    summary="Chỉ số QĐ 766 của một đơn vị trong một kỳ",
    operation_id="statistics_index",
    openapi_extra={PUBLIC_MARK: True, SCOPE_MARK: SCOPE},
)
def index(request, query: Query[IndexQuery]):
    """Sáu nhóm chỉ số, từng chỉ tiêu với tử số, mẫu số và điểm; tổng điểm và xếp loại."""
    who = principal(request)
    require_scope(who, SCOPE)
    if who.kind == ANONYMOUS:
        # Computing a year for the province scans many rows: anonymous callers are counted.
        t = throttle(request, "api-statistics", "MOTCUA_API_STATISTICS_RATE", (60, 600))
        if not t.allowed:
            raise ApiError(
                429,
                "rate_limited",
                f"Quá nhiều yêu cầu. Thử lại sau {t.retry_minutes} phút, hoặc dùng mã truy cập.",
                headers={"Retry-After": str(t.retry_after)},
            )
    unit = (query.unit or "").strip()
    if unit.split(":", 1)[0].lower() in ("officer", "can-bo"):
        raise ApiError(403, "not_public", "Chỉ số theo từng cán bộ không công khai qua API.")
    try:
        report = insights.report(query.period, unit or None)
    except UnitError as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except PeriodError as exc:
        raise ApiError(400, "invalid_input", str(exc)) from None
    except ValueError:  # a day that does not exist (2026-02-30)
        raise ApiError(400, "invalid_input", f"Kỳ “{query.period}” có ngày không tồn tại.") from None
    return report
