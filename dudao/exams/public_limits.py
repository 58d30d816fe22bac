"""Per-address budgets of the public exams pages and API (no accounts there, ADR 0004)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from dudao.accounts.forms import client_ip
from dudao.accounts.throttle import address_request


def registration(request: Any) -> None:
    """One online registration attempt from this address (429 beyond the hourly budget)."""
    address_request(client_ip(request), "exam-register", limit=settings.DUDAO_PUBLIC_REGISTRATIONS_PER_HOUR)


def lookup(request: Any) -> None:
    """One look-up of an own registration (报名号 + ID number) from this address."""
    address_request(client_ip(request), "exam-lookup", limit=settings.DUDAO_PUBLIC_LOOKUPS_PER_HOUR)


def certificate_lookup(request: Any) -> None:
    """One public certificate look-up (CERT-2) from this address."""
    address_request(
        client_ip(request), "certificate-lookup", limit=settings.DUDAO_PUBLIC_CERTIFICATE_LOOKUPS_PER_HOUR
    )
