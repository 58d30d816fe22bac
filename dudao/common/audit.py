"""The audit chain (SEC-1): append a keyed event in the writer's transaction, sign checkpoints, verify.

Each event's `hash` is an HMAC (key outside the database, `audit_keys`) over the event and the previous
hash; a checkpoint is an Ed25519 signature over the head. `docs/audit.md` describes the protocol.
"""

from __future__ import annotations

import functools
import json
import operator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from . import audit_keys
from .bulk import write_rows
from .domain import (
    GENESIS_HASH,
    audit_event_mac,
    audit_event_mac_text,
    audit_head_mac,
    canonical_json,
    checkpoint_message,
    keyed_algorithm,
    preferred_hash_algorithm,
)
from .middleware import current_request_id
from .models import AuditChainHead, AuditCheckpoint, AuditEvent

_ALGORITHM = keyed_algorithm(preferred_hash_algorithm())


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


def lock_head() -> AuditChainHead:
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
    key = audit_keys.current_chain_key()
    with transaction.atomic():
        head = lock_head()
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
            key_id=key.key_id,
            prev_hash=head.last_hash,
        )
        event.hash = audit_event_mac(key.secret, event.prev_hash, event.hash_payload(), event.algorithm)
        event.save(force_insert=True)
        _advance_head(head, event.id, event.hash, key.secret, event.algorithm)
    return event


# Stands for `after` in a payload whose canonical JSON is built once and spliced (record_many): JSON escapes
# the NUL characters, and no stored text holds a NUL (one-line and null-character checks), so the quoted
# token cannot occur anywhere else in the payload.
_AFTER_SLOT = "\x00after\x00"
_AFTER_TOKEN = canonical_json(_AFTER_SLOT)
_ID_SLOT, _OBJECT_ID_SLOT, _LABEL_SLOT = "\x00id\x00", "\x00object_id\x00", "\x00object_label\x00"
_ID_TOKEN, _OBJECT_ID_TOKEN, _LABEL_TOKEN = (
    canonical_json(v) for v in (_ID_SLOT, _OBJECT_ID_SLOT, _LABEL_SLOT)
)
_TOKENS = (_AFTER_TOKEN, _ID_TOKEN, _OBJECT_ID_TOKEN, _LABEL_TOKEN)


def _split_at_slots(template: str) -> tuple[list[str], list[str]]:
    """The template's text between its slot tokens, and the tokens in the order they occur."""
    order = sorted(_TOKENS, key=template.index)
    parts, rest = [], template
    for token in order:
        head, _sep, rest = rest.partition(token)
        parts.append(head)
    parts.append(rest)
    return parts, order


def _snapshot_json(instance: models.Model) -> str:
    """canonical_json(snapshot(instance)) without the round trip (the same text: snapshot's values are
    what canonical_json makes of the fields, and its keys are field names)."""
    names, values = _snapshot_reader(type(instance))
    return canonical_json(dict(zip(names, values(instance), strict=True)))


@functools.cache
def _snapshot_reader(model: type[models.Model]) -> tuple[tuple[str, ...], Any]:
    """The snapshot's keys and a function reading their values from an instance: one attrgetter for all
    (every field here reads its value as the attribute; a field that overrides `value_from_object` is
    read through it)."""
    excluded = set(getattr(model, "AUDIT_EXCLUDE", ()))
    fields = [
        field
        for field in model._meta.concrete_fields
        if field.name not in excluded and not isinstance(field, models.BinaryField)
    ]
    names = tuple(field.attname for field in fields)
    if any(type(f).value_from_object is not models.Field.value_from_object for f in fields):
        return names, lambda obj: [f.value_from_object(obj) for f in fields]
    getter = operator.attrgetter(*names)
    return names, (lambda obj: getter(obj)) if len(names) > 1 else (lambda obj: (getter(obj),))


def record_many(
    *,
    actor: Any,
    action: str,
    objects: list[models.Model],
    after: list[Any] | None = None,
    after_json: list[str] | None = None,
) -> int:
    """Append one `action` event per object under one head lock, in one prepared insert (bulk services).

    The events are exactly those `record` would append one by one (same fields, same payload text, same
    HMAC chaining, ids following the head), so `dudao audit verify` checks them like any other. The
    payload's canonical JSON is built once per event and serves both the HMAC and the stored `after`.
    `after_json`: each event's `after` as its canonical JSON text already (`canonical_json` of a dict with
    text keys whose values JSON represents as themselves, Decimal and dates as canonical_json writes them):
    the text is used as is, without the round trip that normalises `after`.
    """
    if not objects:
        return 0
    actor_id, actor_label = _actor_fields(actor)
    if after_json is not None:
        texts = after_json
    elif after is not None:
        texts = [canonical_json(json.loads(canonical_json(a))) for a in after]
    else:
        texts = [_snapshot_json(o) for o in objects]
    now = timezone.now()
    at_text = now.isoformat(timespec="microseconds")
    request_id = current_request_id()
    key = audit_keys.current_chain_key()
    connection = transaction.get_connection()
    object_type = objects[0]._meta.label_lower
    payload = {
        "id": _ID_SLOT,
        "at": at_text,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": _OBJECT_ID_SLOT,
        "object_label": _LABEL_SLOT,
        "before": None,
        "after": _AFTER_SLOT,
        "request_id": request_id,
        "algorithm": _ALGORITHM,
    }
    if key.key_id:
        payload["key_id"] = key.key_id
    # canonical_json(payload) of every event is this text with its four values put in the slots.
    parts, order = _split_at_slots(canonical_json(payload))
    with transaction.atomic():
        head = lock_head()
        prev, next_id, rows = head.last_hash, head.last_event_id + 1, []
        at_value = connection.ops.adapt_datetimefield_value(now)
        for obj, text in zip(objects, texts, strict=True):
            if obj._meta.label_lower != object_type:
                raise ValueError("record_many: objects of one model only")
            object_id, object_label = str(obj.pk), str(obj)[:255]
            values = {
                _ID_TOKEN: str(next_id),
                _OBJECT_ID_TOKEN: canonical_json(object_id),
                _LABEL_TOKEN: canonical_json(object_label),
                _AFTER_TOKEN: text,
            }
            chunks = [parts[0]]
            for token, part in zip(order, parts[1:], strict=True):
                chunks += (values[token], part)
            digest = audit_event_mac_text(key.secret, prev, "".join(chunks), _ALGORITHM)
            rows.append(
                (next_id, at_value, actor_id, actor_label, action, object_type, object_id,
                 object_label, None, text, request_id, _ALGORITHM, key.key_id, prev, digest)
            )  # fmt: skip
            prev = digest
            next_id += 1
        _insert_events(connection, rows)
        _advance_head(head, next_id - 1, prev, key.secret, _ALGORITHM)
    return len(rows)


_EVENT_COLUMNS = (
    "id", "at", "actor_id", "actor_label", "action", "object_type", "object_id", "object_label",
    "before", "after", "request_id", "algorithm", "key_id", "prev_hash", "hash",
)  # fmt: skip


def _insert_events(connection: Any, rows: list[tuple]) -> None:
    columns = [AuditEvent._meta.get_field(name).column for name in _EVENT_COLUMNS]
    write_rows(connection, AuditEvent._meta.db_table, columns, rows)


def _advance_head(head: AuditChainHead, event_id: int, event_hash: str, key: bytes, algorithm: str) -> None:
    head.last_event_id, head.last_hash = event_id, event_hash
    head.mac = audit_head_mac(key, event_id, event_hash, algorithm)
    head.save(update_fields=["last_event_id", "last_hash", "mac"])


@dataclass(frozen=True)
class VerifyResult:
    """What `dudao audit verify` found: the first failed check, naming the event or checkpoint."""

    ok: bool
    checked: int
    bad_event_id: int | None = None
    reason: str = ""
    check: str = ""  # which check failed: sequence, keyed, key, link, hmac, head, checkpoint_*
    bad_checkpoint_id: int | None = None
    checkpoints_checked: int = 0
    signatures_checked: bool = False


@dataclass(frozen=True)
class CheckpointClaim:
    """One signed checkpoint as read from the database or from a downloaded `checkpoints.json`."""

    id: int
    event_id: int
    head_hash: str
    signed_at: str
    signature: str
    public_key_fingerprint: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckpointClaim:
        return cls(
            id=int(data["id"]),
            event_id=int(data["event_id"]),
            head_hash=str(data["head_hash"]),
            signed_at=str(data["signed_at"]),
            signature=str(data["signature"]),
            public_key_fingerprint=str(data["public_key_fingerprint"]),
        )

    def message(self) -> bytes:
        return checkpoint_message(
            checkpoint_id=self.id,
            event_id=self.event_id,
            head_hash=self.head_hash,
            signed_at=self.signed_at,
            key_fingerprint=self.public_key_fingerprint,
        )


class _ChainBroken(Exception):
    def __init__(self, event_id: int, check: str, reason: str):
        super().__init__(reason)
        self.event_id, self.check, self.reason = event_id, check, reason


def _walk(
    *, after_id: int, expected_prev: str, keyring: dict[str, bytes], watch: set[int], chunk_size: int
) -> tuple[int, str, dict[int, str]]:
    """Check every event after `after_id` in id order; return (last id, last hash, hashes of `watch`)."""
    expected_id, last_id, seen = after_id + 1, after_id, {}
    columns = (*AuditEvent.HASHED_FIELDS, "prev_hash", "hash")
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id").values(*columns)[:chunk_size])
        if not rows:
            return expected_id - 1, expected_prev, seen
        for row in rows:
            event_id, algorithm, key_id = row["id"], row["algorithm"], row["key_id"]
            if event_id != expected_id:
                raise _ChainBroken(expected_id, "sequence", f"事件编号不连续(缺少 #{expected_id})")
            if not algorithm.startswith("hmac-") or not key_id:
                raise _ChainBroken(
                    event_id, "keyed", f"事件 #{event_id} 未用 HMAC 保护(算法 {algorithm or '空'})"
                )
            key = keyring.get(key_id)
            if key is None:
                raise _ChainBroken(event_id, "key", f"事件 #{event_id} 的密钥「{key_id}」未配置,无法校验")
            if row["prev_hash"] != expected_prev:
                raise _ChainBroken(
                    event_id,
                    "link",
                    f"事件 #{event_id} 的前一哈希与事件 #{event_id - 1} 不符(顺序被调换或链被改写)",
                )
            if audit_event_mac(key, expected_prev, AuditEvent.payload_of(row), algorithm) != row["hash"]:
                raise _ChainBroken(event_id, "hmac", f"事件 #{event_id} 的 HMAC 不符(内容被修改或哈希被重算)")
            if event_id in watch:
                seen[event_id] = row["hash"]
            expected_prev = row["hash"]
            expected_id += 1
        last_id = rows[-1]["id"]


def _check_checkpoints(
    claims: list[CheckpointClaim], hashes: dict[int, str], public_key: Any, *, check_sequence: bool = True
) -> tuple[int | None, str, str]:
    """(bad checkpoint id, check, reason) of the first failing checkpoint, or (None, "", "")."""
    fingerprint = audit_keys.fingerprint(public_key) if public_key is not None else None
    for expected, claim in enumerate(sorted(claims, key=lambda c: c.id), start=1):
        if check_sequence and claim.id != expected:
            return expected, "checkpoint_sequence", f"检查点编号不连续(缺少检查点 #{expected})"
        if fingerprint is not None:
            if claim.public_key_fingerprint != fingerprint:
                return claim.id, "checkpoint_key", f"检查点 #{claim.id} 的公钥指纹与所给公钥不符"
            if not audit_keys.signature_valid(public_key, claim.signature, claim.message()):
                return claim.id, "checkpoint_signature", f"检查点 #{claim.id} 的签名无效"
        if hashes.get(claim.event_id) != claim.head_hash:
            return (
                claim.id,
                "checkpoint_event",
                f"检查点 #{claim.id} 指向的事件 #{claim.event_id} 已不存在或被改写",
            )
    return None, "", ""


def _head_mismatch(last_id: int, last_hash: str) -> VerifyResult | None:
    head = AuditChainHead.objects.filter(pk=1).first()
    head_id, head_hash = (head.last_event_id, head.last_hash) if head else (0, GENESIS_HASH)
    if (head_id, head_hash) != (last_id, last_hash):
        bad = last_id + 1 if head_id > last_id else last_id
        reason = f"链头与最后事件不符(链头记录事件 #{head_id},链中最后是事件 #{last_id})"
        return VerifyResult(False, last_id, bad, reason, "head")
    if head_id == 0:
        return None
    last = AuditEvent.objects.filter(pk=last_id).values("key_id", "algorithm").get()
    key = audit_keys.chain_keyring().get(last["key_id"])
    if key is None or head.mac != audit_head_mac(key, head_id, head_hash, last["algorithm"]):
        # Deleting the tail and pointing the head at the new last event needs the key (issue 8 §3).
        reason = f"链头的 HMAC 不符(链头被改写,事件 #{last_id} 之后的事件可能被删除)"
        return VerifyResult(False, last_id, last_id + 1, reason, "head_mac")
    return None


def verify_since(claim: CheckpointClaim, public_key: Any, chunk_size: int = 5000) -> VerifyResult:
    """Check only what came after a checkpoint (its signature, its event, the events after it, the head).

    `dudao audit checkpoint` uses it so signing stays cheap on a chain of millions of events.
    """
    bad_checkpoint, check, reason = _check_checkpoints([claim], {}, public_key, check_sequence=False)
    if bad_checkpoint is not None and check != "checkpoint_event":
        return VerifyResult(False, 0, None, reason, check, bad_checkpoint)
    anchor = AuditEvent.objects.filter(pk=claim.event_id).values_list("hash", flat=True).first()
    if anchor != claim.head_hash:
        reason = f"检查点 #{claim.id} 指向的事件 #{claim.event_id} 已不存在或被改写"
        return VerifyResult(False, 0, None, reason, "checkpoint_event", claim.id)
    try:
        last_id, last_hash, _ = _walk(
            after_id=claim.event_id,
            expected_prev=claim.head_hash,
            keyring=audit_keys.chain_keyring(),
            watch=set(),
            chunk_size=chunk_size,
        )
    except _ChainBroken as broken:
        return VerifyResult(
            False, broken.event_id - 1 - claim.event_id, broken.event_id, broken.reason, broken.check
        )
    return _head_mismatch(last_id, last_hash) or VerifyResult(True, last_id - claim.event_id)


def database_checkpoints() -> list[CheckpointClaim]:
    return [CheckpointClaim.from_dict(c.as_public_dict()) for c in AuditCheckpoint.objects.order_by("id")]


def verify_chain(
    chunk_size: int = 5000, *, public_key: Any = None, checkpoints: list[CheckpointClaim] | None = None
) -> VerifyResult:
    """Read-only check of the whole trail: every HMAC and link, the head row, then the checkpoints.

    `checkpoints` defaults to the database's own; with a `public_key` (default: the configured one, if
    any) their signatures are checked too. A verifier holding the public key and a downloaded copy of
    the checkpoints detects truncation and rewrites even when the database's checkpoints are gone.
    """
    claims = checkpoints if checkpoints is not None else database_checkpoints()
    key = public_key if public_key is not None else audit_keys.published_public_key()
    try:
        last_id, last_hash, hashes = _walk(
            after_id=0,
            expected_prev=GENESIS_HASH,
            keyring=audit_keys.chain_keyring(),
            watch={c.event_id for c in claims},
            chunk_size=chunk_size,
        )
    except _ChainBroken as broken:
        return VerifyResult(False, broken.event_id - 1, broken.event_id, broken.reason, broken.check)
    head_broken = _head_mismatch(last_id, last_hash)
    if head_broken is not None:
        return head_broken
    bad_checkpoint, check, reason = _check_checkpoints(claims, hashes, key)
    if bad_checkpoint is not None:
        return VerifyResult(
            False,
            last_id,
            None,
            reason,
            check,
            bad_checkpoint,
            len(claims),
            signatures_checked=key is not None,
        )
    return VerifyResult(True, last_id, checkpoints_checked=len(claims), signatures_checked=key is not None)
