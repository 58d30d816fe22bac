"""Template context for every page: the sidebar of the user's role, role and scope labels."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from . import navigation as nav


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else ""
    # Lazy: htmx partials rendered with this context never pay for the sidebar.
    return {
        "nav_groups": SimpleLazyObject(lambda: nav.sidebar(user, view_name)),
        "user_role_label": SimpleLazyObject(lambda: nav.role_label(user)),
        "user_scope_label": SimpleLazyObject(lambda: nav.scope_label(user)),
    }
