"""API shapes of the public complaint channel (issue 12 contract)."""

from __future__ import annotations

from ninja import Schema


class ComplaintContactIn(Schema):
    name: str = ""
    phone: str = ""


class ComplaintIn(Schema):
    institution: str
    category: str
    content: str
    anonymous: bool = False
    contact: ComplaintContactIn | None = None


class ComplaintFiledOut(Schema):
    code: str
    secret: str


class ComplaintPublicOut(Schema):
    code: str
    status: str
    status_label: str
    reply: str | None
