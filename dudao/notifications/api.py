"""API router of the message centre (mounted at /api/v1/notifications): every user's own inbox."""

from __future__ import annotations

from ninja import Query, Router

from dudao.common.pagination import paginate

from . import selectors, services
from .schemas import MarkAllReadOut, MessageListOut, MessageListParams, MessageOut, UnreadCountOut

router = Router(tags=["notifications"])


@router.get("/messages", response=MessageListOut, summary="我的消息(可只看未读)")
def message_list(request, params: Query[MessageListParams]):
    qs = selectors.messages_for(request.auth, unread=params.unread, q=params.q, kind=params.kind)
    return paginate(qs, params.page, params.page_size).as_dict()


@router.get("/messages/unread-count", response=UnreadCountOut, summary="我的未读消息数")
def unread_count(request):
    return {"count": selectors.unread_count(request.auth)}


@router.post("/messages/read-all", response=MarkAllReadOut, summary="全部标为已读")
def mark_all_read(request):
    return {"updated": services.messages_mark_all_read(actor=request.auth)}


@router.get("/messages/{message_id}", response=MessageOut, summary="一条消息(只能查看自己的)")
def message_detail(request, message_id: int):
    return selectors.message_get(user=request.auth, message_id=message_id)


@router.post("/messages/{message_id}/read", response=MessageOut, summary="标为已读(只能标记自己的)")
def mark_read(request, message_id: int):
    return services.message_mark_read(actor=request.auth, message=message_id)
