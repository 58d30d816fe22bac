"""Page routes of complaints (included at /complaints/): the public pages (no login)."""

from django.urls import path

from .views import public

app_name = "complaints"
urlpatterns = [
    path("public/", public.complaint_new, name="public_new"),
    path("public/follow/", public.complaint_follow, name="public_follow"),
]
