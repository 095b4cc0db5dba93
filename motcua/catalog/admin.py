"""Quản trị danh mục thủ tục hành chính.

The catalog's content changes by importing (`import_catalog`), which writes a new version: the
admin shows it read-only. What an administrator may decide here is a procedure's status, its
effective dates and its online level; and "Bổ sung chi tiết" writes a new version from a form
(the papers, channels, times, fees and legal basis of a procedure known only from the province's
list, ADR 0028). Each change is written to the audit log.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from motcua.audit.mixins import AuditedAdminMixin, ReadOnlyAdminMixin

from .completion import CompletionForm, complete_procedure
from .models import (
    ADMIN_SOURCE_PREFIX,
    CatalogSyncRun,
    DocumentRequirement,
    Field,
    LegalTime,
    Level,
    NationalCatalogChange,
    Procedure,
    ProcedureVersion,
    ProvincialListing,
    SubmissionMethod,
)

LEVEL_FLAGS = {
    Level.MINISTRY: "at_ministry",
    Level.PROVINCE: "at_province",
    Level.COMMUNE: "at_commune",
    Level.OTHER: "at_other",
}


class LevelFilter(admin.SimpleListFilter):
    """Cấp thực hiện: a procedure may be done at several levels."""

    title = "cấp thực hiện"
    parameter_name = "cap"

    def lookups(self, request, model_admin):
        return Level.choices

    def queryset(self, request, queryset):
        flag = LEVEL_FLAGS.get(self.value())
        return queryset.filter(**{flag: True}) if flag else queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Field)
class FieldAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "procedure_count"]
    search_fields = ["name", "slug"]
    fields = ["name", "slug"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_procedures=Count("procedures"))

    @admin.display(description="số thủ tục", ordering="n_procedures")
    def procedure_count(self, obj: Field) -> int:
        return obj.n_procedures


class VersionInline(ReadOnlyInline):
    model = ProcedureVersion
    fields = ["number", "name", "decision_no", "source", "imported_at", "superseded_at"]
    readonly_fields = fields
    ordering = ["-number"]
    verbose_name = "phiên bản"
    verbose_name_plural = "các phiên bản (chỉ xem; nội dung thay đổi bằng cách nhập danh mục)"


@admin.register(Procedure)
class ProcedureAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "field",
        "level_list",
        "online_level",
        "status",
        "provincial_listings",
        "details_pending",
    ]
    list_display_links = ["code", "name"]
    #: "chi tiết đang được cập nhật": the province-list procedures still to complete (ADR 0028).
    list_filter = [LevelFilter, "details_pending", "online_level", "status", "field"]
    search_fields = ["code", "name"]
    list_select_related = ["field"]
    list_per_page = 50
    inlines = [VersionInline]
    #: What the administrator decides; everything else comes from the import.
    editable = ["status", "effective_from", "effective_to", "abolished_on", "online_level"]
    fieldsets = [
        ("Thủ tục", {"fields": ["code", "name", "field", "level_list", "public_page", "complete_link"]}),
        (
            "Quyết định của quản trị",
            {
                "fields": editable,
                "description": "Tình trạng, ngày hiệu lực, mức độ trực tuyến; mọi thay đổi đều ghi nhật ký.",
            },
        ),
        (
            "Nguồn dữ liệu",
            {
                "fields": [
                    "online_level_source",
                    "provincial_listings",
                    "details_pending",
                    "replaced_codes",
                    "current_version",
                    "agency_count",
                    "updated_at",
                ],
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [
            "code",
            "name",
            "field",
            "level_list",
            "public_page",
            "complete_link",
            "online_level_source",
            "provincial_listings",
            "details_pending",
            "replaced_codes",
            "current_version",
            "agency_count",
            "updated_at",
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_agencies=Count("agency_links", distinct=True))

    def has_add_permission(self, request):
        return False  # procedures come from the national catalogue by import

    def has_delete_permission(self, request, obj=None):
        return False  # abolish it (status), never delete: dossiers point at it

    def save_model(self, request, obj, form, change):
        if "online_level" in form.changed_data:
            obj.online_level_source = f"{ADMIN_SOURCE_PREFIX}{request.user.get_username()}"[:120]
        super().save_model(request, obj, form, change)

    @admin.display(description="cấp thực hiện")
    def level_list(self, obj: Procedure) -> str:
        return ", ".join(obj.level_labels)

    @admin.display(description="số cơ quan thực hiện, tiếp nhận", ordering="n_agencies")
    def agency_count(self, obj: Procedure) -> int:
        return obj.n_agencies

    @admin.display(description="trang công khai")
    def public_page(self, obj: Procedure) -> str:
        url = reverse("portal:procedure_detail", args=[obj.code])
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description="chi tiết thủ tục")
    def complete_link(self, obj: Procedure) -> str:
        url = reverse("admin:catalog_procedure_complete", args=[obj.pk])
        label = "Bổ sung chi tiết (đang cập nhật)" if obj.details_pending else "Sửa chi tiết (phiên bản mới)"
        return format_html('<a class="button" href="{}">{}</a>', url, label)

    def get_urls(self):
        extra = [
            path(
                "<path:object_id>/complete/",
                self.admin_site.admin_view(self.complete_view),
                name="catalog_procedure_complete",
            )
        ]
        return extra + super().get_urls()

    def complete_view(self, request, object_id):
        """Bổ sung chi tiết: a form for the papers, channels, times, fees and legal basis; saved as a
        new version by `completion.complete_procedure` (audited; the old version is kept)."""
        procedure = self.get_object(request, object_id)
        if procedure is None:
            raise Http404
        if not self.has_change_permission(request, procedure):
            raise PermissionDenied
        if request.method == "POST":
            form = CompletionForm(request.POST)
            if form.is_valid():
                outcome, changes = complete_procedure(procedure, form.cleaned_data["record"], request.user)
                if outcome == "unchanged":
                    self.message_user(request, "Không có gì thay đổi.", messages.INFO)
                else:
                    self.message_user(
                        request,
                        f"Đã lưu phiên bản mới của {procedure.code}: {', '.join(changes)}.",
                        messages.SUCCESS,
                    )
                return redirect("admin:catalog_procedure_change", procedure.pk)
        else:
            form = CompletionForm(initial=CompletionForm.initial_for(procedure))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Bổ sung chi tiết thủ tục {procedure.code}",
            "procedure": procedure,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/catalog/procedure/complete.html", context)


class MethodInline(ReadOnlyInline):
    model = SubmissionMethod
    fields = [
        "channel",
        "processing_time_text",
        "time_amount",
        "time_unit",
        "fee_status",
        "fee_amounts",
        "fee_text",
        "note",
    ]
    readonly_fields = fields
    show_change_link = False


class DocumentInline(ReadOnlyInline):
    model = DocumentRequirement
    fields = ["group", "name", "originals", "copies", "form_template"]
    readonly_fields = fields
    show_change_link = False


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["procedure_code", "number", "name", "source", "imported_at", "superseded_at"]
    list_filter = ["source"]
    search_fields = ["procedure__code", "name", "decision_no"]
    list_select_related = ["procedure"]
    date_hierarchy = "imported_at"
    inlines = [MethodInline, DocumentInline]
    exclude = ["content_hash"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="mã thủ tục", ordering="procedure__code")
    def procedure_code(self, obj: ProcedureVersion) -> str:
        return obj.procedure.code


@admin.register(ProvincialListing)
class ProvincialListingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "source",
        "provincial_code",
        "base_code",
        "catalog_code",
        "name",
        "field_name",
        "online_level",
        "decision_no",
    ]
    list_filter = ["source", "online_level"]
    search_fields = ["provincial_code", "base_code", "catalog_code", "name"]


@admin.register(CatalogSyncRun)
class CatalogSyncRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The runs of `motcua sync catalog` and of the nightly job, with their report."""

    list_display = (
        "started_at",
        "outcome",
        "dry_run",
        "listed",
        "n_added",
        "n_changed",
        "n_abolished",
        "unchanged",
        "n_errors",
    )
    list_filter = ("outcome", "dry_run")
    readonly_fields = ("report",)
    date_hierarchy = "started_at"

    @admin.display(description="mới")
    def n_added(self, run):
        return len(run.added)

    @admin.display(description="thay đổi")
    def n_changed(self, run):
        return len(run.changed)

    @admin.display(description="bãi bỏ")
    def n_abolished(self, run):
        return len(run.abolished)

    @admin.display(description="lỗi")
    def n_errors(self, run):
        return len(run.errors)

    @admin.display(description="báo cáo")
    def report(self, run):
        return format_html("<pre>{}</pre>", "\n".join(run.lines()))


@admin.register(NationalCatalogChange)
class NationalCatalogChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What was published on the sandbox of the national TTHC database (for training and tests)."""

    list_display = ("code", "published_at")
    search_fields = ("=code",)


@admin.register(LegalTime)
class LegalTimeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Bảng thời hạn giải quyết theo luật định (ADR 0029): what the province decided, with its basis."""

    list_display = ["procedure", "channel", "display", "legal_basis_short", "set_by", "updated_at"]
    list_filter = ["unit", "channel"]
    search_fields = ["procedure__code", "procedure__name", "legal_basis"]
    list_select_related = ["procedure"]
    raw_id_fields = ["procedure"]
    fields = [
        "procedure",
        "channel",
        "amount",
        "unit",
        "legal_basis",
        "source",
        "note",
        "set_by",
        "updated_at",
    ]
    readonly_fields = ["set_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        # who set it: the administrator, so a reload of the shipped file keeps the row
        obj.set_by = (request.user.get_full_name() or request.user.get_username())[:150]
        super().save_model(request, obj, form, change)

    @admin.display(description="thời hạn")
    def display(self, obj: LegalTime) -> str:
        return obj.display

    @admin.display(description="căn cứ pháp lý")
    def legal_basis_short(self, obj: LegalTime) -> str:
        return obj.legal_basis[:120]
