"""API schemas of the accounts app."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class DataScopeOut(Schema):
    kind: str = Field(description="all | authority | institution | person | none")
    label: str
    authority_id: int | None = None
    authority_name: str | None = None
    institution_id: int | None = None
    institution_name: str | None = None
    person_id: int | None = None
    region_prefix: str | None = Field(None, description="委派机构用户的区划代码前缀(数据范围)")


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    is_superuser: bool
    scope: DataScopeOut


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=64, description="用途,如“省平台数据对接”")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked: bool


class TokenCreatedOut(TokenOut):
    key: str = Field(description="令牌明文,只返回这一次")


class TokenListOut(Schema):
    items: list[TokenOut]
    count: int
    page: int
    page_size: int
