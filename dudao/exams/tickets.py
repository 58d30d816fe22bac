"""Admission ticket QR codes: `DUDAO-TICKET:<ticket number>:<sig>`, sig = the first 16 hex digits of
HMAC-SHA256(SECRET_KEY, ticket number), so a code made up from a guessed number does not scan, and another
installation's tickets are refused."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

QR_PREFIX = "DUDAO-TICKET:"
SIG_HEX = 16


def _ticket_sig(ticket_number: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, ticket_number.encode(), hashlib.sha256).hexdigest()[:SIG_HEX]


def ticket_qr_payload(ticket_number: str) -> str:
    """What the ticket's QR code says: ``DUDAO-TICKET:<ticket number>:<16 hex of the HMAC>``."""
    if not ticket_number:
        raise ValueError("ticket_number is empty")
    return f"{QR_PREFIX}{ticket_number}:{_ticket_sig(ticket_number)}"


def parse_ticket_qr(text: str) -> str | None:
    """The ticket number a scanned QR code carries, or None when it is not a genuine ticket code."""
    if not isinstance(text, str):
        return None
    text = text.strip()  # scanners in keyboard mode add a newline
    if not text.startswith(QR_PREFIX):
        return None
    number, sep, sig = text[len(QR_PREFIX) :].rpartition(":")
    if not sep or not number or len(sig) != SIG_HEX:
        return None
    return number if hmac.compare_digest(sig, _ticket_sig(number)) else None
