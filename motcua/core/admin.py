from django.contrib import admin

from .models import CalendarDay, DossierCodeCounter


class YearFilter(admin.SimpleListFilter):
    """Lọc theo năm: each year's notice is checked and edited as a block."""

    title = "năm"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Lịch nghỉ lễ, nghỉ bù, làm bù: edits take effect on the next deadline computed."""

    list_display = ["date", "weekday", "kind", "name", "source"]
    list_filter = [YearFilter, "kind"]
    search_fields = ["name", "source"]
    date_hierarchy = "date"
    ordering = ["-date"]
    readonly_fields = ["created_at", "updated_at"]
    fields = ["date", "kind", "name", "source", "created_at", "updated_at"]

    @admin.display(description="thứ", ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        from .calendar import WEEKDAY_NAMES

        return WEEKDAY_NAMES[obj.date.weekday()]


@admin.register(DossierCodeCounter)
class DossierCodeCounterAdmin(admin.ModelAdmin):
    """Read-only: the counters are written only by the code generator (a manual edit would reissue codes)."""

    list_display = ["day", "scope", "last_value"]
    list_filter = ["day"]
    search_fields = ["scope"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- the task queue (ADR 0041): the library's read-only list, plus dead letters and their replay ---

from django_tasks_db import admin as _tasks_admin  # noqa: E402 — registered first, replaced below
from django_tasks_db.models import DBTaskResult  # noqa: E402

from . import tasks as _tasks  # noqa: E402


class DeadLetterFilter(admin.SimpleListFilter):
    """Thư chết: failed after every attempt and not replayed yet."""

    title = "thư chết (dead letter)"
    parameter_name = "dead"

    def lookups(self, request, model_admin):
        return [("yes", "chưa chạy lại"), ("replayed", "đã chạy lại")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status="FAILED", return_value__isnull=True)
        if self.value() == "replayed":
            return queryset.filter(status="FAILED", return_value__isnull=False)
        return queryset


if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(_tasks_admin.DBTaskResultAdmin):
    list_display = [*_tasks_admin.DBTaskResultAdmin.list_display, "attempt"]
    list_filter = [DeadLetterFilter, *_tasks_admin.DBTaskResultAdmin.list_filter]
    search_fields = ["task_path"]
    actions = ["replay"]

    @admin.display(description="lần thử")
    def attempt(self, obj: DBTaskResult) -> int:
        return int((obj.args_kwargs or {}).get("kwargs", {}).get("_attempt", 1))

    @admin.action(description="Chạy lại các việc lỗi đã chọn (thư chết)")
    def replay(self, request, queryset):
        new_ids = _tasks.replay(queryset.filter(status="FAILED", return_value__isnull=True))
        self.message_user(request, f"Đã đưa lại {len(new_ids)} việc vào hàng đợi.")

    def has_change_permission(self, request, obj=None):
        return False
