"""Page routes and the API mount."""

from django.contrib import admin
from django.urls import include, path

from dudao.api import api

admin.site.site_header = "督导平台管理后台"
admin.site.site_title = "督导平台"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("registry/", include("dudao.registry.urls")),
    path("people/", include("dudao.people.urls")),
    path("workdays/", include("dudao.workdays.urls")),
    path("scorecards/", include("dudao.scorecards.urls")),
    path("notifications/", include("dudao.notifications.urls")),
    path("renewals/", include("dudao.renewals.urls")),
    path("supervision/", include("dudao.supervision.urls")),
    path("exams/", include("dudao.exams.urls")),
    path("archives/", include("dudao.archives.urls")),
    path("complaints/", include("dudao.complaints.urls")),
    path("", include("dudao.accounts.urls")),
    path("", include("dudao.web.urls")),
]
