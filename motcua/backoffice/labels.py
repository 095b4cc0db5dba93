"""Translatable labels for what the officers' screens show.

The models and the transition table keep plain Vietnamese labels (the data, the audit log and
the admin are Vietnamese); these lazily translated copies give English pages English words.
"""

from django.utils.translation import gettext_lazy as _

from motcua.dossiers.models import ApplicantKind, Channel, Consultation, Notification, Status
from motcua.people.models import OfficerRole

STATUS_LABELS = {
    Status.NEW: _("Mới đăng ký"),
    Status.RECEIVED: _("Được tiếp nhận"),
    Status.NOT_RECEIVED: _("Không được tiếp nhận"),
    Status.PROCESSING: _("Đang xử lý"),
    Status.SUPPLEMENT: _("Yêu cầu bổ sung giấy tờ"),
    Status.FINANCIAL: _("Yêu cầu thực hiện nghĩa vụ tài chính"),
    Status.WITHDRAWAL: _("Công dân yêu cầu rút hồ sơ"),
    Status.STOPPED: _("Dừng xử lý"),
    Status.DONE: _("Đã xử lý xong"),
    Status.RETURNED: _("Đã trả kết quả"),
}

CHANNEL_LABELS = {
    Channel.NATIONAL_PORTAL: _("Trực tuyến (Cổng DVC quốc gia)"),
    Channel.OWN_PORTAL: _("Trực tuyến (Cổng của tỉnh)"),
    Channel.COUNTER: _("Trực tiếp"),
    Channel.POST: _("Bưu chính công ích"),
}

APPLICANT_KIND_LABELS = {
    ApplicantKind.CITIZEN: _("Công dân"),
    ApplicantKind.ORGANISATION: _("Tổ chức, doanh nghiệp"),
}

ROLE_LABELS = {
    OfficerRole.Role.RECEPTION: _("Tiếp nhận"),
    OfficerRole.Role.SPECIALIST: _("Chuyên viên xử lý"),
    OfficerRole.Role.UNIT_HEAD: _("Lãnh đạo phòng"),
    OfficerRole.Role.APPROVER: _("Lãnh đạo phê duyệt"),
    OfficerRole.Role.MONITOR: _("Giám sát"),
    OfficerRole.Role.ADMIN: _("Quản trị"),
}

CONSULTATION_KIND_LABELS = {
    Consultation.Kind.CONSULT: _("Xin ý kiến"),
    Consultation.Kind.INTERLINK: _("Liên thông"),
}

NOTIFICATION_CHANNEL_LABELS = {
    Notification.Channel.IN_APP: _("Trong ứng dụng"),
    Notification.Channel.EMAIL: _("Thư điện tử"),
    Notification.Channel.SMS: _("Tin nhắn"),
}

#: The transition table's actions (services.TRANSITIONS), plus the creation row of the history.
ACTION_LABELS = {
    "create": _("Nộp hồ sơ"),
    "receive": _("Tiếp nhận hồ sơ"),
    "refuse_reception": _("Từ chối tiếp nhận"),
    "request_supplement": _("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "receive_supplement": _("Tiếp nhận hồ sơ bổ sung"),
    "assign": _("Phân công xử lý"),
    "complete_step": _("Hoàn thành bước xử lý"),
    "consult": _("Chuyển liên thông, xin ý kiến"),
    "answer_consultation": _("Trả lời liên thông, xin ý kiến"),
    "request_payment": _("Yêu cầu thực hiện nghĩa vụ tài chính"),
    "mark_paid": _("Xác nhận đã thực hiện nghĩa vụ tài chính"),
    "apologise": _("Xin lỗi và hẹn lại ngày trả kết quả"),
    "approve": _("Phê duyệt kết quả"),
    "refuse": _("Từ chối giải quyết"),
    "issue_result": _("Ban hành kết quả"),
    "return_result": _("Trả kết quả"),
    "request_withdrawal": _("Công dân yêu cầu rút hồ sơ"),
    "stop": _("Dừng xử lý hồ sơ"),
}


def status_label(value) -> str:
    try:
        return STATUS_LABELS[Status(value)]
    except ValueError:
        return str(value)


def channel_label(value) -> str:
    try:
        return CHANNEL_LABELS[Channel(value)]
    except ValueError:
        return str(value)


def action_label(name: str, fallback: str = "") -> str:
    return ACTION_LABELS.get(name) or fallback or name


#: The papers of a dossier (TT 03/2025), printed by motcua.dossiers (/can-bo/ho-so/<code>/phieu/NN/).
PAPER_TITLES = {
    "01": _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    "02": _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "03": _("Phiếu từ chối tiếp nhận, giải quyết hồ sơ"),
    "04": _("Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"),
    "05": _("Thông báo dừng giải quyết hồ sơ"),
    "06": _("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
}
