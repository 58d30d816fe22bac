"""Shell pages: dashboard, profile, audit log; the public audit checkpoints (no login)."""

from django.urls import path

from . import audit_export, institution_record, views, views_public_audit

app_name = "web"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("me/", views.profile, name="profile"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export/", audit_export.audit_export, name="audit_export"),
    path(
        "institutions/<int:pk>/record/", institution_record.institution_record_page, name="institution_record"
    ),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
    path("public/audit/", views_public_audit.public_audit, name="public_audit"),
    path("public/audit/public-key.pem", views_public_audit.public_audit_key, name="public_audit_key"),
    path(
        "public/audit/checkpoints.json",
        views_public_audit.public_audit_checkpoints,
        name="public_audit_checkpoints",
    ),
]
