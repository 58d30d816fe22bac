"""Writes of the message centre: send (idempotent with a dedupe key) and mark read.

Messages are not business records: sending or reading one writes no audit event. The business
write that causes a message (an application received, a task dispatched, an opinion issued) is
audited by its own service, which calls `notify` inside the same transaction, so a rolled-back
write never leaves a message behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from dudao.common.errors import ValidationFailed

from . import selectors
from .domain import message_errors
from .models import Message


def _recipient_ids(recipients: Any) -> list[int]:
    """Distinct user ids, in order, from a queryset of users, users, ids, or a single user."""
    if isinstance(recipients, QuerySet):
        raw: Iterable[Any] = recipients.values_list("pk", flat=True)
    elif isinstance(recipients, (models.Model, int)):
        raw = [recipients]
    else:
        raw = recipients
    ids: dict[int, None] = {}
    for item in raw:
        pk = item.pk if isinstance(item, models.Model) else item
        if pk is not None:
            ids[int(pk)] = None
    return list(ids)


@transaction.atomic
def notify(
    *,
    recipients: Any,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    obj: models.Model | None = None,
    dedupe_key: str = "",
) -> int:
    """Send one message to each recipient; returns how many were new.

    Runs inside the caller's transaction (a savepoint when nested). With a `dedupe_key` a recipient
    who already has a message with that key gets nothing (periodic reminders are sent once); the
    unique constraint on (recipient, dedupe_key) keeps this true when two workers race. No audit
    event: a message is a notice about an audited write, not a business write itself.
    """
    errors = message_errors(kind=kind, title=title, link=link, dedupe_key=dedupe_key)
    if errors:
        raise ValidationFailed("消息内容不符合要求", detail=errors)
    ids = _recipient_ids(recipients)
    if dedupe_key and ids:
        already = set(
            Message.objects.filter(recipient_id__in=ids, dedupe_key=dedupe_key).values_list(
                "recipient_id", flat=True
            )
        )
        ids = [pk for pk in ids if pk not in already]
    if not ids:
        return 0
    now = timezone.now()
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    rows = [
        Message(
            recipient_id=pk,
            kind=kind,
            title=title.strip(),
            body=body,
            link=link,
            object_type=object_type,
            object_id=object_id,
            created_at=now,
            dedupe_key=dedupe_key,
        )
        for pk in ids
    ]
    # ignore_conflicts: a concurrent sender that inserted the same (recipient, dedupe_key) first wins.
    Message.objects.bulk_create(rows, batch_size=500, ignore_conflicts=bool(dedupe_key))
    return len(rows)


@transaction.atomic
def message_mark_read(*, actor: Any, message: Message | int) -> Message:
    """Mark one of the actor's own messages read (idempotent); another user's message is NotFound.

    Not audited: reading a notice changes no business record.
    """
    message_id = message.pk if isinstance(message, Message) else int(message)
    own = selectors.message_get(user=actor, message_id=message_id)
    if own.read_at is None:
        now = timezone.now()
        # The filter on read_at keeps the first reading time when two tabs mark the same message.
        if Message.objects.filter(pk=own.pk, read_at__isnull=True).update(read_at=now):
            own.read_at = now
        else:
            own.refresh_from_db(fields=["read_at"])
    return own


@transaction.atomic
def messages_mark_all_read(*, actor: Any) -> int:
    """Mark all of the actor's unread messages read; returns how many changed. Not audited (see above)."""
    return selectors.messages_for(actor, unread=True).order_by().update(read_at=timezone.now())
