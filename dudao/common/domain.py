"""Pure helpers shared by every app: canonical JSON, hashing with the recorded algorithm, masking."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
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


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 text (hash input for audit and draws)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


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


def mask_middle(text: str, keep_start: int, keep_end: int, char: str = "*") -> str:
    """`110105199001010025` → `110105********0025` (keep_start=6, keep_end=4)."""
    if len(text) <= keep_start + keep_end:
        return char * len(text)
    return text[:keep_start] + char * (len(text) - keep_start - keep_end) + text[len(text) - keep_end :]


def audit_event_hash(prev_hash: str, payload: dict[str, Any], algorithm: str) -> str:
    """Hash of one audit event chained to its predecessor (tamper evidence)."""
    return digest(prev_hash + "|" + canonical_json(payload), algorithm)


GENESIS_HASH = "0" * 64
