"""The exchange message log for officers (nhật ký trao đổi dữ liệu): search and one message's page.

Only administrators (the ADMIN role at any agency, or a superuser) see it: they keep the integrations
(design: "administrator … integrations"), and the rows carry other people's personal data. Bodies and
URLs are shown with personal data masked (`exchange.masking`); each search and each message page is
written to the audit log.
"""

from dataclasses import dataclass
from datetime import datetime, time

from django import forms
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.audit.services import record as audit_record
from motcua.exchange.masking import mask_personal
from motcua.exchange.models import MessageLog
from motcua.people.models import OfficerRole

from .guards import agencies_with_role, forbidden, officer_required

PER_PAGE = 50
#: The outside systems, named for people (the service names of MOTCUA_EXCHANGE_SERVICES and the
#: payment gateways).
SYSTEMS = {
    "national_portal": "Cổng Dịch vụ công quốc gia",
    "population": "CSDL quốc gia về dân cư",
    "civil_status": "CSDL hộ tịch điện tử",
    "business": "CSDL quốc gia về đăng ký doanh nghiệp",
    "social_insurance": "CSDL quốc gia về bảo hiểm",
    "driving_licence": "CSDL giấy phép lái xe",
    "payments.national": "Nền tảng thanh toán trên Cổng DVCQG",
    "payments.bank": "Ngân hàng (tài khoản chuyên thu)",
}


def may_read_messages(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or bool(
        agencies_with_role(user, OfficerRole.Role.ADMIN)
    )


def _systems() -> list[tuple[str, str]]:
    names = set(MessageLog.objects.values_list("service", flat=True).distinct()) | set(SYSTEMS)
    return [("", gettext_lazy("Tất cả"))] + sorted(
        ((n, SYSTEMS.get(n, n)) for n in names), key=lambda p: p[1]
    )


class SearchForm(forms.Form):
    he_thong = forms.ChoiceField(label=gettext_lazy("Hệ thống"), required=False)
    dich_vu = forms.CharField(
        label=gettext_lazy("Dịch vụ / thao tác"),
        required=False,
        max_length=80,
        help_text=gettext_lazy("Ví dụ: DongBoHoSoMC, cong-dan"),
    )
    ket_qua = forms.ChoiceField(
        label=gettext_lazy("Kết quả"),
        required=False,
        choices=[("", gettext_lazy("Tất cả")), *MessageLog.Outcome.choices],
    )
    ma = forms.CharField(
        label=gettext_lazy("Mã hồ sơ hoặc mã tương quan"),
        required=False,
        max_length=64,
    )
    tu_ngay = forms.DateField(
        label=gettext_lazy("Từ ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    den_ngay = forms.DateField(
        label=gettext_lazy("Đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["he_thong"].choices = _systems()

    def clean(self):
        data = super().clean()
        start, end = data.get("tu_ngay"), data.get("den_ngay")
        if start and end and start > end:
            self.add_error("den_ngay", _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
        return data


def search(form: SearchForm):
    """The rows the (valid) form asks for, newest first."""
    data = form.cleaned_data
    rows = MessageLog.objects.all()
    if data.get("he_thong"):
        rows = rows.filter(service=data["he_thong"])
    if data.get("dich_vu"):
        operation = data["dich_vu"].strip()
        # The portal names its service in the body; registries in the path.
        rows = rows.filter(
            Q(url__icontains=operation) | Q(request_body__contains=f'"service": "{operation}"')
        )
    if data.get("ket_qua"):
        rows = rows.filter(outcome=data["ket_qua"])
    if data.get("ma"):
        code = data["ma"].strip()
        rows = rows.filter(
            Q(correlation_id=code)
            | Q(url__contains=code)
            | Q(request_body__contains=f'"{code}"')
            | Q(response_body__contains=f'"{code}"')
        )
    zone = timezone.get_current_timezone()
    if data.get("tu_ngay"):
        rows = rows.filter(
            created_at__gte=timezone.make_aware(datetime.combine(data["tu_ngay"], time.min), zone)
        )
    if data.get("den_ngay"):
        rows = rows.filter(
            created_at__lte=timezone.make_aware(datetime.combine(data["den_ngay"], time.max), zone)
        )
    return rows.order_by("-created_at", "-id").defer("request_body", "response_body")


@dataclass
class Page:
    """One page of rows without counting them all (the log grows by millions of rows)."""

    rows: list
    number: int
    has_next: bool

    @classmethod
    def of(cls, queryset, number) -> "Page":
        try:
            number = min(max(1, int(number or 1)), 10_000)
        except (TypeError, ValueError):
            number = 1
        start = (number - 1) * PER_PAGE
        rows = list(queryset[start : start + PER_PAGE + 1])
        return cls(rows[:PER_PAGE], number, len(rows) > PER_PAGE)

    def __iter__(self):
        return iter(self.rows)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


@officer_required
def message_list(request):
    if not may_read_messages(request.user):
        return forbidden(request, _("Chỉ cán bộ quản trị hệ thống được xem nhật ký trao đổi dữ liệu."))
    form = SearchForm(request.GET)  # every field is optional: no filter lists the newest
    page = None
    if form.is_valid():
        page = Page.of(search(form), request.GET.get("trang"))
        audit_record(
            "exchange.messagelog.search",
            actor=request.user,
            object_type="exchange.messagelog",
            data={"query": {k: v for k, v in request.GET.items() if k != "trang" and v}},
        )
    query = request.GET.copy()
    query.pop("trang", None)
    context = {
        "form": form,
        "page": page,
        "rows": [(row, SYSTEMS.get(row.service, row.service), mask_personal(row.url)) for row in page or []],
        "query": query.urlencode(),
    }
    return render(request, "backoffice/messages/list.html", context, status=200 if page is not None else 400)


@officer_required
def message_detail(request, pk: int):
    if not may_read_messages(request.user):
        return forbidden(request, _("Chỉ cán bộ quản trị hệ thống được xem nhật ký trao đổi dữ liệu."))
    row = MessageLog.objects.filter(pk=pk).first()
    if row is None:
        raise Http404(_("Không có bản ghi này trong nhật ký."))
    # The bodies carry other people's personal data: who opened which message is recorded.
    audit_record("exchange.messagelog.view", actor=request.user, obj=row)
    attempts = MessageLog.objects.filter(correlation_id=row.correlation_id).exclude(pk=row.pk).order_by("id")
    context = {
        "row": row,
        "system": SYSTEMS.get(row.service, row.service),
        "url": mask_personal(row.url),
        "request_body": mask_personal(row.request_body),
        "response_body": mask_personal(row.response_body),
        "attempts": attempts.defer("request_body", "response_body")[:20],
    }
    return render(request, "backoffice/messages/detail.html", context)


urlpatterns = [
    path("trao-doi/", message_list, name="messages"),
    path("trao-doi/<int:pk>/", message_detail, name="message"),
]
