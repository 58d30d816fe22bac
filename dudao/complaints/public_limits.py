"""Per-address budgets of the public complaint channel (no accounts there, as for the exams pages)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from dudao.accounts.forms import client_ip
from dudao.accounts.throttle import address_request


def filing(request: Any) -> None:
    """One complaint filed from this address (429 beyond the hourly budget)."""
    address_request(client_ip(request), "complaint-file", limit=settings.DUDAO_PUBLIC_COMPLAINTS_PER_HOUR)


def follow(request: Any) -> None:
    """One look-up of a complaint by code and secret from this address (guessing secrets is throttled)."""
    address_request(
        client_ip(request), "complaint-follow", limit=settings.DUDAO_PUBLIC_COMPLAINT_LOOKUPS_PER_HOUR
    )
