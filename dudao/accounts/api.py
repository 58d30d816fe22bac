"""API router of the accounts app (mounted at /api/v1/accounts): who am I, my API tokens."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router, Status

from dudao.common.pagination import PageParams, paginate

from . import selectors, services
from .schemas import MeOut, TokenCreatedOut, TokenIn, TokenListOut

router = Router(tags=["accounts"])


@router.get("/me", response=MeOut, summary="当前用户、角色与数据范围")
def me(request):
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": selectors.role_label(user),
        "is_superuser": user.is_superuser,
        "scope": selectors.scope_of(user),
    }


@router.post(
    "/tokens",
    response={201: TokenCreatedOut},
    summary="为自己创建 API 令牌(明文只返回一次;默认只读、90 天有效)",
)
def token_create(request, payload: TokenIn):
    services.require_api_user(request.auth)
    token, key = services.token_create(
        actor=request.auth, name=payload.name, scope=payload.scope, days=payload.days
    )
    return Status(
        201,
        {
            "id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "scope": token.scope,
            "created_at": token.created_at,
            "expires_at": token.expires_at,
            "last_used_at": token.last_used_at,
            "revoked": token.revoked,
            "key": key,
        },
    )


@router.get("/tokens", response=TokenListOut, summary="我的 API 令牌")
def token_list(request, params: Query[PageParams]):
    services.require_api_user(request.auth)
    return paginate(selectors.tokens_for(request.auth), params.page, params.page_size).as_dict()


@router.delete("/tokens/{token_id}", response={204: None}, summary="吊销 API 令牌")
def token_revoke(request, token_id: int):
    services.require_api_user(request.auth)
    services.token_revoke(actor=request.auth, token_id=token_id)
    return HttpResponse(status=204)
