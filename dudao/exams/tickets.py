"""Admission ticket QR codes: `DUDAO-TICKET:<ticket number>:<sig>`, sig = the first 16 hex digits of
HMAC-SHA256(SECRET_KEY, ticket number), so a code typed up from a guessed number does not scan."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

PREFIX = "DUDAO-TICKET:"


def _sig(ticket_number: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), ticket_number.encode(), hashlib.sha256).hexdigest()[:16]


def ticket_qr_payload(ticket_number: str) -> str:
    """The text the ticket's QR code holds."""
    return f"{PREFIX}{ticket_number}:{_sig(ticket_number)}"


def parse_ticket_qr(text: str) -> str | None:
    """The ticket number of a genuine QR text; None for anything else (constant-time signature check)."""
    if not isinstance(text, str) or not text.startswith(PREFIX):
        return None
    body = text[len(PREFIX) :]
    number, _, sig = body.rpartition(":")
    if not number or len(sig) != 16:
        return None
    return number if hmac.compare_digest(sig, _sig(number)) else None
