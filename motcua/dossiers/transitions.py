"""The transition table of the dossier lifecycle and the refusals it raises.

`TRANSITIONS` says, for every action, from which statuses it may start, where it goes, and which
role at which agency (tiếp nhận, giải quyết, bước xử lý, cơ quan liên thông) may take it. `Context`
is what one action carries through `services.perform` while it is applied.
"""

from dataclasses import dataclass, field
from datetime import datetime

from motcua.people.models import OfficerRole

from .models import Dossier, Status

Role = OfficerRole.Role
S = Status


class TransitionError(Exception):
    """A refused transition, with a message an officer can read (Vietnamese)."""

    code = "invalid"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WrongState(TransitionError):
    code = "wrong_state"


class NotAllowed(TransitionError):
    code = "not_allowed"


class StaleVersion(TransitionError):
    code = "stale_version"


class InvalidInput(TransitionError):
    code = "invalid_input"


STALE_MESSAGE = "Hồ sơ vừa được người khác cập nhật. Hãy tải lại trang để xem trạng thái mới, rồi làm lại."

#: Where the acting officer must hold the role.
RECEIVING, HANDLING, CONSULTED, STEP = "receiving", "handling", "consulted", "step"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    target: int | None  # None: the status does not change
    roles: frozenset
    where: tuple = (RECEIVING,)
    applicant_may: bool = False
    #: A service may take it for the system (e.g. the payments service confirming a payment).
    system_may: bool = False


def _t(name, label, sources, target, roles, where=(RECEIVING,), applicant_may=False, system_may=False):
    return Transition(
        name, label, frozenset(sources), target, frozenset(roles), tuple(where), applicant_may, system_may
    )


@dataclass(frozen=True)
class SystemActor:
    """A service acting for the system (hệ thống), never a person; only for transitions with system_may."""

    username: str
    full_name: str
    title: str
    pk: None = None
    is_authenticated: bool = False

    def get_username(self) -> str:
        return self.username


PAYMENTS_SYSTEM = SystemActor("he-thong-thanh-toan", "Hệ thống thanh toán trực tuyến", "Hệ thống")


OPEN = {S.NEW, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.FINANCIAL}
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t("receive", "Tiếp nhận hồ sơ", {S.NEW}, S.RECEIVED, {Role.RECEPTION}),
        _t("refuse_reception", "Từ chối tiếp nhận", {S.NEW}, S.NOT_RECEIVED, {Role.RECEPTION}),
        _t(
            "request_supplement",
            "Yêu cầu bổ sung, hoàn thiện hồ sơ",
            {S.NEW, S.RECEIVED, S.PROCESSING},
            S.SUPPLEMENT,
            {Role.RECEPTION, Role.SPECIALIST},
            (RECEIVING, HANDLING),
        ),
        _t("receive_supplement", "Tiếp nhận hồ sơ bổ sung", {S.SUPPLEMENT}, None, {Role.RECEPTION}),
        _t(
            "assign",
            "Phân công xử lý",
            {S.RECEIVED, S.PROCESSING},
            S.PROCESSING,
            {Role.UNIT_HEAD, Role.SPECIALIST},
            (HANDLING,),
        ),
        _t(
            "complete_step",
            "Hoàn thành bước xử lý",
            {S.RECEIVED, S.PROCESSING},
            S.PROCESSING,
            {Role.RECEPTION, Role.SPECIALIST, Role.UNIT_HEAD, Role.APPROVER},
            (STEP,),
        ),
        _t(
            "consult",
            "Chuyển liên thông, xin ý kiến",
            {S.PROCESSING},
            None,
            {Role.SPECIALIST, Role.UNIT_HEAD},
            (HANDLING,),
        ),
        _t(
            "answer_consultation",
            "Trả lời liên thông, xin ý kiến",
            {S.PROCESSING},
            None,
            {Role.SPECIALIST, Role.UNIT_HEAD, Role.APPROVER},
            (CONSULTED,),
        ),
        _t(
            "request_payment",
            "Yêu cầu thực hiện nghĩa vụ tài chính",
            {S.PROCESSING},
            S.FINANCIAL,
            {Role.SPECIALIST, Role.UNIT_HEAD},
            (HANDLING,),
        ),
        _t(
            "mark_paid",
            "Xác nhận đã thực hiện nghĩa vụ tài chính",
            {S.FINANCIAL},
            S.PROCESSING,
            {Role.RECEPTION, Role.SPECIALIST},
            (RECEIVING, HANDLING),
            system_may=True,
        ),
        _t(
            "apologise",
            "Xin lỗi và hẹn lại ngày trả kết quả",
            {S.RECEIVED, S.PROCESSING, S.FINANCIAL},
            None,
            {Role.UNIT_HEAD, Role.APPROVER},
            (HANDLING,),
        ),
        _t("approve", "Phê duyệt kết quả", {S.PROCESSING}, S.DONE, {Role.APPROVER}, (HANDLING,)),
        _t("refuse", "Từ chối giải quyết", {S.PROCESSING}, S.DONE, {Role.APPROVER}, (HANDLING,)),
        _t("issue_result", "Ban hành kết quả", {S.DONE}, None, {Role.APPROVER}, (HANDLING,)),
        _t("return_result", "Trả kết quả", {S.DONE}, S.RETURNED, {Role.RECEPTION}, (RECEIVING,)),
        _t(
            "request_withdrawal",
            "Công dân yêu cầu rút hồ sơ",
            OPEN,
            S.WITHDRAWAL,
            {Role.RECEPTION},
            (RECEIVING,),
            applicant_may=True,
        ),
        _t(
            "stop",
            "Dừng xử lý hồ sơ",
            {S.WITHDRAWAL},
            S.STOPPED,
            {Role.RECEPTION, Role.UNIT_HEAD},
            (RECEIVING, HANDLING),
        ),
    ]
}


@dataclass
class Context:
    dossier: Dossier
    actor: object
    agency: object
    now: datetime
    params: dict
    note: str = ""
    data: dict = field(default_factory=dict)
    target: int | None = None
