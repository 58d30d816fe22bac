"""Read-mostly admin for supervision records (writes go through services; the admin is for inspection)."""

from django.contrib import admin

from dudao.common.admin import ReadOnlyAdmin

from .models import (
    Draw,
    Finding,
    MisconductRecord,
    Opinion,
    Penalty,
    Rectification,
    Report,
    SupervisionPolicy,
    SupervisionTask,
    SupervisorAssessment,
    SupervisorRating,
    TaskMember,
)


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "title",
        "authority",
        "kind",
        "task_kind",
        "status",
        "published_at",
        "locked_at",
    )
    list_filter = ("status", "kind", "task_kind")
    search_fields = ("number", "title")
    exclude = ("seed", "final_seed")  # secret until the lock (RAND-2, issue 8 §7)


class MemberInline(admin.TabularInline):
    model = TaskMember
    extra = 0
    can_delete = False
    fields = ("supervisor", "role", "response", "justified", "active")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SupervisionTask)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ("number", "institution", "kind", "covert", "status", "starts_at", "report_due_on")
    list_filter = ("status", "kind", "covert")
    search_fields = ("number", "institution__name")
    inlines = [MemberInline]


for model in (
    SupervisionPolicy,
    Finding,
    Report,
    Opinion,
    Rectification,
    Penalty,
    SupervisorRating,
    SupervisorAssessment,
    MisconductRecord,
):
    admin.site.register(model, ReadOnlyAdmin)
