"""Template context for every page: the sidebar of the user's role, role and scope labels, unread count."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject, new_method_proxy

from dudao.notifications.selectors import unread_count

from . import navigation as nav


class LazyCount(SimpleLazyObject):
    """A lazily counted number that also works with int() (e.g. the `add` filter)."""

    __int__ = new_method_proxy(int)
    __index__ = new_method_proxy(int)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else ""
    # Lazy: htmx partials rendered with this context never pay for the sidebar or the unread count;
    # a full page pays one COUNT for the bell however many times the templates show it.
    return {
        "nav_groups": SimpleLazyObject(lambda: nav.sidebar(user, view_name)),
        "user_role_label": SimpleLazyObject(lambda: nav.role_label(user)),
        "user_scope_label": SimpleLazyObject(lambda: nav.scope_label(user)),
        "unread_message_count": LazyCount(lambda: unread_count(user)),
        "user_uses_api": bool(nav.uses_api(user)),
    }
