"""The audit chain: append an event in the writer's transaction, verify the whole chain."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .domain import GENESIS_HASH, audit_event_hash, canonical_json, preferred_hash_algorithm
from .middleware import current_request_id
from .models import AuditChainHead, AuditEvent

_ALGORITHM = preferred_hash_algorithm()


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """JSON-ready dict of a model's concrete fields; secret columns (AUDIT_EXCLUDE) are left out."""
    excluded = set(getattr(instance, "AUDIT_EXCLUDE", ()))
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in excluded or isinstance(field, models.BinaryField):
            continue
        if fields is not None and field.name not in fields and field.attname not in fields:
            continue
        data[field.attname] = field.value_from_object(instance)
    return json.loads(canonical_json(data))


def _jsonable(value: Any) -> Any:
    return None if value is None else json.loads(canonical_json(value))


def _actor_fields(actor: Any) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "system" if actor is None else "anonymous"
    return actor.pk, actor.get_username()


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # First event ever: several writers may race to create the head; exactly one insert wins.
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(pk=1, last_event_id=0, last_hash=GENESIS_HASH)], ignore_conflicts=True
        )
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_label: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the writer's transaction (services are atomic)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_label = object_label or str(obj)[:255]
    actor_id, actor_label = _actor_fields(actor)
    with transaction.atomic():
        head = _lock_head()
        event = AuditEvent(
            id=head.last_event_id + 1,
            at=timezone.now(),
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_label=object_label[:255],
            before=_jsonable(before),
            after=_jsonable(after),
            request_id=current_request_id(),
            algorithm=_ALGORITHM,
            prev_hash=head.last_hash,
        )
        event.hash = audit_event_hash(event.prev_hash, event.hash_payload(), event.algorithm)
        event.save(force_insert=True)
        head.last_event_id = event.id
        head.last_hash = event.hash
        head.save(update_fields=["last_event_id", "last_hash"])
    return event


def record_many(
    *, actor: Any, action: str, objects: list[models.Model], after: list[Any] | None = None
) -> int:
    """Append one `action` event per object in one lock and one insert (bulk services, demo data)."""
    if not objects:
        return 0
    actor_id, actor_label = _actor_fields(actor)
    afters = after if after is not None else [snapshot(o) for o in objects]
    now = timezone.now()
    request_id = current_request_id()
    with transaction.atomic():
        head = _lock_head()
        prev, next_id, events = head.last_hash, head.last_event_id + 1, []
        for obj, data in zip(objects, afters, strict=True):
            event = AuditEvent(
                id=next_id,
                at=now,
                actor_id=actor_id,
                actor_label=actor_label,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_label=str(obj)[:255],
                before=None,
                after=_jsonable(data),
                request_id=request_id,
                algorithm=_ALGORITHM,
                prev_hash=prev,
            )
            event.hash = prev = audit_event_hash(event.prev_hash, event.hash_payload(), event.algorithm)
            events.append(event)
            next_id += 1
        AuditEvent.objects.bulk_create(events, batch_size=2000)
        head.last_event_id, head.last_hash = events[-1].id, events[-1].hash
        head.save(update_fields=["last_event_id", "last_hash"])
    return len(events)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_event_id: int | None = None
    reason: str = ""


def verify_chain(chunk_size: int = 5000) -> VerifyResult:
    """Recompute every hash in id order; report the first edited, inserted or missing event."""
    expected_prev = GENESIS_HASH
    expected_id = 1
    checked = 0
    last_id = 0
    while True:
        events = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:chunk_size])
        if not events:
            break
        for event in events:
            if event.id != expected_id:
                return VerifyResult(False, checked, expected_id, f"事件 #{expected_id} 缺失(已被删除)")
            if event.prev_hash != expected_prev:
                return VerifyResult(False, checked, event.id, f"事件 #{event.id} 的前一哈希不符(链被改动)")
            recomputed = audit_event_hash(event.prev_hash, event.hash_payload(), event.algorithm)
            if recomputed != event.hash:
                return VerifyResult(False, checked, event.id, f"事件 #{event.id} 的内容被修改")
            expected_prev = event.hash
            expected_id += 1
            checked += 1
        last_id = events[-1].id
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_event_id != checked or head.last_hash != expected_prev):
        return VerifyResult(False, checked, checked + 1, f"事件 #{checked + 1} 之后的事件缺失(链尾被删除)")
    return VerifyResult(True, checked)
