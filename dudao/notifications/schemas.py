"""API schemas of the message centre."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from dudao.common.pagination import PageParams

from .domain import kind_label


class MessageListParams(PageParams):
    unread: bool | None = Field(None, description="true 只看未读,false 只看已读,不传为全部")
    q: str = Field("", max_length=100, description="标题或内容关键字")
    kind: str = Field("", max_length=64, description="消息类型,如 renewal.due_soon")


class MessageOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    link: str
    object_type: str
    object_id: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    is_read: bool

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return kind_label(obj.kind)


class MessageListOut(Schema):
    items: list[MessageOut]
    count: int
    page: int
    page_size: int


class UnreadCountOut(Schema):
    count: int = Field(description="未读消息数")


class MarkAllReadOut(Schema):
    updated: int = Field(description="本次标为已读的消息数")
