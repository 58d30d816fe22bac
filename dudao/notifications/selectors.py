"""Reads of the message centre: always the user's own messages (nobody reads another user's inbox)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from dudao.common.errors import NotFound

from .models import Message


def _user_id(user: Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def messages_for(user: Any, *, unread: bool | None = None, q: str = "", kind: str = "") -> QuerySet[Message]:
    """The user's messages, newest first; `unread=True` only unread, `False` only read, None both."""
    user_id = _user_id(user)
    if user_id is None:
        return Message.objects.none()
    qs = Message.objects.filter(recipient_id=user_id)
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    if q := q.strip():
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    if kind := kind.strip():
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def message_get(*, user: Any, message_id: int) -> Message:
    """One of the user's own messages; anyone else's (or a missing id) is NotFound (404)."""
    user_id = _user_id(user)
    message = Message.objects.filter(pk=message_id, recipient_id=user_id).first() if user_id else None
    if message is None:
        raise NotFound("消息不存在或无权查看")
    return message


def unread_count(user: Any) -> int:
    """Number of unread messages: one COUNT on the (recipient, read_at) index; 0 for anonymous users."""
    user_id = _user_id(user)
    if user_id is None:
        return 0
    return Message.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def latest_messages(user: Any, *, limit: int = 5) -> list[Message]:
    """The newest `limit` messages, read or not (the bell's dropdown)."""
    return list(messages_for(user)[:limit])
