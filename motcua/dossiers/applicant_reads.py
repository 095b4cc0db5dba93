"""What the applicant is told of each action (thông báo cho người nộp hồ sơ): `APPLICANT_READS`
and the (label, text) pairs built from it for notifications and the tracking page.
"""

from typing import NamedTuple

from django.utils import translation

from motcua.core.money import format_vnd


class Readable(NamedTuple):
    """One thing of an action the applicant may read: `key` in the history entry's data."""

    key: str
    label: str
    kind: str = "text"  # "text" | "money"


#: What the applicant may read of each action in their notifications and on the tracking page,
#: besides the action, the status and the legal appointment date (ngày hẹn trả). Only what the
#: law says they are told: the papers to supplement, the reasons of a refusal, an apology or a
#: withdrawal, the amount to pay. The officer's note (ghi chú) and everything else an action
#: records (assignee, consultation question and answer, step names) is internal and never leaves
#: the back office. Every action is listed: a new one must decide here (a test checks).
APPLICANT_READS: dict[str, tuple[Readable, ...]] = {
    "create": (),
    "receive": (),
    "refuse_reception": (Readable("reason", "Lý do từ chối tiếp nhận"),),
    "request_supplement": (Readable("reason", "Giấy tờ cần bổ sung, hoàn thiện"),),
    "receive_supplement": (),
    "assign": (),
    "complete_step": (),
    "consult": (),
    "answer_consultation": (),
    "request_payment": (Readable("amount", "Số tiền phải nộp", "money"),),
    "mark_paid": (
        Readable("amount", "Số tiền đã nộp", "money"),
        Readable("reference", "Số biên lai hoặc mã giao dịch"),
    ),
    "apologise": (Readable("reason", "Lý do chậm trễ"),),
    "approve": (),
    "refuse": (Readable("reason", "Lý do từ chối giải quyết"),),
    "issue_result": (),
    "return_result": (),
    "request_withdrawal": (Readable("reason", "Lý do rút hồ sơ"),),
    "stop": (),
}


def _money(value) -> str:
    # Notifications are stored in Vietnamese: 100.000 đồng (the one formatter, motcua.core.money).
    with translation.override("vi"):
        return format_vnd(int(value))


def applicant_details(action: str, data: dict | None) -> list[tuple[str, str]]:
    """(label, text) the applicant may read of this action, per APPLICANT_READS; nothing for an
    action that is not listed, and never the officer's note."""
    out = []
    for item in APPLICANT_READS.get(action, ()):
        value = (data or {}).get(item.key)
        if value is None or value == "":
            continue
        out.append((item.label, _money(value) if item.kind == "money" else str(value)))
    return out
