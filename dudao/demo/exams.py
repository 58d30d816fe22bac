"""Demo 考务: the demo institution's next planned batch gets a published notice, a roster in every review
state, a theory session with rooms and seats, and a generated examiner assignment, all through the
services (their rules and audit events hold as in production)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone
from stdnum.cn import ric

from dudao.accounts.models import Role, User
from dudao.common.errors import ApplicationError
from dudao.exams import services
from dudao.exams.models import (
    Certificate,
    CertificateIssuer,
    CheckIn,
    ExamPlan,
    ExamResult,
    ExamRoom,
    ExamSession,
    Mark,
    Marking,
    Objection,
    Paper,
    Registration,
    RegistrationFile,
    ResultPublication,
    RoomAssignment,
    RoomNote,
    RoomStaff,
    ScoreBook,
    ScoreBookSignature,
    Seat,
    SeatSwap,
    VenueCheck,
    Violation,
)
from dudao.registry.models import Batch

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


def _id_number(rng: random.Random, n: int) -> str:
    birth = dt.date(1986, 1, 1) + dt.timedelta(days=rng.randrange(0, 18 * 365))
    body = f"360102{birth:%Y%m%d}{800 + n:03d}"
    return body + ric.calc_check_digit(body + "0")


def create_exams(today: dt.date) -> dict[str, Any]:
    """A published plan with 12 registrations (8 approved, 1 refused, 3 waiting), seats and an assignment."""
    from .workflows import _user

    inst_admin = _user("institution_admin")
    if inst_admin is None or inst_admin.institution_id is None:
        return {}
    now = timezone.now()
    batch = (
        Batch.objects.filter(
            institution_id=inst_admin.institution_id,
            status=Batch.Status.PLANNED,
            starts_at__gte=now + dt.timedelta(days=6),
            exam_plan__isnull=True,
        )
        .select_related("filing", "occupation")
        .order_by("starts_at")
        .first()
    )
    confirmer = (
        User.objects.filter(
            authority_id=batch.filing.authority_id,
            role__in=(Role.AUTHORITY_ADMIN, Role.AUTHORITY_STAFF),
            is_active=True,
        ).first()
        if batch is not None
        else None
    )
    if batch is None or confirmer is None:
        return {}
    exam_day = timezone.localtime(batch.starts_at).date()
    closes = min(today + dt.timedelta(days=3), exam_day - dt.timedelta(days=2))
    plan = services.plan_create(
        actor=inst_admin,
        batch=batch,
        values={
            "title": f"{batch.occupation.name}职业技能等级认定公告({exam_day:%Y年%m月})",
            "registration_opens_on": today - dt.timedelta(days=5),
            "registration_closes_on": closes,
            "withdraw_deadline": closes,
            "fees": {str(level): str(120 + 60 * (5 - level)) for level in batch.levels},
            "fee_basis": "省发展改革委、省财政厅职业技能鉴定收费标准(演示)",
            "eligibility_summary": "按国家职业技能标准 1.8 申报条件;详见报名页面的资格预审。",
            "contact_name": inst_admin.display_name or "考务办公室",
            "contact_phone": "0791-86000000",
        },
    )
    plan = services.plan_publish(actor=inst_admin, plan=plan, row_version=plan.row_version)
    rng = random.Random(20261207)
    level = max(batch.levels)  # the lowest level: the widest roster
    states: dict[str, int] = {}
    for n in range(12):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        reg = services.registration_submit(
            actor=inst_admin,
            plan=plan,
            name=name,
            id_number=_id_number(rng, n),
            phone=f"139{rng.randrange(10**8):08d}",
            values={"level": level, "education": "none", "work_years": str(rng.choice([1, 2, 4, 6, 8]))},
        )
        if n < 9:
            approve = n != 8
            reason = "" if approve and reg.precheck.get("eligible") else "工作年限证明已核验(演示)"
            if not approve:
                reason = "工作年限证明材料不全"
            reg = services.registration_review(
                actor=inst_admin,
                registration=reg,
                row_version=reg.row_version,
                approve=approve,
                reason=reason,
            )
            if approve:
                reg = services.registration_review(
                    actor=confirmer,
                    registration=reg,
                    row_version=reg.row_version,
                    approve=True,
                    reason=reason,
                )
        states[reg.status] = states.get(reg.status, 0) + 1
    start = batch.starts_at
    session = services.session_create(
        actor=inst_admin,
        plan=plan,
        values={
            "subject": "theory",
            "level": level,
            "starts_at": start,
            "ends_at": start + dt.timedelta(hours=2),
        },
    )
    services.room_create(actor=inst_admin, session=session, values={"name": "第01考场", "capacity": 30})
    seats = services.seats_assign(actor=inst_admin, plan=plan)
    assigned = False
    try:
        services.assignment_generate(actor=inst_admin, plan=plan)
        assigned = True
    except ApplicationError:  # no examiner pool for this authority in the demo: the page says what to do
        pass
    return {"plan": plan.pk, "registrations": states, "seats": seats, "assignment": assigned}


def delete_for(institution_ids: list[int]) -> None:
    """`demo-data --reset`: the 考务 rows of the demo institutions (their audit events stay)."""
    from dudao.archives.models import ArchivePackage, DestructionItem, DestructionPlan, DestructionReceipt

    plans = ExamPlan.objects.filter(batch__institution_id__in=institution_ids)
    rooms = ExamRoom.objects.filter(session__plan__in=plans)
    destructions = DestructionPlan.objects.filter(institution_id__in=institution_ids)
    DestructionReceipt.objects.filter(plan__in=destructions).delete()
    DestructionItem.objects.filter(plan__in=destructions).delete()
    destructions.delete()
    ArchivePackage.objects.filter(plan__in=plans).delete()  # the stored ZIPs stay (content-addressed)
    Certificate.objects.filter(registration__plan__in=plans).delete()
    CertificateIssuer.objects.filter(institution_id__in=institution_ids).delete()
    Objection.objects.filter(registration__plan__in=plans).delete()
    ExamResult.objects.filter(registration__plan__in=plans).delete()
    ResultPublication.objects.filter(plan__in=plans).delete()
    Mark.objects.filter(paper__marking__session__plan__in=plans, supersedes__isnull=False).delete()
    Mark.objects.filter(paper__marking__session__plan__in=plans).delete()
    ScoreBookSignature.objects.filter(book__marking__session__plan__in=plans).delete()
    ScoreBook.objects.filter(marking__session__plan__in=plans).delete()
    Paper.objects.filter(marking__session__plan__in=plans).delete()
    Marking.objects.filter(session__plan__in=plans).delete()
    for model, path in (
        (CheckIn, "seat__room__in"),
        (SeatSwap, "session__plan__in"),
        (Violation, "room__in"),
        (RoomNote, "room__in"),
        (VenueCheck, "room__in"),
    ):
        model.objects.filter(**{path: rooms if path.endswith("room__in") else plans}).delete()
    RoomStaff.objects.filter(room__in=rooms, replaced_by__isnull=False).update(replaced_by=None)
    RoomStaff.objects.filter(room__in=rooms).delete()
    Seat.objects.filter(room__in=rooms).delete()
    rooms.delete()
    ExamSession.objects.filter(plan__in=plans).delete()
    RoomAssignment.objects.filter(plan__in=plans).delete()
    registrations = Registration.objects.filter(plan__in=plans)
    RegistrationFile.objects.filter(registration__in=registrations).delete()
    registrations.delete()
    plans.delete()
