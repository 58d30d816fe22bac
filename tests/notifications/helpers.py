"""Helpers for the message-centre tests: send through the real service, count what changed."""

from __future__ import annotations

from dudao.common.models import AuditEvent
from dudao.notifications import services
from dudao.notifications.models import Message


def send(
    recipient, title: str, *, kind: str = "renewal.new_application", link: str = "", key: str = "", body=""
):
    """One message to one user through services.notify; returns the stored Message."""
    services.notify(recipients=[recipient], kind=kind, title=title, body=body, link=link, dedupe_key=key)
    return Message.objects.filter(recipient=recipient, title=title).latest("id")


def state() -> tuple:
    """Everything a denied call must leave unchanged: rows, read flags, audit events."""
    return (
        Message.objects.count(),
        tuple(Message.objects.order_by("pk").values_list("pk", "read_at")),
        AuditEvent.objects.count(),
    )
