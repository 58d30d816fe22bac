"""Page routes of complaints (included at /complaints/): the public pages (no login) and the authority's."""

from django.urls import path

from .views import handling, public, staff

app_name = "complaints"
urlpatterns = [
    path("public/", public.complaint_new, name="public_new"),
    path("public/follow/", public.complaint_follow, name="public_follow"),
    path("public/channel/", public.complaint_channel, name="public_channel"),
    path("public/statistics/", public.complaint_statistics, name="public_statistics"),
    path("", staff.complaint_list, name="list"),
    path("<int:pk>/", staff.complaint_detail, name="detail"),
    path("<int:pk>/decide/", staff.complaint_decide, name="decide"),
    path("<int:pk>/filer/", staff.complaint_filer, name="filer"),
    path("<int:pk>/documents/<str:kind>.<str:fmt>", staff.complaint_document, name="document"),
    path("<int:pk>/handle/<slug:action>/", handling.complaint_handle, name="handle"),
]
