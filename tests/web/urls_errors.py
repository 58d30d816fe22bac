"""Test URLconf: the project's URLs plus a page that fails, to see the 500 page with DEBUG off."""

from django.urls import path

from dudao.urls import urlpatterns as project_urls


def boom(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [path("boom/", boom), *project_urls]
