"""Demo of a completed evaluation (issue 11 item 8): the demo institution's batch of six weeks ago, run
through the services from registration to certificates — two sessions, check-ins (one absent), masked
double marking of the theory papers with one third mark and signed score books, the practical panel's
marks, results published with their windows, an objection answered, certificates issued and one voided,
and the batch's records sealed into an archive package.

Exam-day rows whose services check the wall clock (check-ins, room staff) are written directly; everything
that carries a rule goes through its service."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from typing import Any

from django.utils import timezone

from dudao.accounts import services as account_services
from dudao.accounts import user_services
from dudao.accounts.models import Role, User
from dudao.archives import services as archive_services
from dudao.exams import services
from dudao.exams.domain.publication import certificate_kind
from dudao.exams.models import Certificate, CheckIn, Paper, RoomStaff, Seat
from dudao.people.models import Examiner
from dudao.registry import services as registry_services
from dudao.registry.models import Batch

from .exams import GIVEN, SURNAMES, _id_number

THEORY = [(78, 82), (66, 70), (58, 74), (52, 55), (88, 91)]  # the third pair differs by 16: a third marker
THIRD_MARK = 71
PRACTICAL = [[80, 84, 78], [72, 75, 70], [68, 70, 73], [61, 58, 60], [90, 88, 92], [75, 77, 76]]


def _workday_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _marker_users(admin: User, examiners: list[Examiner], demo_examiner: User | None) -> list[User]:
    """Accounts of the batch's examiners, the demo examiner's own where he is one of them (so its login sees
    the marking); the others get inactive accounts (no login) that carry their marks."""
    users: list[User] = []
    for examiner in examiners:
        if demo_examiner is not None and demo_examiner.person_id == examiner.person_id:
            users.append(demo_examiner)
            continue
        user = User.objects.filter(person_id=examiner.person_id, role=Role.EXAMINER).first()
        if user is None:
            user = account_services.user_create(
                actor=admin,
                username=f"demo_marker_{examiner.pk}",
                password=secrets.token_urlsafe(24) + "Aa1!",  # never told to anyone: closed after marking
                role=Role.EXAMINER,
                person=examiner.person,
                display_name=examiner.person.name,
                must_change_password=False,
            )
        users.append(user)
    return users


def create_completed(today: dt.date) -> dict[str, Any]:
    """The completed batch with its results and certificates; {} when the demo lacks what it needs."""
    from .workflows import _user

    inst_admin = _user("institution_admin")
    if inst_admin is None or inst_admin.institution_id is None:
        return {}
    tallier = inst_admin  # 统分员: an institution account that marked nothing (EXAM-6)
    template = (
        Batch.objects.filter(institution_id=inst_admin.institution_id)
        .exclude(status=Batch.Status.CANCELLED)
        .select_related("filing", "occupation", "venue")
        .prefetch_related("examiners")
        .order_by("starts_at")
        .first()
    )
    if template is None:
        return {}
    confirmer = User.objects.filter(
        authority_id=template.filing.authority_id, role__in=(Role.AUTHORITY_ADMIN, Role.AUTHORITY_STAFF)
    ).first()
    demo_examiner = _user("examiner")
    # the demo examiner marks first (his login shows the marking), then the template batch's examiners
    pool = [demo_examiner.person.examiner] if demo_examiner is not None and demo_examiner.person_id else []
    pool += [e for e in template.examiners.order_by("pk") if e not in pool]
    markers = _marker_users(_user("admin"), pool[:3], demo_examiner)
    if confirmer is None or len(markers) < 3:
        return {}
    exam_day = _workday_before(today - dt.timedelta(days=42))
    batch = registry_services.batch_create(
        actor=inst_admin,
        institution=template.institution_id,
        occupation=template.occupation_id,
        levels=[4],
        starts_at=_at(exam_day, 8),
        ends_at=_at(exam_day, 17),
        venue=template.venue_id,
        candidate_count=6,
    )  # no examiner team recorded on the batch: the demo's examiner cards start today (as held batches)
    plan = services.plan_create(
        actor=inst_admin,
        batch=batch,
        values={
            "title": f"{batch.occupation.name}职业技能等级认定公告({exam_day:%Y年%m月},已完成)",
            "registration_opens_on": exam_day - dt.timedelta(days=30),
            "registration_closes_on": exam_day - dt.timedelta(days=10),
            "withdraw_deadline": exam_day - dt.timedelta(days=10),
            "fees": {"4": "240"},
            "fee_basis": "省发展改革委、省财政厅职业技能鉴定收费标准(演示)",
            "eligibility_summary": "按国家职业技能标准 1.8 申报条件。",
            "contact_name": inst_admin.display_name or "考务办公室",
            "contact_phone": "0791-86000000",
        },
    )
    plan = services.plan_publish(actor=inst_admin, plan=plan, row_version=plan.row_version)
    rng = random.Random(20261101)
    registrations = []
    for n in range(6):
        reg = services.registration_submit(
            actor=inst_admin,
            plan=plan,
            name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            id_number=_id_number(rng, 50 + n),
            phone=f"138{rng.randrange(10**8):08d}",
            values={"level": 4, "education": "none", "work_years": "6"},
        )
        for actor in (inst_admin, confirmer):
            reg = services.registration_review(
                actor=actor,
                registration=reg,
                row_version=reg.row_version,
                approve=True,
                reason="" if reg.precheck.get("eligible") else "工作年限证明已核验(演示)",
            )
        registrations.append(reg)
    sessions = {}
    for subject, hour in (("theory", 9), ("practical", 14)):
        session = services.session_create(
            actor=inst_admin,
            plan=plan,
            values={
                "subject": subject,
                "level": 4,
                "starts_at": _at(exam_day, hour),
                "ends_at": _at(exam_day, hour + 2),
            },
        )
        room = services.room_create(
            actor=inst_admin,
            session=session,
            values={"name": "第01考场" if subject == "theory" else "实操01", "capacity": 10},
        )
        for user in markers:
            RoomStaff.objects.create(room=room, examiner=user.person.examiner)
        sessions[subject] = session
    services.seats_assign(actor=inst_admin, plan=plan)
    absent = registrations[-1]  # misses the theory paper: absent, fails (EXAM-8)
    for seat in Seat.objects.filter(session__plan=plan):
        missed = seat.registration_id == absent.pk and seat.session_id == sessions["theory"].pk
        CheckIn.objects.create(
            seat=seat,
            status=CheckIn.Status.ABSENT if missed else CheckIn.Status.PRESENT,
            at=seat.session.starts_at - dt.timedelta(minutes=10),
            by=inst_admin,
            identity_checked=not missed,
        )
    leader = markers[2].person.examiner
    theory = services.marking_open(
        actor=inst_admin, session=sessions["theory"], mode="double", leader=leader.pk
    )
    codes = {
        p.seat.registration_id: p.code for p in Paper.objects.filter(marking=theory).select_related("seat")
    }
    for reg, (a, b) in zip(registrations, THEORY, strict=False):
        services.mark_submit(actor=markers[0], marking=theory, code=codes[reg.pk], value=a)
        services.mark_submit(actor=markers[1], marking=theory, code=codes[reg.pk], value=b)
        if abs(a - b) > 10:  # EXAM-16: a third marker
            services.mark_submit(actor=markers[2], marking=theory, code=codes[reg.pk], value=THIRD_MARK)
    practical = services.marking_open(
        actor=inst_admin, session=sessions["practical"], mode="panel", leader=leader.pk
    )
    codes = {
        p.seat.registration_id: p.code for p in Paper.objects.filter(marking=practical).select_related("seat")
    }
    for reg, panel in zip(registrations, PRACTICAL, strict=True):
        for user, value in zip(markers, panel, strict=True):
            services.mark_submit(actor=user, marking=practical, code=codes[reg.pk], value=value)
    for marking in (theory, practical):
        for user in (*markers, tallier):
            services.scorebook_sign(actor=user, marking=marking)
    # the other markers' accounts carried their marks and signatures only: closed, no demo login
    for user in markers:
        if user.username.startswith("demo_marker_"):
            user_services.user_set_active(actor=_user("admin"), user=user, active=False)
    published_on = _workday_before(exam_day + dt.timedelta(days=3))
    publication = services.results_publish(actor=inst_admin, plan=plan, today=published_on)
    failed = registrations[3]  # theory 52/55 → 53.5: fails, asks for a re-check
    objection = services.objection_file(
        registration=failed, subject="theory", reason="理论成绩与自估差距较大,申请复核", today=published_on
    )
    services.objection_handle(
        actor=inst_admin, objection=objection, outcome="经复核,评分与统分无误,维持原成绩"
    )
    # a technical school's kind letter is not documented: the filing authority sets one (demo: Y)
    kind = None if certificate_kind(batch.institution.kind) else "Y"
    services.certificate_issuer_set(
        actor=confirmer, institution=batch.institution, kind=kind, serial="000123"
    )
    issued = services.certificates_issue(actor=inst_admin, plan=plan)
    voided = None
    if issued:
        cert = Certificate.objects.get(pk=issued[-1].pk)
        voided = services.certificate_void(
            actor=inst_admin,
            certificate=cert,
            reason="考生信息登记有误,注销后重新办理(演示)",
            row_version=cert.row_version,
        )
    package = archive_services.archive_seal(actor=inst_admin, plan=plan)  # ARCH-1: the batch is over
    return {
        "plan": plan.pk,
        "archive": package.pk,
        "publicity_ends_on": str(publication.publicity_ends_on),
        "certificates": len(issued),
        "voided": voided.number if voided else None,
    }
