"""Bearer-token authentication for machine clients (token keys are stored hashed)."""

from __future__ import annotations

import hashlib

from django.utils import timezone
from ninja.security import HttpBearer

from .models import ApiToken


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = (
            ApiToken.objects.select_related("user", "user__authority__region", "user__institution")
            .filter(key_hash=hash_token(token), revoked=False, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user
