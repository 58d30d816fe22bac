"""Admin registrations of evaluation operations: read-only browsing, the question-source policy through
its service (every write goes through the services)."""

from __future__ import annotations

from django.contrib import admin

from dudao.common.admin import ReadOnlyAdmin, ServiceAdmin

from . import services
from .models import EligibilityRuleSet, ExamPlan, QuestionSourcePolicy, Registration, RoomAssignment


@admin.register(QuestionSourcePolicy)
class QuestionSourcePolicyAdmin(ServiceAdmin):
    """INST-5: per authority, the provincial bank only or self-built resources with their papers."""

    list_display = ("authority", "bank_only", "note", "updated_at")
    fields = ("authority", "bank_only", "note")

    def save_via_service(self, request, obj, form, change):
        data = form.cleaned_data
        return services.question_policy_set(
            actor=request.user, authority=data["authority"], bank_only=data["bank_only"], note=data["note"]
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExamPlan)
class ExamPlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "batch", "status", "registration_opens_on", "registration_closes_on")
    list_filter = ("status",)
    search_fields = ("title", "batch__code")
    list_select_related = ("batch",)


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ("number", "plan", "level", "status", "source", "precheck_route", "ticket_number")
    list_filter = ("status", "source", "level")
    search_fields = ("number", "ticket_number")
    list_select_related = ("plan",)
    exclude = ("phone",)


@admin.register(RoomAssignment)
class RoomAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("plan", "status", "scenario_digest", "seed_commitment", "locked_at")
    exclude = ("seed",)


@admin.register(EligibilityRuleSet)
class EligibilityRuleSetAdmin(ReadOnlyAdmin):
    list_display = ("occupation", "standard", "is_active", "loaded_by", "loaded_at")
    list_filter = ("is_active",)
