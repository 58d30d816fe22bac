"""Test URLconf with only this helper's pages (no registry/people/workdays URLs yet)."""

from django.urls import include, path

urlpatterns = [
    path("", include("dudao.accounts.urls")),
    path("", include("dudao.web.urls")),
]
