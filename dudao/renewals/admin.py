"""Admin registrations of the renewals app: read-only browsing (every write goes through the services)."""

from __future__ import annotations

from django.contrib import admin

from dudao.common.admin import ReadOnlyAdmin

from .models import RenewalApplication, RenewalAttachment, RenewalConfig


@admin.register(RenewalApplication)
class RenewalApplicationAdmin(ReadOnlyAdmin):
    list_display = ("id", "institution", "filing", "kind", "status", "received_on", "decide_by", "decided_at")
    list_filter = ("status", "kind")
    search_fields = ("institution__name", "filing__number", "receipt_number", "notice_number")
    list_select_related = ("institution", "filing")


@admin.register(RenewalAttachment)
class RenewalAttachmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "application", "material", "original_name", "kind", "size", "uploaded_at")
    list_filter = ("material", "kind")


@admin.register(RenewalConfig)
class RenewalConfigAdmin(ReadOnlyAdmin):
    list_display = ("authority", "renewal_years", "receipt_prefix", "notice_prefix")
