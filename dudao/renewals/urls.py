"""Page routes of the renewals app (included at /renewals/)."""

from django.urls import path

from . import exports, views, views_filings

app_name = "renewals"
urlpatterns = [
    path("", views.application_list, name="application_list"),
    path("export/", exports.application_export, name="application_export"),
    path("apply/", views.apply_pick, name="apply_pick"),
    path("apply/<int:filing_pk>/", views.apply, name="apply"),
    path("settings/", views.config, name="config"),
    path("filings/", views_filings.filing_application_list, name="filing_application_list"),
    path("filings/apply/", views_filings.filing_apply, name="filing_apply"),
    path("filings/<int:pk>/", views_filings.filing_application_detail, name="filing_application_detail"),
    path("filings/<int:pk>/review/", views_filings.filing_review, name="filing_review"),
    path("filings/<int:pk>/site-evaluation/", views_filings.filing_site, name="filing_site"),
    path("filings/<int:pk>/decision/", views_filings.filing_decide, name="filing_decide"),
    path("filings/<int:pk>/resubmit/", views_filings.filing_resubmit, name="filing_resubmit"),
    path("filings/<int:pk>/withdraw/", views_filings.filing_withdraw, name="filing_withdraw"),
    path("filings/<int:pk>/receipt.<str:fmt>", views_filings.filing_receipt, name="filing_receipt"),
    path(
        "filings/<int:pk>/attachments/<int:attachment_id>/",
        views_filings.filing_attachment,
        name="filing_attachment",
    ),
    path("<int:pk>/", views.application_detail, name="application_detail"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/not-accept/", views.not_accept, name="not_accept"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/evaluation/", views.open_evaluation, name="open_evaluation"),
    path("<int:pk>/outcome/", views.record_outcome, name="record_outcome"),
    path("<int:pk>/bureau-review/", views.bureau_review, name="bureau_review"),
    path("<int:pk>/termination/", views.start_termination, name="start_termination"),
    path("<int:pk>/documents/<str:kind>.<str:fmt>", views.download_document, name="document"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.download_attachment, name="attachment"),
]
