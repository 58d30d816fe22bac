"""Pages of the message centre: the inbox, mark read (htmx), open a message's object, the bell dropdown."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from dudao.web.kit import application_errors_as_http, is_partial_request, list_page, safe_next

from . import selectors, services

SHOW_CHOICES = ("all", "unread")


def _show(request) -> str:
    show = request.GET.get("show") or request.POST.get("show") or "all"
    return show if show in SHOW_CHOICES else "all"


@require_GET
@login_required
def inbox(request):
    """My messages, newest first; unread highlighted; 全部 / 未读 tabs; pagination."""
    show = _show(request)
    qs = selectors.messages_for(request.user, unread=True if show == "unread" else None)
    page = list_page(request, qs)
    return render(request, "notifications/inbox.html", {"page": page, "show": show})


@require_POST
@login_required
@application_errors_as_http
def mark_read(request, message_id: int):
    """Mark one of my messages read; htmx gets the row back (and the new badge count out of band)."""
    message = services.message_mark_read(actor=request.user, message=message_id)
    if is_partial_request(request):
        context = {"m": message, "oob_count": selectors.unread_count(request.user)}
        return render(request, "notifications/partials/message_row.html", context)
    return redirect(safe_next(request, reverse("notifications:inbox")))


@require_POST
@login_required
def mark_all_read(request):
    """Mark all my unread messages read and return to the inbox."""
    updated = services.messages_mark_all_read(actor=request.user)
    flash.success(request, f"已将 {updated} 条消息标为已读" if updated else "没有未读消息")
    return redirect(safe_next(request, reverse("notifications:inbox")))


@require_GET
@login_required
@application_errors_as_http
def open_message(request, message_id: int):
    """Follow a message to its object; opening it marks it read (it has been seen)."""
    message = services.message_mark_read(actor=request.user, message=message_id)
    # Links are checked when sent (domain.is_safe_link); checked again so a bad row cannot redirect away.
    if message.link and url_has_allowed_host_and_scheme(message.link, allowed_hosts=None):
        return redirect(message.link)
    return redirect(reverse("notifications:inbox"))


@require_GET
@login_required
def bell_dropdown(request):
    """The latest five messages for the bell's dropdown (loaded by htmx when it opens)."""
    latest = selectors.latest_messages(request.user, limit=5)
    return render(request, "notifications/partials/bell_dropdown.html", {"latest": latest})
