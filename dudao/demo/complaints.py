"""Demo complaints (issue 12 item 1): a few complaints about the demo institution in different states —
received, declined, accepted with a handler, verified and replied, closed — and the institution's
published complaint channel, all through the services as the demo users (rules, audit, notifications).
Their tracking codes and secrets are not kept: the public follow page is tried with a new complaint."""

from __future__ import annotations

import datetime as dt

from dudao.complaints import handling
from dudao.complaints import services as complaint_services
from dudao.complaints.models import Complaint
from dudao.registry import services as registry_services

from .workflows import _rv, _user

FILED = [
    ("fees", "报名时被要求额外缴纳培训费 800 元,不交不给报名。", False),
    ("exam_discipline", "实操考核时考场内有人使用手机,考评员没有制止。", True),
    ("certificate", "考试通过三个月了,证书还查不到。", False),
    ("examiner", "考评员在实操考核中暗示考生答案。", True),
    ("other", "考点候考区没有座位,考生在走廊等候两个多小时。", False),
]


def _channel(inst_admin) -> None:
    institution = inst_admin.institution
    registry_services.institution_update(
        actor=inst_admin,
        institution=institution.pk,
        row_version=_rv(institution),
        complaint_phone="0791-88886666",
        complaint_mailbox="机构一楼大厅投诉举报箱",
        complaint_email="tousu@example.cn",
        complaint_page_url="https://www.example.cn/tousu",
    )


def _file(institution, category: str, content: str, anonymous: bool) -> Complaint:
    complaint, _secret = complaint_services.complaint_file(
        institution=institution.uscc,
        category=category,
        content=content,
        anonymous=anonymous,
        contact_name="" if anonymous else "张明",
        contact_phone="" if anonymous else "13800138000",
    )
    return complaint


def _fresh(complaint: Complaint) -> Complaint:
    complaint.refresh_from_db()
    return complaint


def _handled(admin, complaint: Complaint, handler_user) -> Complaint:
    c = _fresh(complaint)
    complaint_services.complaint_decide(
        actor=admin, complaint=c, action="accept", reason="属于受理范围", row_version=_rv(c)
    )
    c = _fresh(c)
    candidates = handling.handler_candidates(c)
    chosen = handler_user if handler_user in candidates else (candidates[0] if candidates else admin)
    handling.complaint_handler_assign(actor=admin, complaint=c, user=chosen, row_version=_rv(c))
    return _fresh(c)


def create_complaints(today: dt.date) -> dict[str, int]:
    """One complaint in each state at the demo institution; its published channel."""
    admin = _user("authority_admin")
    staff = _user("authority_staff")
    inst_admin = _user("institution_admin")
    if not (admin and inst_admin and inst_admin.institution_id):
        return {}
    _channel(inst_admin)
    institution = inst_admin.institution
    made = [_file(institution, *row) for row in FILED]
    _received, declined, accepted, verified, closed = made  # the first waits for the decision
    c = _fresh(declined)
    complaint_services.complaint_decide(
        actor=admin,
        complaint=c,
        action="decline",
        reason="反映的情况不属于本部门职责,请向学校反映。",
        row_version=_rv(c),
    )
    _handled(admin, accepted, staff)
    for complaint, finding, text, reply in (
        (
            verified,
            "verified",
            "调取监控录像核实,考评员确有暗示行为。",
            "经调查,反映的问题属实。已责令机构整改并更换考评员。",
        ),
        (closed, "not_verified", "现场查看候考区,设置符合要求。", "经调查,未发现反映的问题。感谢你的监督。"),
    ):
        c = _handled(admin, complaint, staff)
        handling.complaint_investigate(actor=admin, complaint=c, row_version=_rv(c))
        c = _fresh(c)
        handling.complaint_find(actor=admin, complaint=c, finding=finding, text=text, row_version=_rv(c))
        c = _fresh(c)
        handling.complaint_dispose(
            actor=admin, complaint=c, disposition="no_action", note="见调查情况", row_version=_rv(c)
        )
        c = _fresh(c)
        handling.complaint_reply(actor=admin, complaint=c, reply=reply, row_version=_rv(c))
    c = _fresh(closed)
    handling.complaint_close(actor=admin, complaint=c, row_version=_rv(c))
    states: dict[str, int] = {}
    for complaint in made:
        status = _fresh(complaint).status
        states[status] = states.get(status, 0) + 1
    return states


def delete_for(institution_ids: list[int]) -> None:
    """`demo-data --reset`: the demo institutions' complaints (before the tasks and penalties they link)."""
    Complaint.objects.filter(institution_id__in=institution_ids).delete()
