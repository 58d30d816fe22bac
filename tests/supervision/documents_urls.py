"""Test URLconf: the project's routes with the supervision download routes in the `supervision` namespace
(used only until `dudao/supervision/urls.py` appends `urls_documents.urlpatterns` itself)."""

from django.urls import include, path

from dudao import urls as project
from dudao.supervision import urls as supervision_urls
from dudao.supervision import urls_documents

urlpatterns = [
    path(
        "supervision/",
        include(([*supervision_urls.urlpatterns, *urls_documents.urlpatterns], "supervision")),
    ),
    *[p for p in project.urlpatterns if getattr(p, "namespace", None) != "supervision"],
]
