"""Test URLconf where every sidebar URL name resolves (stubs for the other apps' pages)."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path


def stub(request):
    return HttpResponse("stub")


def ns(app_name, names):
    return ([path(f"{name}/", stub, name=name) for name in names], app_name)


urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "registry/",
        include(
            ns(
                "registry",
                [
                    "institution_list",
                    "institution_detail",
                    "filing_list",
                    "batch_list",
                    "occupation_list",
                    "venue_list",
                    "authority_list",
                ],
            )
        ),
    ),
    path(
        "people/",
        include(
            (
                [
                    *ns("people", ["supervisor_list", "examiner_list", "person_list"])[0],
                    path("supervisors/<int:pk>/", stub, name="supervisor_detail"),
                    path("examiners/<int:pk>/", stub, name="examiner_detail"),
                    path("persons/<int:pk>/", stub, name="person_detail"),
                ],
                "people",
            )
        ),
    ),
    path("workdays/", include(ns("workdays", ["calendar"]))),
    path("", include("dudao.accounts.urls")),
    path("", include("dudao.web.urls")),
]
