"""API of the complaints app. Public (no account): file a complaint, follow it with code and secret.

Paths sit at the root of /api/v1 as the contract names them (/public/complaints)."""

from __future__ import annotations

from ninja import Router, Status

from . import public_limits, services
from .schemas import ComplaintFiledOut, ComplaintIn, ComplaintPublicOut

router = Router(tags=["complaints"])


@router.post("/public/complaints", response={201: ComplaintFiledOut}, auth=None, summary="公开:提交投诉举报")
def complaint_file(request, payload: ComplaintIn):
    """Anonymous or named; the answer's `code` and `secret` are the only way to follow the complaint."""
    public_limits.filing(request)
    contact = payload.contact
    complaint, secret = services.complaint_file(
        institution=payload.institution,
        category=payload.category,
        content=payload.content,
        anonymous=payload.anonymous,
        contact_name=contact.name if contact else "",
        contact_phone=contact.phone if contact else "",
    )
    return Status(201, {"code": complaint.code, "secret": secret})


@router.get(
    "/public/complaints/{code}",
    response=ComplaintPublicOut,
    auth=None,
    summary="公开:凭查询码和密码查询投诉进展",
)
def complaint_follow(request, code: str, secret: str = ""):
    """Status and public reply only; an unknown code and a wrong secret give the same 404."""
    public_limits.follow(request)
    return services.public_view(services.complaint_follow(code, secret))
