"""Writers of results, their publication and objections (EXAM-7, 9, 14, 16, 17, 18).

Marks are recorded per registration as the pure judge's input subjects (the masked marking of EXAM-6 on
phones comes later; until then the institution enters the reconciled or raw marks). Before publication the
institution may record and re-record; from publication on a mark changes only through an objection's
handling, which keeps the before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from dudao.common.writes import checked_text, lock, require, unique_or_conflict
from dudao.notifications.recipients import institution_users
from dudao.notifications.services import notify
from dudao.workdays.selectors import calendar

from ..domain import publication as rules
from ..domain.results import SUBJECT_NAMES, ResultsInputError, judge
from ..models import (
    Certificate,
    ExamPlan,
    ExamResult,
    Marking,
    Objection,
    Registration,
    ResultPublication,
)
from ..permissions import may_administer, may_run
from .result_confirmation import publication_confirmation_refusal
from .retakes import retake_subjects

MAX_ENTRIES = 200_000


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _judge(level: int, subjects: Any) -> dict[str, Any]:
    return judge({"level": level, "subjects": subjects})


@transaction.atomic
def results_record(*, actor: Any, plan: ExamPlan, entries: Iterable[Mapping[str, Any]]) -> list[ExamResult]:
    """Record the marks of approved registrations of `plan`: `entries` = [{"registration": 报名号,
    "subjects": [...]}] with subjects as in `dudao results judge`. All or nothing: every problem is reported
    with its registration number, and nothing is written while one remains."""
    require(may_run(actor, plan), "只有本机构的工作人员可以登记成绩")
    plan = lock(ExamPlan, plan.pk)
    if plan.status == ExamPlan.Status.CANCELLED:
        raise IllegalTransition("认定计划已撤销")
    if ResultPublication.objects.filter(plan=plan).exists():
        raise IllegalTransition("成绩已公示,更正成绩请通过复核申请办理")
    if timezone.now() < plan.batch.starts_at:
        raise IllegalTransition(
            f"考试 {timezone.localtime(plan.batch.starts_at):%Y-%m-%d %H:%M} 开始,开考前不能登记成绩"
        )
    entries = list(entries)
    if not entries:
        raise ValidationFailed("没有要登记的成绩", detail={"entries": ["至少一条"]})
    if len(entries) > MAX_ENTRIES:
        raise ValidationFailed(f"一次最多登记 {MAX_ENTRIES} 条成绩")
    marked = set(Marking.objects.filter(session__plan=plan).values_list("session__subject", "session__level"))
    registrations = {
        r.number: r
        for r in Registration.objects.filter(
            plan=plan, status=Registration.Status.APPROVED
        ).select_for_update()
    }
    existing = {r.registration_id: r for r in ExamResult.objects.filter(registration__plan=plan)}
    errors: dict[str, list[str]] = {}
    judged: list[tuple[Registration, Any, dict[str, Any]]] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        key = f"第{index}条"
        if not isinstance(entry, Mapping):
            errors[key] = ['应为 {"registration": 报名号, "subjects": [...]}']
            continue
        number = str(entry.get("registration") or "").strip().upper()
        registration = registrations.get(number)
        if registration is None:
            errors[key] = [f"报名号「{number[:32]}」不是本计划资格审核通过的报名"]
            continue
        if number in seen:
            errors[key] = [f"报名号 {number} 重复"]
            continue
        seen.add(number)
        try:
            verdict = _judge(registration.level, entry.get("subjects"))
        except ResultsInputError as exc:
            errors[f"{key}({number})"] = [str(exc)]
            continue
        online = [s["subject"] for s in verdict["subjects"] if (s["subject"], registration.level) in marked]
        if online:  # EXAM-6: those marks come from the signed score book, not from a form
            names = "、".join(SUBJECT_NAMES[s] for s in online)
            errors[f"{key}({number})"] = [f"{names}已在线阅卷,成绩以签字的评分册为准,不能另行登记"]
            continue
        subjects = entry.get("subjects")
        if registration.retake_of_id is not None:  # EXAM-11: only the retaken subject is examined
            retaken = registration.retake_subject
            others = [s["subject"] for s in verdict["subjects"] if s["subject"] != retaken]
            if others:
                names = "、".join(SUBJECT_NAMES[s] for s in others)
                errors[f"{key}({number})"] = [
                    f"补考考生只考{SUBJECT_NAMES[retaken]},{names}沿用原成绩,不能另行登记"
                ]
                continue
        result = existing.get(registration.pk)
        kept = [
            s for s in (result.marks if result else []) if (s.get("subject"), registration.level) in marked
        ]
        if kept or registration.retake_of_id is not None:
            # the subjects marked online stay as the score book joined them; a retake carries the others
            subjects = retake_subjects(registration, kept + list(subjects))
            verdict = _judge(registration.level, subjects)
        judged.append((registration, subjects, verdict))
    if errors:
        raise ValidationFailed("成绩有误,未登记任何一条", detail=errors)
    now = timezone.now()
    saved: list[ExamResult] = []
    for registration, subjects, verdict in judged:
        result = result_save(existing.get(registration.pk), registration, subjects, verdict, actor, now)
        if result is not None:
            saved.append(result)
    audit.record_many(
        actor=actor,
        action="exams.result.record",
        objects=saved,
        after=[{"registration": r.registration.number, "version": r.version, **r.judged} for r in saved],
    )
    return saved


def result_save(
    result: ExamResult | None,
    registration: Registration,
    subjects: list[Any],
    verdict: dict[str, Any],
    actor: Any,
    now: dt.datetime,
) -> ExamResult | None:
    """Write a registration's judged marks as its result (a new version when they changed); None when the
    marks are those already recorded. Callers hold the transaction and write the audit events."""
    if result is None:
        result = ExamResult(registration=registration, version=1)
    elif result.marks == subjects:
        return None
    else:
        result.version += 1
    result.marks, result.judged, result.passed = subjects, verdict, verdict["pass"]
    result.recorded_at, result.recorded_by = now, actor
    result.save()
    return result


@transaction.atomic
def results_publish(*, actor: Any, plan: ExamPlan, today: dt.date | None = None) -> ResultPublication:
    """EXAM-9, 17: publish the plan's results (the institution's admin): every approved candidate has a
    decided result; the 公示 window and the objection window are counted in working days from today."""
    require(may_administer(actor, plan), "只有本机构的管理员可以公示成绩")
    plan = lock(ExamPlan, plan.pk)
    if plan.status == ExamPlan.Status.CANCELLED:
        raise IllegalTransition("认定计划已撤销")
    if ResultPublication.objects.filter(plan=plan).exists():
        raise IllegalTransition("本计划的成绩已公示")
    results_ready(plan)
    confirmation_refusal = publication_confirmation_refusal(plan)
    if confirmation_refusal:
        raise IllegalTransition(confirmation_refusal)
    approved = Registration.objects.filter(plan=plan, status=Registration.Status.APPROVED)
    day = _today(today)
    cal = calendar()
    publication = ResultPublication(
        plan=plan,
        published_at=timezone.now(),
        published_by=actor,
        publicity_ends_on=cal.add_workdays(day, settings.DUDAO_RESULT_PUBLICITY_WORKDAYS).date,
        objections_close_on=cal.add_workdays(day, settings.DUDAO_RESULT_OBJECTION_WORKDAYS).date,
    )
    publication.save()
    audit.record(
        actor=actor,
        action="exams.results.publish",
        obj=publication,
        after={
            "plan": plan.pk,
            "publicity_ends_on": publication.publicity_ends_on,
            "objections_close_on": publication.objections_close_on,
            "passed": ExamResult.objects.filter(registration__in=approved, passed=True).count(),
            "failed": ExamResult.objects.filter(registration__in=approved, passed=False).count(),
        },
    )
    return publication


def results_ready(plan: ExamPlan) -> None:
    """IllegalTransition unless every approved candidate of `plan` has a decided result and every marking
    is signed (what publication, and the authority's confirmation before it, need)."""
    unsigned = Marking.objects.filter(session__plan=plan, status=Marking.Status.MARKING).count()
    if unsigned:
        raise IllegalTransition(f"还有 {unsigned} 个场次的评分册未签字合分")
    approved = Registration.objects.filter(plan=plan, status=Registration.Status.APPROVED)
    if not approved.exists():
        raise IllegalTransition("本计划没有资格审核通过的考生,没有成绩")
    without = approved.exclude(result__isnull=False).count()
    pending = ExamResult.objects.filter(registration__in=approved, passed__isnull=True).count()
    if without or pending:
        parts = [
            f"{without} 名考生未登记成绩" if without else "",
            f"{pending} 名考生成绩待定(待三评或组长裁定、缺科目)" if pending else "",
        ]
        raise IllegalTransition(",".join(p for p in parts if p) + ",成绩尚未确定")


def windows_provisional(publication: ResultPublication) -> bool:
    """CAL-3: the 公示 and objection windows were counted through a year whose holiday arrangement is not
    confirmed yet, so their last days may still move (shown as 临时 next to the dates)."""
    start = timezone.localtime(publication.published_at).date()
    return calendar().is_provisional_span(start, publication.objections_close_on)


def published_result(registration: Registration) -> ExamResult | None:
    """A candidate's result once published (EXAM-9): None before publication or without a result."""
    if not rules.results_visible(ResultPublication.objects.filter(plan_id=registration.plan_id).exists()):
        return None
    return ExamResult.objects.filter(registration=registration).first()


@transaction.atomic
def objection_file(
    *, registration: Registration, subject: Any, reason: Any, today: dt.date | None = None
) -> Objection:
    """EXAM-17: the candidate asks for a re-check of one subject within the window (once per subject). The
    caller has proved the candidate (报名号 + ID number, or the signed token). The plan is locked first, as
    issuing does: an objection filed while certificates are being issued waits and is then refused."""
    lock(ExamPlan, registration.plan_id)
    registration = lock(Registration, registration.pk)
    publication = ResultPublication.objects.filter(plan_id=registration.plan_id).first()
    if publication is None:
        raise IllegalTransition("成绩尚未公示,不能申请复核")
    if not rules.objection_open(publication.objections_close_on, _today(today)):
        raise IllegalTransition(f"复核申请截止日期为 {publication.objections_close_on:%Y-%m-%d},已过期")
    result = ExamResult.objects.filter(registration=registration).first()
    subjects = {s["subject"] for s in (result.judged["subjects"] if result else [])}
    subject = str(subject or "").strip()
    if subject not in subjects:
        raise ValidationFailed("请选择有成绩的科目", detail={"subject": ["科目无效"]})
    reason = checked_text(reason, "reason", "申请理由", limit=1000)
    # the result as it stood when filed: a correction marked online is compared with it when handled
    objection = Objection(
        registration=registration,
        subject=subject,
        reason=reason,
        filed_at=timezone.now(),
        before=result.judged if result else None,
    )
    with unique_or_conflict(f"{SUBJECT_NAMES[subject]}已申请过复核,每科只能申请一次", "subject"):
        objection.save()
    audit.record(
        actor=None,
        action="exams.objection.file",
        obj=objection,
        after={"registration": registration.number, "subject": subject, "reason": reason},
    )
    plan = registration.plan
    notify(  # the institution learns at once; the due-soon and overdue reminders follow (exams.reminders)
        recipients=institution_users(plan.batch.institution_id),
        kind="exam.objection_filed",
        title=f"新的复核申请:{plan.title} 报名号 {registration.number}",
        body=f"{SUBJECT_NAMES[subject]}复核申请,请在处理期限内写明复核结论。",
        link=reverse("exams:results", args=[plan.pk]) + "#objections",
        obj=objection,
    )
    return objection


@transaction.atomic
def objection_handle(
    *, actor: Any, objection: Objection, outcome: Any, subject_marks: Mapping[str, Any] | None = None
) -> Objection:
    """Record the re-check's outcome. With `subject_marks` (the re-checked subject as the judge takes it) the
    result is re-judged as a new version and the objection upheld; without, the marks stand (dismissed)."""
    objection = lock(Objection, objection.pk)
    registration = objection.registration
    require(may_run(actor, registration), "只有本机构的工作人员可以处理复核申请")
    if objection.status != Objection.Status.OPEN:
        raise Conflict("该复核申请已处理")
    outcome = checked_text(outcome, "outcome", "复核结论", limit=1000)
    result = ExamResult.objects.select_for_update().filter(registration=registration).first()
    if result is None:
        raise NotFound("该考生没有成绩记录")
    changes: dict[str, Any] = {"outcome": outcome, "handled_at": timezone.now(), "handled_by": actor}
    marking = Marking.objects.filter(
        session__subject=objection.subject, papers__seat__registration=registration
    ).first()
    if marking is not None:  # EXAM-6/17: an online-marked subject changes only through a signed correction
        if subject_marks is not None:
            message = "该科目为在线阅卷:请由评分人在阅卷页更正分数、重新签字后,再办结复核"
            raise ValidationFailed(message, detail={"subject_marks": [message]})
        if marking.status != Marking.Status.SIGNED:
            raise Conflict("阅卷更正尚未重新签字,评分人和统分员签字后才能办结复核")
        if result.judged != objection.before:
            changes.update(status=Objection.Status.UPHELD, after=result.judged)
        else:
            changes["status"] = Objection.Status.DISMISSED
    elif subject_marks is not None:
        if not isinstance(subject_marks, Mapping) or subject_marks.get("subject") != objection.subject:
            raise ValidationFailed("更正的成绩应为复核科目的分数", detail={"subject_marks": ["科目不符"]})
        subjects = [s for s in result.marks if s.get("subject") != objection.subject] + [dict(subject_marks)]
        try:
            verdict = _judge(registration.level, subjects)
        except ResultsInputError as exc:
            raise ValidationFailed(str(exc), detail={"subject_marks": [str(exc)]}) from None
        if verdict["pass"] is None:
            raise ValidationFailed("更正后的成绩仍未确定(待三评、组长评定或缺科目),请填写确定的分数")
        if Certificate.objects.filter(registration=registration, status=Certificate.Status.VALID).exists():
            raise Conflict("该考生已发证,须先由发证机构注销证书,才能更正成绩")
        changes.update(status=Objection.Status.UPHELD, before=result.judged, after=verdict)
        result.marks, result.judged, result.passed = subjects, verdict, verdict["pass"]
        result.version += 1
        result.recorded_at, result.recorded_by = timezone.now(), actor
        result.save()
    else:
        changes["status"] = Objection.Status.DISMISSED
    for name, value in changes.items():
        setattr(objection, name, value)
    objection.row_version += 1
    objection.save()
    audit.record(
        actor=actor,
        action="exams.objection.handle",
        obj=objection,
        after={
            "registration": registration.number,
            "status": objection.status,
            "outcome": outcome,
            "result_version": result.version,
            "before": objection.before,
            "after": objection.after,
            "pass": result.passed,
        },
    )
    return objection
