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
