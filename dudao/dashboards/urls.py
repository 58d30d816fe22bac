from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.authority, name="authority"),
    path("institution/", views.institution, name="institution_own"),
    path("institutions/<int:pk>/", views.institution, name="institution"),
    path("public/", views.public, name="public"),
]
