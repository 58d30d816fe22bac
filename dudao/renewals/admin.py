"""Admin registrations of the renewals app: read-only browsing (every write goes through the services)."""

from __future__ import annotations

from django.contrib import admin

from .models import RenewalApplication, RenewalAttachment, RenewalConfig


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and search only; changes are made in the renewal pages or the API (services, audit)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RenewalApplication)
class RenewalApplicationAdmin(ReadOnlyAdmin):
    list_display = ("id", "institution", "filing", "kind", "status", "received_on", "decide_by", "decided_at")
    list_filter = ("status", "kind")
    search_fields = ("institution__name", "filing__number", "receipt_number", "notice_number")
    list_select_related = ("institution", "filing")


@admin.register(RenewalAttachment)
class RenewalAttachmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "application", "kind", "original_name", "size", "uploaded_at")
    list_filter = ("kind",)


@admin.register(RenewalConfig)
class RenewalConfigAdmin(ReadOnlyAdmin):
    list_display = ("authority", "renewal_years", "receipt_prefix", "notice_prefix")
