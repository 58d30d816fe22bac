"""Shell pages: dashboard, profile, audit log; the public audit checkpoints (no login)."""

from django.contrib.auth.decorators import login_required
from django.urls import path

from . import audit_export, imports, institution_record, views, views_public_audit

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
    path("imports/<int:pk>/", login_required(imports.import_job), name="import_job"),
    path("imports/<int:pk>/errors.xlsx", login_required(imports.import_job_errors), name="import_job_errors"),
    path("public/audit/", views_public_audit.public_audit, name="public_audit"),
    path("public/audit/public-key.pem", views_public_audit.public_audit_key, name="public_audit_key"),
    path(
        "public/audit/checkpoints.json",
        views_public_audit.public_audit_checkpoints,
        name="public_audit_checkpoints",
    ),
]
