"""Admin views of the scorecards app: read-only (every write goes through the audited services)."""

from django.contrib import admin

from dudao.common.admin import ReadOnlyAdmin

from .models import Evaluation, EvaluationMember, Evidence, ScoreFormVersion


class MemberInline(admin.TabularInline):
    model = EvaluationMember
    extra = 0
    can_delete = False
    readonly_fields = ("user", "is_leader", "signed_at", "signed_digest")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ScoreFormVersion)
class ScoreFormVersionAdmin(ReadOnlyAdmin):
    list_display = ("form_id", "version", "title", "is_current", "source", "created_at")
    list_filter = ("form_id", "is_current", "source")


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ("id", "institution", "form_version", "purpose", "status", "total", "band", "version_no")
    list_filter = ("status", "purpose")
    search_fields = ("institution__name",)
    list_select_related = ("institution", "form_version")
    inlines = [MemberInline]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "evaluation_label",
        "item_id",
        "original_name",
        "content_type",
        "size",
        "uploaded_at",
    )
    list_select_related = ("evaluation",)

    @admin.display(description="评估", ordering="evaluation")
    def evaluation_label(self, obj: Evidence) -> str:
        return str(obj.evaluation)
