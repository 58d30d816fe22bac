"""Page routes of batch archives (included at /archives/)."""

from django.urls import path

from . import views

app_name = "archives"
urlpatterns = [
    path("", views.package_list, name="package_list"),
    path("seal/<int:plan_pk>/", views.package_seal, name="package_seal"),
    path("verify/", views.upload_verify, name="upload_verify"),
    path("destruction/", views.destruction_list, name="destruction_list"),
    path("destruction/new/", views.destruction_create, name="destruction_create"),
    path("destruction/<int:pk>/approve/", views.destruction_approve, name="destruction_approve"),
    path("destruction/<int:pk>/receipt/", views.destruction_receipt, name="destruction_receipt"),
    path("<int:pk>/", views.package_detail, name="package_detail"),
    path("<int:pk>/verify/", views.package_verify, name="package_verify"),
    path("<int:pk>/download/", views.package_download, name="package_download"),
]
