"""Translatable labels for the catalog's choices, and the URL slugs of the public filters.

The models keep plain Vietnamese labels (the admin and the data are Vietnamese); the public
pages show these lazily translated ones, so English pages get English labels.
"""

from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import (
    Channel,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    SubmissionMethod,
    TimeUnit,
)

LEVEL_LABELS = {
    Level.MINISTRY: _("Cấp bộ"),
    Level.PROVINCE: _("Cấp tỉnh"),
    Level.COMMUNE: _("Cấp xã"),
    Level.OTHER: _("Cơ quan khác"),
}
#: ?cap= values (Vietnamese slugs) → level, in the order they are offered.
LEVEL_SLUGS = {"tinh": Level.PROVINCE, "xa": Level.COMMUNE, "bo": Level.MINISTRY, "khac": Level.OTHER}
#: The model's boolean flag for each level.
LEVEL_FLAGS = {
    Level.MINISTRY: "at_ministry",
    Level.PROVINCE: "at_province",
    Level.COMMUNE: "at_commune",
    Level.OTHER: "at_other",
}

ONLINE_LABELS = {
    OnlineLevel.FULL: _("Toàn trình"),
    OnlineLevel.PARTIAL: _("Một phần"),
    OnlineLevel.NONE: _("Cung cấp thông tin"),
    OnlineLevel.UNKNOWN: _("Chưa xác định"),
}
#: ?muc_do= values → online level.
ONLINE_SLUGS = {"toan-trinh": OnlineLevel.FULL, "mot-phan": OnlineLevel.PARTIAL}

CHANNEL_LABELS = {
    Channel.ONLINE: _("Trực tuyến"),
    Channel.COUNTER: _("Trực tiếp"),
    Channel.POST: _("Dịch vụ bưu chính"),
}
CHANNEL_ORDER = [Channel.ONLINE, Channel.COUNTER, Channel.POST]

TIME_UNIT_LABELS = {
    TimeUnit.WORKING_DAYS: _("ngày làm việc"),
    TimeUnit.DAYS: _("ngày"),
    TimeUnit.WORKING_HOURS: _("giờ làm việc"),
    TimeUnit.MONTHS: _("tháng"),
    TimeUnit.NOT_REGULATED: _("Không quy định"),
    TimeUnit.UNKNOWN: _("chưa rõ"),
}

FEE_LABELS = {
    SubmissionMethod.FeeStatus.FREE: _("Miễn phí"),
    SubmissionMethod.FeeStatus.PAID: _("Có phí, lệ phí"),
    SubmissionMethod.FeeStatus.UNKNOWN: _("Chưa có thông tin"),
}

STATUS_LABELS = {
    Procedure.Status.IN_FORCE: _("Đang có hiệu lực"),
    Procedure.Status.EXPIRED: _("Hết hiệu lực"),
    Procedure.Status.ABOLISHED: _("Đã bãi bỏ"),
}

ROLE_LABELS = {
    ProcedureAgency.Role.RECEIVING: _("Tiếp nhận hồ sơ"),
    ProcedureAgency.Role.IMPLEMENTING: _("Giải quyết"),
}
