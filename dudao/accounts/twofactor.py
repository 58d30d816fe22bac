"""TOTP (RFC 6238, pyotp) and recovery codes; the enrolment QR code is drawn here as inline SVG (segno),
so no image leaves the server and nothing is fetched from outside (SEC-2)."""

from __future__ import annotations

import hashlib
import secrets

import pyotp
import segno
from django.utils import timezone

from dudao.common import pii

ISSUER = "督导平台"
RECOVERY_CODE_COUNT = 10
# Codes of the step before and after the current one are accepted too (clock drift of ±30 s).
VALID_WINDOW = 1
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


def new_secret() -> str:
    return pyotp.random_base32()


def seal(secret: str) -> str:
    return pii.encrypt(secret)


def unseal(sealed: str) -> str:
    return pii.decrypt(sealed)


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline <svg> element (no XML declaration), drawn on the server."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2)


def matching_step(secret: str, code: str, *, after_step: int) -> int | None:
    """The time step whose code equals `code` (within ±VALID_WINDOW), if later than `after_step`.

    Returning the step lets the caller store it, so each code is accepted once (no replay).
    """
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = timezone.now()
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if step > after_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(timezone.now())


def new_recovery_codes() -> list[str]:
    """Ten codes like `K7QM-X2PA-9RTB` (60 bits each)."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def hash_recovery_code(user_id: int, code: str) -> str:
    """SHA-256 over the user id and the normalised code: 60 random bits need no slow hash."""
    return hashlib.sha256(f"{user_id}:{normalise_recovery_code(code)}".encode()).hexdigest()
