"""Admin registrations of archives: read-only browsing (every write goes through the services)."""

from __future__ import annotations

from django.contrib import admin

from dudao.common.admin import ReadOnlyAdmin

from .models import ArchivePackage, DestructionPlan, DestructionReceipt


@admin.register(ArchivePackage)
class ArchivePackageAdmin(ReadOnlyAdmin):
    list_display = ("batch_code", "title", "institution", "sealed_on", "algorithm", "manifest_digest")
    search_fields = ("batch_code", "title")
    list_select_related = ("institution",)


@admin.register(DestructionPlan)
class DestructionPlanAdmin(ReadOnlyAdmin):
    list_display = ("institution", "planned_on", "status", "created_by", "approved_by")
    list_filter = ("status",)
    list_select_related = ("institution", "created_by", "approved_by")


@admin.register(DestructionReceipt)
class DestructionReceiptAdmin(ReadOnlyAdmin):
    list_display = ("plan", "destroyed_on", "destroyed_by_name", "method", "witness")
    list_select_related = ("plan",)
