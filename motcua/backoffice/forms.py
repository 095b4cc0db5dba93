"""Forms of the officers' site. They only check and shape input; services decide and change.

Every action form carries the dossier's `version`, so `perform(..., expected_version=version)`
refuses an action taken on a page that someone else has changed since it was loaded.
Field ids are prefixed with the action name (`assign-assignee`), so every label is unique on
the page and browser tests can find each control by its label inside the action's section.
"""

import uuid
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.core import calendar
from motcua.core.text import fold
from motcua.dossiers.models import ApplicantKind, Channel, Consultation
from motcua.people.models import OfficerRole, User
from motcua.places.models import Agency

from . import labels
from .uploads import UploadRejected, check_upload

Role = OfficerRole.Role
TEXT = {"rows": 3, "cols": 40}


class ActionForm(forms.Form):
    """No input but the version and an optional note (receive, approve, return_result, …)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_("Ghi chú (không bắt buộc)"),
        # Internal: notifications never carry it (dossiers.services.APPLICANT_READS).
        help_text=_("Ghi chú nội bộ: không gửi cho người nộp hồ sơ."),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs=TEXT),
    )

    def __init__(self, *args, dossier=None, action: str = "", **kwargs):
        kwargs.setdefault("auto_id", f"{action or 'action'}-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.dossier, self.action = dossier, action

    def params(self) -> dict:
        """The keyword arguments for services.perform()."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        return {k: v for k, v in data.items() if v not in (None, "", [], False)}


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Lý do"), max_length=2000, widget=forms.Textarea(attrs=TEXT))
    field_order = ["reason", "note", "version"]


class WithdrawalForm(ActionForm):
    reason = forms.CharField(
        label=_("Lý do rút hồ sơ (không bắt buộc)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs=TEXT),
    )
    field_order = ["reason", "note", "version"]


class SupplementForm(ActionForm):
    reason = forms.CharField(
        label=_("Giấy tờ cần bổ sung, hoàn thiện và lý do"),
        max_length=2000,
        widget=forms.Textarea(attrs=TEXT),
    )
    second_allowed_by_law = forms.BooleanField(
        label=_("Yêu cầu bổ sung lần hai được pháp luật chuyên ngành cho phép (hồ sơ sẽ bị tính là quá hạn)"),
        required=False,
    )
    field_order = ["reason", "second_allowed_by_law", "note", "version"]


def people_choices(users) -> list[tuple[str, str]]:
    """Officers as a person picks them: by full name; the username only tells two namesakes apart.
    Sorted here: names are encrypted at rest (ADR 0048), the database cannot order by them."""
    users = sorted(users, key=lambda u: (fold(u.full_name or u.username), u.username))
    names = [u.full_name or u.username for u in users]
    return [
        (str(u.pk), f"{name} ({u.username})" if names.count(name) > 1 else name)
        for u, name in zip(users, names, strict=True)
    ]


def assignee_choices(agency_id: int) -> list[tuple[str, str]]:
    """Specialists and unit heads of the handling agency (người được phân công)."""
    users = (
        User.objects.filter(
            is_active=True,
            roles__agency_id=agency_id,
            roles__role__in=[Role.SPECIALIST, Role.UNIT_HEAD],
        )
        .distinct()
        .only("pk", "username", "full_name")
    )
    return people_choices(users)


class AssignForm(ActionForm):
    assignee = forms.ChoiceField(label=_("Giao cho"))
    field_order = ["assignee", "note", "version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = assignee_choices(self.dossier.handling_agency_id) if self.dossier else []
        self.fields["assignee"].choices = [("", _("— chọn chuyên viên —")), *choices]

    def params(self) -> dict:
        params = super().params()
        params["assignee"] = int(params["assignee"])
        return params


AGENCY_GROUPS = [
    (
        _("Cơ quan cấp tỉnh"),
        {Agency.Kind.PROVINCIAL_COMMITTEE, Agency.Kind.DEPARTMENT, Agency.Kind.PROVINCIAL_CENTER},
    ),
    (_("UBND cấp xã"), {Agency.Kind.COMMUNE_COMMITTEE}),
    (_("Công an cấp xã"), {Agency.Kind.COMMUNE_POLICE}),
    (_("Trung tâm phục vụ hành chính công cấp xã"), {Agency.Kind.COMMUNE_CENTER}),
    (_("Cơ quan khác"), {Agency.Kind.OTHER}),
]


def grouped_agencies(exclude_id: int | None = None) -> list:
    agencies = Agency.objects.filter(is_active=True).exclude(pk=exclude_id).only("pk", "name", "kind")
    groups: list[list] = [[] for _group in AGENCY_GROUPS]
    for agency in agencies.order_by("code"):
        for i, (_label, kinds) in enumerate(AGENCY_GROUPS):
            if agency.kind in kinds:
                groups[i].append((str(agency.pk), agency.name))
                break
    return [(AGENCY_GROUPS[i][0], options) for i, options in enumerate(groups) if options]


class ConsultForm(ActionForm):
    to_agencies = forms.MultipleChoiceField(
        label=_("Cơ quan được chuyển liên thông, xin ý kiến"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    kind = forms.ChoiceField(
        label=_("Hình thức"),
        choices=[
            (Consultation.Kind.INTERLINK, labels.CONSULTATION_KIND_LABELS[Consultation.Kind.INTERLINK]),
            (Consultation.Kind.CONSULT, labels.CONSULTATION_KIND_LABELS[Consultation.Kind.CONSULT]),
        ],
    )
    question = forms.CharField(
        label=_("Nội dung đề nghị"), max_length=4000, widget=forms.Textarea(attrs=TEXT)
    )
    days = forms.IntegerField(
        label=_("Thời hạn trả lời (ngày làm việc)"), min_value=1, max_value=30, initial=5
    )
    field_order = ["to_agencies", "kind", "question", "days", "note", "version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        exclude = self.dossier.handling_agency_id if self.dossier else None
        self.fields["to_agencies"].choices = grouped_agencies(exclude)

    def params(self) -> dict:
        params = super().params()
        params["to_agencies"] = [int(pk) for pk in params["to_agencies"]]
        return params


class AnswerForm(ActionForm):
    answer = forms.CharField(label=_("Nội dung trả lời"), max_length=4000, widget=forms.Textarea(attrs=TEXT))
    field_order = ["answer", "note", "version"]


class PaymentForm(ActionForm):
    amount = forms.IntegerField(label=_("Số tiền phải nộp (đồng)"), min_value=1, max_value=10**12)
    field_order = ["amount", "note", "version"]


class PaidForm(ActionForm):
    reference = forms.CharField(
        label=_("Số biên lai hoặc mã giao dịch (không bắt buộc)"), required=False, max_length=100
    )
    field_order = ["reference", "note", "version"]


class ApologiseForm(ActionForm):
    new_due = forms.DateField(label=_("Ngày hẹn trả mới"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Lý do chậm trễ"), max_length=180, widget=forms.Textarea(attrs=TEXT))
    field_order = ["new_due", "reason", "note", "version"]

    def clean_new_due(self):
        day: date = self.cleaned_data["new_due"]
        if not calendar.get_calendar().is_working_day(day):
            raise forms.ValidationError(_("Ngày hẹn trả mới phải là ngày làm việc."))
        return day

    def params(self) -> dict:
        params = super().params()
        params["new_due_at"] = calendar.get_calendar().closing_time(params.pop("new_due"))
        return params


ACTION_FORMS = {
    "refuse_reception": ReasonForm,
    "refuse": ReasonForm,
    "request_withdrawal": WithdrawalForm,
    "request_supplement": SupplementForm,
    "assign": AssignForm,
    "consult": ConsultForm,
    "answer_consultation": AnswerForm,
    "request_payment": PaymentForm,
    "mark_paid": PaidForm,
    "apologise": ApologiseForm,
}


def action_form(action: str, dossier, data=None) -> ActionForm:
    cls = ACTION_FORMS.get(action, ActionForm)
    initial = {"version": dossier.version}
    return cls(data, dossier=dossier, action=action, initial=initial)


# --- bulk ------------------------------------------------------------------------------------

BULK_ACTIONS = ("assign", "return_result")
MAX_BULK = 200


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Thao tác với các hồ sơ đã chọn"),
        choices=[
            ("assign", labels.ACTION_LABELS["assign"]),
            ("return_result", labels.ACTION_LABELS["return_result"]),
        ],
    )
    assignee = forms.ChoiceField(label=_("Giao cho (khi phân công)"), required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args, assignees=(), **kwargs):
        kwargs.setdefault("auto_id", "bulk-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("— chọn chuyên viên —")), *assignees]

    def clean(self):
        data = super().clean()
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Chọn người được phân công."))
        return data


def parse_selection(values) -> list[tuple[int, int]]:
    """Checkbox values "id:version" → [(id, version)], dropping anything malformed."""
    out = []
    for value in values[:MAX_BULK]:
        pk, _sep, version = str(value).partition(":")
        if pk.isdigit() and version.isdigit():
            out.append((int(pk), int(version)))
    return out


def bulk_assignee_choices(user) -> list[tuple[str, str]]:
    """Specialists and unit heads of the agencies where the user may assign (unit head, specialist)."""
    from motcua.dossiers.access import roles_of

    agencies = [
        agency_id for agency_id, roles in roles_of(user).items() if roles & {Role.UNIT_HEAD, Role.SPECIALIST}
    ]
    if not agencies:
        return []
    users = (
        User.objects.filter(
            is_active=True, roles__agency_id__in=agencies, roles__role__in=[Role.SPECIALIST, Role.UNIT_HEAD]
        )
        .distinct()
        .only("pk", "username", "full_name")
    )
    return people_choices(users)


# --- counter reception -----------------------------------------------------------------------


class ApplicantForm(forms.Form):
    """Who hands the dossier in, where, and how the result goes back."""

    receiving_agency = forms.ChoiceField(label=_("Nơi tiếp nhận"))
    kind = forms.ChoiceField(
        label=_("Người nộp là"),
        widget=forms.RadioSelect,
        initial=ApplicantKind.CITIZEN,
        choices=[(k, labels.APPLICANT_KIND_LABELS[k]) for k in ApplicantKind],
    )
    name = forms.CharField(label=_("Họ và tên (hoặc tên tổ chức)"), max_length=200)
    id_number = forms.CharField(
        label=_("Số định danh cá nhân (12 chữ số) hoặc mã số thuế"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    summary = forms.CharField(label=_("Trích yếu (không bắt buộc)"), max_length=500, required=False)
    channel = forms.ChoiceField(
        label=_("Hình thức nộp"),
        widget=forms.RadioSelect,
        initial=Channel.COUNTER,
        choices=[(c, labels.CHANNEL_LABELS[c]) for c in (Channel.COUNTER, Channel.POST)],
    )
    result_by_post = forms.BooleanField(label=_("Trả kết quả qua bưu chính"), required=False)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, agencies=(), **kwargs):
        kwargs.setdefault("auto_id", "tn-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["receiving_agency"].choices = [(str(a.pk), a.name) for a in agencies]
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().replace(" ", "")

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = phone.replace(" ", "").replace(".", "").lstrip("+")
        if phone and not (digits.isdigit() and 9 <= len(digits) <= 12):
            raise forms.ValidationError(_("Số điện thoại chỉ gồm chữ số (9 đến 12 số)."))
        return phone


class PaperForm(forms.Form):
    """One paper of the procedure's requirements: received?, how many, a scan."""

    received = forms.BooleanField(label=_("Đã nhận"), required=False)
    originals = forms.IntegerField(label=_("Bản chính"), min_value=0, max_value=99, initial=0)
    copies = forms.IntegerField(label=_("Bản sao"), min_value=0, max_value=99, initial=0)
    file = forms.FileField(
        label=_("Bản quét (PDF, JPEG, PNG; tối đa 10 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    digitised = forms.BooleanField(label=_("Đã số hóa"), required=False)

    def __init__(self, *args, requirement=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.requirement = requirement
        self.checked = None

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            try:
                self.checked = check_upload(upload)
            except UploadRejected as exc:
                raise forms.ValidationError(exc.message) from None
        return upload

    def clean(self):
        data = super().clean()
        if data.get("file") and not data.get("received"):
            data["received"] = True  # a scanned paper has been received
        return data


class ExtraPaperForm(PaperForm):
    name = forms.CharField(label=_("Tên giấy tờ khác"), max_length=500, required=False)
    field_order = ["name", "received", "originals", "copies", "file", "digitised"]

    def clean(self):
        data = super().clean()
        if (data.get("received") or data.get("file")) and not data.get("name"):
            self.add_error("name", _("Nhập tên giấy tờ."))
        return data
