"""补考 (EXAM-11): registering a candidate who failed a single subject for that subject in a later batch of
the same occupation and level, once, carrying the subjects he passed into the new result.

The rule itself is pure (`domain.retake`); here it meets the records: the original registration (报名号 +
ID number, as every public action of a candidate), its published result, the two batches' exam days and
the retakes already made. The result services call `retake_subjects` so that the carried subjects are
judged with the retaken one however the retaken subject's mark arrives (form or signed score book).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import Conflict, ValidationFailed
from dudao.common.writes import require, save_new
from dudao.people import domain as people_domain

from ..domain.results import SUBJECT_NAMES
from ..domain.retake import carried_subjects, retake_refusal
from ..models import ExamPlan, ExamResult, Registration, RegistrationFile, ResultPublication
from ..permissions import may_run
from .registrations import (
    NUMBER_PREFIX,
    _attach,
    _new_number,
    _today,
    find_own_registration,
    registration_audit,
    registration_channel,
)

R = Registration.Status
NOT_COUNTED = (R.WITHDRAWN, R.REJECTED)  # a withdrawn or refused retake was never taken


def _refused(message: str, field: str = "original_number") -> ValidationFailed:
    return ValidationFailed(message, detail={field: [message]})


def _original(original_number: Any, id_number: Any) -> Registration:
    found = find_own_registration(original_number, id_number)
    if found is None:
        raise _refused("原报名号与身份证号不匹配,请核对")
    return Registration.objects.select_for_update(of=("self",)).select_related("plan__batch").get(pk=found.pk)


def retake_check(*, original: Registration, plan: ExamPlan, subject: str = "") -> tuple[str, str | None]:
    """The retaken subject (the single failed one unless `subject` names another) and why the retake in
    `plan` is refused (Chinese) or None."""
    same_occupation = plan.batch.occupation_id == original.plan.batch.occupation_id
    if not same_occupation or original.level not in plan.batch.levels:
        return subject, "补考须报名同一职业(工种)、同一等级的后续批次"
    result = ExamResult.objects.filter(registration=original).first()
    judged = result.judged if result is not None and original.status == R.APPROVED else None
    if not subject and judged:
        failed = [s["subject"] for s in judged.get("subjects", ()) if s.get("pass") is False]
        subject = failed[0] if len(failed) == 1 else ""
    already = (
        original.retake_of_id is not None
        or Registration.objects.filter(retake_of=original).exclude(status__in=NOT_COUNTED).exists()
    )
    refusal = retake_refusal(
        judged=judged,
        published=ResultPublication.objects.filter(plan_id=original.plan_id).exists(),
        subject=subject,
        original_exam_day=timezone.localtime(original.plan.batch.starts_at).date(),
        retake_exam_day=timezone.localtime(plan.batch.starts_at).date(),
        already_retaken=already,
        window_months=settings.DUDAO_RETAKE_WINDOW_MONTHS,
    )
    return subject, refusal


@transaction.atomic
def registration_retake(
    *,
    actor: Any,
    plan: ExamPlan,
    original_number: Any,
    id_number: Any,
    phone: Any = "",
    subject: Any = "",
    photo: Any = None,
    on_behalf: bool = False,
    today: dt.date | None = None,
) -> Registration:
    """补考报名: online by the candidate while the window is open, or by the institution's staff, as any
    registration (INST-6). The candidate proves himself with the original 报名号 and his ID number; the
    retake copies the original's facts and pre-check (the eligibility was reviewed then), takes the photo
    given or the original's, and goes through the same two-level review. `on_behalf`: the caller means to
    register as the institution's staff (refused for anyone else)."""
    if on_behalf:
        require(may_run(actor, plan), "只有本机构的工作人员可以代考生补考报名")
    by_institution = registration_channel(actor, plan, _today(today))
    subject = str(subject or "").strip()
    if subject and subject not in SUBJECT_NAMES:
        raise _refused("补考科目无效", "subject")
    phone = people_domain.validate_phone(phone)
    original = _original(original_number, id_number)
    subject, refusal = retake_check(original=original, plan=plan, subject=subject)
    if refusal:
        raise _refused(refusal)
    if (
        Registration.objects.filter(plan=plan, person_id=original.person_id, level=original.level)
        .exclude(status=R.WITHDRAWN)
        .exists()
    ):
        raise Conflict("该考生已报名本批次的这一等级", code="duplicate_registration")
    original_photo = original.files.filter(material=RegistrationFile.Material.PHOTO).order_by("-id").first()
    if photo is None and original_photo is None and not by_institution:
        raise _refused("请上传本人近期免冠照片(现场核验身份用)", "photo")
    registration = Registration(
        number=_new_number(NUMBER_PREFIX, "number"),
        plan=plan,
        person_id=original.person_id,
        level=original.level,
        phone=phone or original.phone,
        source=Registration.Source.ROSTER if by_institution else Registration.Source.ONLINE,
        fee_amount=Decimal(plan.fees.get(str(original.level), "0")),
        retake_of=original,
        retake_subject=subject,
        **{
            field: getattr(original, field)
            for field in (
                "education",
                "education_related",
                "work_years",
                "apprenticeship_completed",
                "certificates",
                "work_history",
                "precheck",
                "precheck_route",
            )
        },
    )
    try:
        with transaction.atomic():
            save_new(registration)
    except IntegrityError:  # the same retake (or registration) submitted twice at once
        raise Conflict("该科目已有一次补考报名,不能重复报名", code="duplicate_registration") from None
    uploader = actor if by_institution else None
    if photo is not None:
        _attach(registration, RegistrationFile.Material.PHOTO, photo, uploader, kinds={"photo"})
    elif original_photo is not None:
        save_new(
            RegistrationFile(
                registration=registration,
                material=RegistrationFile.Material.PHOTO,
                uploaded_by=original_photo.uploaded_by,
                **original_photo.stored_file().fields(),
            )
        )
    audit.record(
        actor=actor,
        action="exams.registration.retake",
        obj=registration,
        after={**registration_audit(registration), "retake_of": original.number},
    )
    return registration


def retake_subjects(registration: Registration, own: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The subjects a registration's result is judged from: for a retake, the original result's subjects
    other than the retaken one (as they stand now, so an objection's correction carries over) and this
    registration's entry for the retaken subject; for any other registration its own subjects."""
    if registration.retake_of_id is None:
        return list(own)
    original = ExamResult.objects.filter(registration_id=registration.retake_of_id).first()
    carried = carried_subjects(original.marks if original else [], registration.retake_subject)
    return carried + [dict(s) for s in own if s.get("subject") == registration.retake_subject]
