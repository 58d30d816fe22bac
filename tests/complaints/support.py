"""Helpers of the complaints tests: file a complaint through the service, find a role's user."""

from __future__ import annotations

from dudao.complaints import services

PHONE = "13912345678"


def file(institution, *, anonymous=False):
    complaint, _secret = services.complaint_file(
        institution=institution.uscc,
        category="examiner",
        content="考评员在实操考核中暗示考生。",
        anonymous=anonymous,
        contact_name="" if anonymous else "李四",
        contact_phone="" if anonymous else PHONE,
    )
    return complaint


def staff_of(users, role):
    return next(u for u in users.values() if getattr(u, "role", None) == role and not u.is_superuser)


def accepted(institution, admin, *, anonymous=False):
    """A complaint filed and accepted by `admin` (row_version 2)."""
    complaint = file(institution, anonymous=anonymous)
    services.complaint_decide(actor=admin, complaint=complaint, action="accept", reason="受理", row_version=1)
    complaint.refresh_from_db()
    return complaint


def version(complaint) -> int:
    complaint.refresh_from_db()
    return complaint.row_version
