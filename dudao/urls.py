"""Page routes and the API mount."""

from django.contrib import admin
from django.urls import include, path

from dudao.api import api


def busiest_first(urls: tuple) -> tuple:
    """The API's URL patterns with the public ones (`public/…`) first: Django tries the patterns in order
    (about 270 here), and the public certificate look-up is the busiest path (issue 11 Performance).

    The order changes no answer: a path under `public/` can only be matched by a public pattern or by one
    that starts with a converter (the API's catch-all `<path:rest>`), and none of those may come before a
    public pattern (else the order is left as it is). Checked by tests/test_urls.py."""
    patterns, app_name, namespace = urls
    routes = [str(p.pattern) for p in patterns]
    public = [i for i, route in enumerate(routes) if route.startswith("public/")]
    if not public or any(route.startswith("<") for route in routes[: public[-1]]):
        return urls
    moved = set(public)
    rest = [p for i, p in enumerate(patterns) if i not in moved]
    return [patterns[i] for i in public] + rest, app_name, namespace


admin.site.site_header = "督导平台管理后台"
admin.site.site_title = "督导平台"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", busiest_first(api.urls)),
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
    path("quality/", include("dudao.quality.urls")),
    path("analytics/", include("dudao.analytics.urls")),
    path("dashboards/", include("dudao.dashboards.urls")),
    path("", include("dudao.accounts.urls")),
    path("", include("dudao.web.urls")),
]
