"""Page routes of the scorecards app (included at /scorecards/)."""

from django.urls import path

from . import views

app_name = "scorecards"
urlpatterns = [
    path("", views.evaluation_list, name="evaluation_list"),
    path("new/", views.evaluation_open, name="evaluation_open"),
    path("<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path("<int:pk>/items/<str:item_id>/", views.item_save, name="item_save"),
    path("<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("<int:pk>/evidence/<int:evidence_id>/", views.evidence_download, name="evidence_download"),
    path("<int:pk>/evidence/<int:evidence_id>/delete/", views.evidence_delete, name="evidence_delete"),
    path("<int:pk>/submit/", views.evaluation_submit, name="evaluation_submit"),
    path("<int:pk>/reopen/", views.evaluation_reopen, name="evaluation_reopen"),
    path("<int:pk>/sign/", views.evaluation_sign, name="evaluation_sign"),
    path("<int:pk>/correct/", views.evaluation_correct, name="evaluation_correct"),
    path("<int:pk>/cancel/", views.evaluation_cancel, name="evaluation_cancel"),
    path("<int:pk>/document.docx", views.evaluation_docx, name="evaluation_docx"),
    path("<int:pk>/document.pdf", views.evaluation_pdf, name="evaluation_pdf"),
    path("forms/", views.form_list, name="form_list"),
    path("forms/<str:form_id>/", views.form_detail, name="form_detail"),
]
