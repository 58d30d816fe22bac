"""Evaluation operations in a chosen state (issue 10): a planned batch, its plan (draft or published),
registrations through the services. Dates stand on the tests' clock (TODAY = 2026-12-03)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dudao.exams import services
from dudao.exams.models import ExamPlan, Registration
from dudao.registry.models import Batch
from tests.clock import TODAY

from .rows import FilingFactory, OccupationFactory, VenueFactory, make_resident_id

EXAM_DAY = TODAY + dt.timedelta(days=17)  # Sunday 2026-12-20
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def photo(name: str = "照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def exam_batch(institution, *, levels=(4, 2), code: str = "PC-EXAM-1", occupation=None) -> Batch:
    """A planned batch on EXAM_DAY 08:00–18:00 under a filing of the institution's authority."""
    return Batch.objects.create(
        code=code,
        institution=institution,
        filing=FilingFactory(institution=institution, authority=institution.authority),
        occupation=occupation or OccupationFactory(code="6-18-02-04", name="焊工"),
        levels=list(levels),
        starts_at=at(EXAM_DAY, 8),
        ends_at=at(EXAM_DAY, 18),
        venue=VenueFactory(institution=institution),
    )


def plan_values(batch: Batch, **over: Any) -> dict[str, Any]:
    values = {
        "title": f"{batch.occupation.name}职业技能等级认定公告",
        "registration_opens_on": TODAY - dt.timedelta(days=2),
        "registration_closes_on": TODAY + dt.timedelta(days=7),
        "withdraw_deadline": TODAY + dt.timedelta(days=9),
        "fees": {str(level): "300.00" if level > 2 else "500.00" for level in batch.levels},
        "fee_basis": "赣发改收费〔2020〕1号",
        "eligibility_summary": "按国家职业技能标准申报条件",
        "contact_name": "王老师",
        "contact_phone": "0791-88888888",
        "question_source": "provincial_bank",
    }
    values.update(over)
    return values


def exam_plan(batch: Batch, admin, *, publish: bool = True, **over: Any) -> ExamPlan:
    plan = services.plan_create(actor=admin, batch=batch, values=plan_values(batch, **over))
    if publish:
        plan = services.plan_publish(actor=admin, plan=plan, row_version=plan.row_version)
    return plan


def registration_values(level: int = 4, **over: Any) -> dict[str, Any]:
    values = {"level": level, "education": "none", "work_years": "6", "apprenticeship_completed": False}
    values.update(over)
    return values


def register(
    plan: ExamPlan, n: int, *, level: int = 4, actor=None, name: str = "", **over: Any
) -> Registration:
    """Candidate n registers online (actor None) or is registered by the institution (actor)."""
    return services.registration_submit(
        actor=actor,
        plan=plan,
        name=name or f"考生{n}",
        id_number=make_resident_id(n, birth="19900101"),
        phone=f"1380000{n:04d}",
        values=registration_values(level, **over),
        photo=photo() if actor is None else None,
    )


def approve(registration: Registration, inst_admin, authority_user) -> Registration:
    registration = services.registration_review(
        actor=inst_admin, registration=registration, row_version=registration.row_version, approve=True
    )
    return services.registration_review(
        actor=authority_user, registration=registration, row_version=registration.row_version, approve=True
    )
