"""Pure helpers shared by every app: canonical JSON, hashing with the recorded algorithm, masking."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import json
import uuid
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# One encoder for every call (json.dumps with options builds a new one each time; same output).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 text (hash input for audit and draws)."""
    return _CANONICAL.encode(value)


def preferred_hash_algorithm() -> str:
    """SM3 when OpenSSL provides it (国密), else SHA-256; callers record the name they used."""
    try:
        hashlib.new("sm3")
    except ValueError:
        return "sha256"
    return "sm3"


def digest(data: str | bytes, algorithm: str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.new(algorithm, raw).hexdigest()


SINGLE_LINE_MESSAGE = "只能填写一行,不能包含换行符或制表符"


def breaks_single_line(value: object) -> bool:
    """A line break or tab in a one-line field (names, codes, numbers): the request-level check lets them
    through for long text, so one-line fields refuse them here (issue 8 §1)."""
    return isinstance(value, str) and any(ch in value for ch in "\t\n\r")


def mask_middle(text: str, keep_start: int, keep_end: int, char: str = "*") -> str:
    """`110105199001010025` → `110105********0025` (keep_start=6, keep_end=4)."""
    if len(text) <= keep_start + keep_end:
        return char * len(text)
    return text[:keep_start] + char * (len(text) - keep_start - keep_end) + text[len(text) - keep_end :]


def audit_event_hash(prev_hash: str, payload: dict[str, Any], algorithm: str) -> str:
    """Unkeyed hash of one event chained to its predecessor: the format before keyed chains (SEC-1).

    Anyone with database access can recompute it, so it only serves to check legacy rows before they are
    re-keyed; new events use `audit_event_mac`.
    """
    return digest(prev_hash + "|" + canonical_json(payload), algorithm)


HMAC_PREFIX = "hmac-"


def keyed_algorithm(hash_algorithm: str) -> str:
    """Name recorded on a keyed event: `hmac-sm3` or `hmac-sha256`."""
    return HMAC_PREFIX + hash_algorithm


def audit_event_mac(key: bytes, prev_hash: str, payload: dict[str, Any], algorithm: str) -> str:
    """HMAC of one event chained to its predecessor (SEC-1): without the key nobody can recompute the chain.

    `algorithm` is the recorded name (`hmac-sm3`); the message is the same as the unkeyed format's.
    """
    return audit_event_mac_text(key, prev_hash, canonical_json(payload), algorithm)


def audit_event_mac_text(key: bytes, prev_hash: str, payload_json: str, algorithm: str) -> str:
    """`audit_event_mac` from the payload's canonical JSON text (bulk appends build that text once)."""
    if not algorithm.startswith(HMAC_PREFIX):
        raise ValueError(f"not a keyed algorithm: {algorithm}")
    message = (prev_hash + "|" + payload_json).encode("utf-8")
    return hmac.new(key, message, algorithm.removeprefix(HMAC_PREFIX)).hexdigest()


CHECKPOINT_CONTEXT = "dudao-audit-checkpoint-v1|"


def audit_head_mac(key: bytes, last_event_id: int, last_hash: str, algorithm: str) -> str:
    """The head row's MAC: the chain's own keyed function over the head's two values (SEC-1)."""
    return audit_event_mac(key, last_hash, {"chain_head": last_event_id}, algorithm)


def checkpoint_message(
    *, checkpoint_id: int, event_id: int, head_hash: str, signed_at: str, key_fingerprint: str
) -> bytes:
    """The bytes an audit checkpoint's Ed25519 signature covers (a fixed prefix, then canonical JSON)."""
    body = {
        "checkpoint": checkpoint_id,
        "event_id": event_id,
        "head_hash": head_hash,
        "signed_at": signed_at,
        "key": key_fingerprint,
    }
    return (CHECKPOINT_CONTEXT + canonical_json(body)).encode("utf-8")


GENESIS_HASH = "0" * 64
