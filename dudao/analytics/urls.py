"""Page routes of the flags (included at /analytics/)."""

from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("flags/", views.flag_list, name="flag_list"),
    path("flags/export.xlsx", views.flag_export, name="flag_export"),
    path("flags/<int:pk>/", views.flag_detail, name="flag_detail"),
    path("flags/<int:pk>/dismiss/", views.flag_dismiss, name="flag_dismiss"),
    path("flags/<int:pk>/confirm/", views.flag_confirm, name="flag_confirm"),
]
