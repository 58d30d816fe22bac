"""Admin: sent messages, read-only (messages are written only by services.notify)."""

from __future__ import annotations

from django.contrib import admin

from dudao.common.admin import ReadOnlyAdmin

from .models import Message


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "recipient__username", "dedupe_key", "object_id")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
