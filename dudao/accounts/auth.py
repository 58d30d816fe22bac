"""Bearer-token authentication for machine clients (token keys are stored hashed)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone
from ninja.security import HttpBearer

from dudao.common.errors import PermissionDenied

from . import throttle
from .domain import token_allows
from .models import ApiToken
from .permissions import uses_api

# "最近使用" is kept to the minute: one write per token per minute, not one per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
READ_ONLY_REFUSAL = "该令牌为只读令牌,不能执行新增、修改或删除操作;请使用读写令牌"


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class TokenAuth(HttpBearer):
    """A live token (not revoked, not expired, active owner) within its scope and request budget."""

    def authenticate(self, request, token: str):
        now = timezone.now()
        found = (
            ApiToken.objects.select_related("user", "user__authority__region", "user__institution")
            .filter(key_hash=hash_token(token), revoked=False, expires_at__gt=now, user__is_active=True)
            .first()
        )
        if found is None or not uses_api(found.user):  # a role without API use holds no live token
            return None
        throttle.token_request(found.pk)
        if not token_allows(found.scope, request.method):
            raise PermissionDenied(READ_ONLY_REFUSAL, code="token_read_only")
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user
