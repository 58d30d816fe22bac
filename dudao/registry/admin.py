"""Admin registrations of the registry (Chinese labels come from the models' verbose names).

The admin is read-only here: every write goes through the services (scope checks, INST-3, audit chain),
i.e. through the registry pages or the API. Superusers use the admin to look things up.
"""

from __future__ import annotations

from django.contrib import admin

from dudao.common.admin import ReadOnlyAdmin

from .models import Authority, Batch, Filing, FilingScope, Institution, Occupation, Region, Venue


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)


@admin.register(Authority)
class AuthorityAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "region", "parent", "card_issuer_code", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    list_select_related = ("region", "parent")


@admin.register(Occupation)
class OccupationAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "verified", "source", "is_active")
    list_filter = ("verified", "is_active")
    search_fields = ("code", "name")


@admin.register(Institution)
class InstitutionAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "uscc", "region", "authority", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "uscc")
    list_select_related = ("region", "authority")


class FilingScopeInline(admin.TabularInline):
    model = FilingScope
    extra = 0
    can_delete = False
    readonly_fields = ("occupation", "work_type", "levels", "start_date", "ended_on")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    list_display = ("number", "institution", "authority", "valid_from", "valid_until", "status")
    list_filter = ("status",)
    search_fields = ("number", "institution__name")
    list_select_related = ("institution", "authority")
    inlines = [FilingScopeInline]


@admin.register(Venue)
class VenueAdmin(ReadOnlyAdmin):
    list_display = ("name", "institution", "room_count", "capacity", "camera_count", "is_active")
    search_fields = ("name", "institution__name")
    list_select_related = ("institution",)


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ("code", "institution", "occupation", "starts_at", "status", "candidate_count")
    list_filter = ("status",)
    search_fields = ("code", "institution__name")
    date_hierarchy = "starts_at"
    list_select_related = ("institution", "occupation")
    raw_id_fields = ("institution", "filing", "occupation", "venue", "team_leader")
