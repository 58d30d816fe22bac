"""Signed checkpoints of the audit chain (SEC-1): `dudao audit checkpoint`, the public download."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import audit_keys
from .audit import CheckpointClaim, lock_head, verify_chain, verify_since
from .errors import Conflict
from .models import AuditCheckpoint


class ChainNotIntact(Conflict):
    code = "audit_chain_broken"
    default_message = "审计链校验未通过,不能签发检查点"


@transaction.atomic
def checkpoint_create() -> AuditCheckpoint:
    """Sign the current head after checking the chain, so a tampered head is never signed.

    The first checkpoint checks the whole chain; later ones check the previous checkpoint (signature and
    event) and every event after it. Holds the head lock: nothing is appended between check and signature.
    """
    key = audit_keys.signing_key()
    head = lock_head()
    if head.last_event_id == 0:
        raise Conflict("审计链还没有事件,无需检查点", code="audit_chain_empty")
    previous = AuditCheckpoint.objects.order_by("-id").first()
    if previous is None:
        result = verify_chain(public_key=key.public_key())
    else:
        result = verify_since(CheckpointClaim.from_dict(previous.as_public_dict()), key.public_key())
    if not result.ok:
        raise ChainNotIntact(f"审计链校验未通过,不能签发检查点:{result.reason}")
    next_id = (previous.id if previous else 0) + 1
    signed_at = timezone.now()
    fingerprint = audit_keys.fingerprint(key.public_key())
    checkpoint = AuditCheckpoint(
        id=next_id,
        event_id=head.last_event_id,
        head_hash=head.last_hash,
        signed_at=signed_at,
        public_key_fingerprint=fingerprint,
    )
    checkpoint.signature = key.sign(
        CheckpointClaim.from_dict({**checkpoint.as_public_dict(), "signature": ""}).message()
    ).hex()
    checkpoint.save(force_insert=True)
    return checkpoint


def checkpoints_document() -> dict:
    """`checkpoints.json`: every checkpoint, as `dudao audit verify --checkpoints` reads it."""
    key = audit_keys.published_public_key()
    return {
        "format": "dudao-audit-checkpoints-v1",
        "public_key_fingerprint": audit_keys.fingerprint(key) if key is not None else None,
        "checkpoints": [c.as_public_dict() for c in AuditCheckpoint.objects.order_by("id")],
    }


def claims_from_document(document: dict) -> list[CheckpointClaim]:
    return [CheckpointClaim.from_dict(item) for item in document["checkpoints"]]
