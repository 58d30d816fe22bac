"""Admin (管理后台) for people records: read-only views (writes go through the pages/API services, which
audit and validate), and the card-number patterns, saved through the card-pattern services. ID numbers and
phone numbers appear masked only (the audited reveal is on the person page)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from dudao.common.admin import ReadOnlyAdmin, ServiceAdmin

from . import services
from .domain import mask_phone
from .models import (
    CardPattern,
    Examiner,
    ExaminerCard,
    ExaminerCardScope,
    Person,
    Relation,
    Supervisor,
    SupervisorCard,
    SupervisorContract,
)


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "id_number_masked",
        "gender",
        "birth_year",
        "phone_masked",
        "employer",
        "registered_by",
    )
    search_fields = ("name",)
    list_select_related = ("employer", "registered_by")
    # The ciphertext and the blind index never show; the masked number is the only form displayed.
    fields = (
        "name",
        "id_number_masked",
        "gender",
        "birth_year",  # SEC-3: the birth date only through the audited reveal
        "phone_masked",
        "employer",
        "employer_name",
        "registered_by",
        "created_at",
        "updated_at",
        "row_version",
    )
    readonly_fields = fields

    @admin.display(description="手机号")
    def phone_masked(self, obj: Person) -> str:
        return mask_phone(obj.phone)


class SupervisorCardInline(admin.TabularInline):
    model = SupervisorCard
    fk_name = "supervisor"
    fields = ("number", "issuer", "issued_on", "valid_until", "status", "status_reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class SupervisorContractInline(admin.TabularInline):
    model = SupervisorContract
    fields = ("term_no", "starts_on", "ends_on")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Supervisor)
class SupervisorAdmin(ReadOnlyAdmin):
    list_display = (
        "person_name",
        "masked_id",
        "kind",
        "authority",
        "institution",
        "status",
        "dismissal_flag",
    )
    list_filter = ("kind", "status", "dismissal_flag")
    search_fields = ("person__name", "cards__number")
    list_select_related = ("person", "authority", "institution")
    fields = (
        "person_name",
        "masked_id",
        "kind",
        "authority",
        "institution",
        "qualification",
        "status",
        "status_reason",
        "dismissal_flag",
        "created_at",
        "updated_at",
        "row_version",
    )
    readonly_fields = fields
    inlines = [SupervisorCardInline, SupervisorContractInline]

    @admin.display(description="姓名", ordering="person__name")
    def person_name(self, obj: Supervisor) -> str:
        return obj.person.name

    @admin.display(description="身份证号")
    def masked_id(self, obj: Supervisor) -> str:
        return obj.person.id_number_masked


class ExaminerCardScopeInline(admin.TabularInline):
    model = ExaminerCardScope
    fields = ("occupation", "work_type", "levels")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Examiner)
class ExaminerAdmin(ReadOnlyAdmin):
    list_display = ("person_name", "masked_id", "authority", "senior", "is_active")
    list_filter = ("senior", "is_active")
    search_fields = ("person__name", "cards__number")
    list_select_related = ("person", "authority")
    fields = ("person_name", "masked_id", "authority", "senior", "is_active", "created_at", "updated_at")
    readonly_fields = fields

    @admin.display(description="姓名", ordering="person__name")
    def person_name(self, obj: Examiner) -> str:
        return obj.person.name

    @admin.display(description="身份证号")
    def masked_id(self, obj: Examiner) -> str:
        return obj.person.id_number_masked


@admin.register(SupervisorCard)
class SupervisorCardAdmin(ReadOnlyAdmin):
    list_display = ("number", "supervisor", "issuer", "issued_on", "valid_until", "status")
    list_filter = ("status",)
    search_fields = ("number", "supervisor__person__name")
    list_select_related = ("supervisor__person", "issuer")


@admin.register(ExaminerCard)
class ExaminerCardAdmin(ReadOnlyAdmin):
    list_display = ("number", "examiner", "issued_on", "valid_until", "renewal_trained_on", "status")
    list_filter = ("status",)
    search_fields = ("number", "examiner__person__name")
    list_select_related = ("examiner__person",)
    inlines = [ExaminerCardScopeInline]


@admin.register(SupervisorContract)
class SupervisorContractAdmin(ReadOnlyAdmin):
    list_display = ("supervisor", "term_no", "starts_on", "ends_on")
    list_select_related = ("supervisor__person",)


@admin.register(Relation)
class RelationAdmin(ReadOnlyAdmin):
    list_display = ("person", "kind", "other_person", "institution", "declared_on", "withdrawn_on")
    list_filter = ("kind",)
    search_fields = ("person__name", "other_person__name", "institution__name")
    list_select_related = ("person", "other_person", "institution")


class CardPatternForm(forms.ModelForm):
    """The rule's fields and the version the editor read (a concurrent change is refused, not overwritten)."""

    current_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = CardPattern
        fields = ("kind", "regex", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["current_version"].initial = self.instance.row_version
            self.fields["kind"].disabled = True

    def _post_clean(self):
        # The service validates (regex, kind, version); the model's own checks would run twice.
        return None


@admin.register(CardPattern)
class CardPatternAdmin(ServiceAdmin):
    """Card number rules per kind (SUP-3): data, so the unverified defaults can be replaced."""

    form = CardPatternForm
    list_display = ("kind", "regex", "description", "updated_at")
    fields = ("kind", "regex", "description", "current_version")

    def save_via_service(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            return services.card_pattern_create(
                actor=request.user, kind=data["kind"], regex=data["regex"], description=data["description"]
            )
        return services.card_pattern_update(
            actor=request.user,
            pattern=obj,
            regex=data["regex"],
            description=data["description"],
            row_version=data.get("current_version"),
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
