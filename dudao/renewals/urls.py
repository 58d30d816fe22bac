"""Page routes of the renewals app (included at /renewals/)."""

from django.urls import path

from . import exports, views

app_name = "renewals"
urlpatterns = [
    path("", views.application_list, name="application_list"),
    path("export/", exports.application_export, name="application_export"),
    path("apply/", views.apply_pick, name="apply_pick"),
    path("apply/<int:filing_pk>/", views.apply, name="apply"),
    path("settings/", views.config, name="config"),
    path("<int:pk>/", views.application_detail, name="application_detail"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/not-accept/", views.not_accept, name="not_accept"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/evaluation/", views.open_evaluation, name="open_evaluation"),
    path("<int:pk>/outcome/", views.record_outcome, name="record_outcome"),
    path("<int:pk>/documents/<str:kind>.<str:fmt>", views.download_document, name="document"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.download_attachment, name="attachment"),
]
