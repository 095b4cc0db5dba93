"""POST /assistant/ask: the assistant (trợ lý ảo), answering from the catalog with citations."""

from __future__ import annotations

from ninja import Router, Schema
from pydantic import Field

from motcua.core.ratelimit import throttle
from motcua.guide.services import GuideError, ask

from .access import principal, require_scope
from .auth import PUBLIC
from .errors import PUBLIC_MARK, SCOPE_MARK, ApiError
from .schemas import Error

router = Router(tags=["Trợ lý ảo"], auth=PUBLIC)
SCOPE = "procedures:read"


class Question(Schema):
    question: str = Field(min_length=1, max_length=500, description="Câu hỏi, có dấu hay không dấu.")


class Citation(Schema):
    procedure: str
    version: int | None = None
    fields: list[str] = Field(description="Các trường của bản ghi thủ tục được trích: papers, fees, time…")


class AssistantAnswer(Schema):
    answer: str
    abstained: bool = Field(
        description="true: trợ lý không trả lời bằng một thủ tục (ngoài phạm vi, chưa chắc…)."
    )
    procedure: str | None
    candidates: list[str]
    citations: list[Citation]
    token: str = Field(description="Mã để đánh giá câu trả lời (hữu ích / chưa hữu ích).")


@router.post(
    "/assistant/ask",
    response={200: AssistantAnswer, 400: Error, 401: Error, 403: Error, 422: Error, 429: Error},
    summary="Hỏi trợ lý ảo (công khai): trả lời từ danh mục thủ tục, có trích dẫn",
    operation_id="assistant_ask",
    openapi_extra={PUBLIC_MARK: True, SCOPE_MARK: SCOPE},
)
def assistant_ask(request, body: Question):
    require_scope(principal(request), SCOPE)
    t = throttle(request, "api-assistant", "MOTCUA_ASSISTANT_RATE", (60, 600))
    if not t.allowed:
        raise ApiError(
            429,
            "rate_limited",
            f"Quá nhiều câu hỏi. Thử lại sau {t.retry_minutes} phút.",
            headers={"Retry-After": str(t.retry_after)},
        )
    try:
        result = ask(body.question, user=getattr(request, "user", None), channel="api")
    except GuideError as exc:
        raise ApiError(422, "invalid_question", str(exc)) from exc
    return {**result.as_json(), "token": result.token}
