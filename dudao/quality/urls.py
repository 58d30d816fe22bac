"""Page routes of quality reports (included at /quality/)."""

from django.urls import path

from .views import campaigns, pages

app_name = "quality"
urlpatterns = [
    path("", pages.report_list, name="list"),
    path("new/", pages.report_create, name="create"),
    path("<int:pk>/", pages.report_detail, name="detail"),
    path("<int:pk>/recompute/", pages.report_recompute, name="recompute"),
    path("<int:pk>/publish/", pages.report_publish, name="publish"),
    path("<int:pk>/close/", pages.report_close, name="close"),
    path("<int:pk>/correct/", pages.report_correct, name="correct"),
    path("<int:pk>/confirm/", pages.response_confirm, name="confirm"),
    path("<int:pk>/correction/", pages.response_correction, name="correction"),
    path("<int:pk>/responses/<int:response_id>/decide/", pages.response_decide, name="decide"),
    path("<int:pk>/document.docx", pages.document_docx, name="docx"),
    path("<int:pk>/document.pdf", pages.document_pdf, name="pdf"),
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/open/", campaigns.campaign_open, name="campaign_open"),
    path("campaigns/<int:pk>/sample/", campaigns.campaign_sample, name="campaign_sample"),
    path("campaigns/<int:pk>/close/", campaigns.campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/entries/<int:entry_id>/inspect/", campaigns.entry_inspect, name="entry_inspect"),
    path("campaigns/self/", campaigns.self_list, name="self_list"),
    path("campaigns/self/<int:pk>/", campaigns.self_detail, name="self_detail"),
    path("campaigns/self/<int:pk>/save/", campaigns.self_save, name="self_save"),
]
