"""Deadline reminders of evaluation operations (found by dudao.notifications.tasks autodiscovery, run by
`dudao notify-due`). Each recipient gets a dedupe key once; the keys carry the deadline (or the submission),
so a moved deadline reminds again and a rerun sends nothing.

- exams.objections (EXAM-17): an open 查分/复核 objection is handled within DUDAO_OBJECTION_HANDLING_WORKDAYS
  working days after the day it was filed (CAL-2). Two working days before → the institution's admins and
  staff (both handle objections); overdue → them and the authority holding the batch's filing.
- exams.publication (EXAM-17, EXAM-12): the objection window's last day is today or the next working day →
  the institution's admins; both windows over without an open objection and passed candidates still without
  a certificate → the institution's admins (only they issue).
- exams.results_confirmation (issue 11 item 2): results submitted for the authority's confirmation → the users
  of the authority holding the filing, once per submission (no deadline is set for the confirmation).
- exams.certificate_uploads (CERT-3, FORM-B C4.2): certificates not uploaded whose six-month deadline is at
  most 30 days away → the institution's admins (only they export); past it → them and the filing authority.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from dudao.notifications.recipients import authority_users, institution_admins, institution_users
from dudao.notifications.tasks import Reminder, register_reminder_provider
from dudao.workdays import selectors as workdays_selectors
from dudao.workdays.domain import Calendar, Result

from .domain import publication as publication_rules
from .domain import upload as upload_rules
from .domain.results import SUBJECT_NAMES
from .models import (
    Certificate,
    CertificateIssuer,
    ExamPlan,
    Objection,
    ResultConfirmation,
    ResultPublication,
)
from .selectors_uploads import compliance_by_plan
from .services.certificates import awaiting_certificate
from .services.uploads import configured_days

OBJECTION_DUE_SOON_WORKDAYS = 2
WINDOW_CLOSING_WORKDAYS = 1
UPLOAD_DUE_SOON_DAYS = 30
CANCELLED = ExamPlan.Status.CANCELLED


def _link(plan_id: int, section: str) -> str:
    """The plan's 成绩与证书 page at one of its cards."""
    return f"{reverse('exams:results', args=[plan_id])}#{section}"


def _label(plan: ExamPlan) -> str:
    return f"{plan.batch.institution.name}(批次 {plan.batch.code})"


def _live(rows: QuerySet, plan: str = "plan") -> QuerySet:
    """`rows` of plans not cancelled, with the plan's batch, institution and filing (labels, recipients)."""
    return rows.exclude(**{f"{plan}__status": CANCELLED}).select_related(
        f"{plan}__batch__institution", f"{plan}__batch__filing"
    )


def _with_filing_authority(users: QuerySet, plan: ExamPlan) -> QuerySet:
    """`users` and the users of the authority holding the plan's filing (谁备案、谁负责)."""
    return users | authority_users(plan.batch.filing.authority_id)


def objection_due_on(filed_at: dt.datetime, calendar: Calendar) -> Result:
    """EXAM-17: the last day to handle an objection, N working days after the day it was filed (CAL-2)."""
    return calendar.add_workdays(timezone.localdate(filed_at), settings.DUDAO_OBJECTION_HANDLING_WORKDAYS)


@register_reminder_provider("exams.objections")
def objection_deadlines(*, today: dt.date) -> Iterator[Reminder]:
    """Open objections due within two working days, or overdue."""
    calendar = workdays_selectors.calendar()
    rows = _live(Objection.objects.filter(status=Objection.Status.OPEN), "registration__plan")
    rows = rows.order_by("filed_at", "id")
    for objection in rows:
        due = objection_due_on(objection.filed_at, calendar).date
        status = calendar.deadline_status(today, due)
        if not status.overdue and status.days > OBJECTION_DUE_SOON_WORKDAYS:
            continue
        registration = objection.registration
        plan = registration.plan
        users = institution_users(plan.batch.institution_id)
        if status.overdue:
            kind, state, users = "exam.objection_overdue", "处理已逾期", _with_filing_authority(users, plan)
        else:
            kind, state = "exam.objection_due_soon", "即将到期"
        subject = SUBJECT_NAMES.get(objection.subject, objection.subject)
        yield Reminder(
            recipients=users,
            kind=kind,
            title=f"复核申请{state}:{_label(plan)} 报名号 {registration.number}",
            body=(
                f"{subject}复核申请于 {timezone.localdate(objection.filed_at):%Y-%m-%d} 提出,"
                f"处理期限 {due:%Y-%m-%d},{status.label}。有未处理的复核申请时不能发证。"
            ),
            link=_link(plan.pk, "objections"),
            obj=objection,
            dedupe_key=f"{kind}:{objection.pk}:{due.isoformat()}",
        )


def _open_objections(plan_id: int) -> int:
    return Objection.objects.filter(registration__plan_id=plan_id, status=Objection.Status.OPEN).count()


@register_reminder_provider("exams.publication")
def publication_deadlines(*, today: dt.date) -> Iterator[Reminder]:
    """The objection window about to close; windows over and certificates still to issue."""
    calendar = workdays_selectors.calendar()
    publications = _live(ResultPublication.objects.all())
    closing = publications.filter(
        objections_close_on__gte=today,
        objections_close_on__lte=calendar.add_workdays(today, WINDOW_CLOSING_WORKDAYS).date,
    )
    for publication in closing.order_by("objections_close_on", "id"):
        plan, closes = publication.plan, publication.objections_close_on
        yield Reminder(
            recipients=institution_admins(plan.batch.institution_id),
            kind="exam.objection_window_closing",
            title=f"复核申请期即将截止:{_label(plan)}",
            body=(
                f"复核申请截止日期 {closes:%Y-%m-%d}({calendar.deadline_status(today, closes).label}),"
                f"公示期至 {publication.publicity_ends_on:%Y-%m-%d}。"
                "两者都截止且没有未处理的复核申请后即可发证;"
                f"目前未处理的复核申请 {_open_objections(plan.pk)} 件。"
            ),
            link=_link(plan.pk, "publication"),
            obj=plan,
            dedupe_key=f"exam.objection_window_closing:{plan.pk}:{closes.isoformat()}",
        )
    # the rule itself decides below; this only skips windows still open and plans with nobody to certify
    ended = publications.filter(
        objections_close_on__lt=today,
        publicity_ends_on__lt=today,
        plan__in=ExamPlan.objects.filter(
            Exists(awaiting_certificate().filter(registration__plan=OuterRef("pk")))
        ),
    )
    for publication in ended.order_by("objections_close_on", "id"):
        plan, closes = publication.plan, publication.objections_close_on
        refusal = publication_rules.certificate_refusal(
            publication.publicity_ends_on, closes, today, _open_objections(plan.pk)
        )
        if refusal is not None:
            continue
        waiting = awaiting_certificate().filter(registration__plan=plan).count()
        body = (
            f"公示期至 {publication.publicity_ends_on:%Y-%m-%d},复核申请已于 {closes:%Y-%m-%d} 截止,"
            f"没有未处理的复核申请;{waiting} 名合格考生待发证。"
        )
        if not CertificateIssuer.objects.filter(institution_id=plan.batch.institution_id).exists():
            body += "本机构尚未设置证书编码,请先联系备案机关设置。"
        yield Reminder(
            recipients=institution_admins(plan.batch.institution_id),
            kind="exam.certificates_ready",
            title=f"公示期已结束,可以发证:{_label(plan)}",
            body=body,
            link=_link(plan.pk, "certificates"),
            obj=plan,
            dedupe_key=f"exam.certificates_ready:{plan.pk}:{closes.isoformat()}",
        )


@register_reminder_provider("exams.results_confirmation")
def results_to_confirm(*, today: dt.date) -> Iterator[Reminder]:
    """Results waiting for the authority's confirmation: once per submission."""
    pending = _live(ResultConfirmation.objects.filter(status=ResultConfirmation.Status.REQUESTED))
    pending = pending.order_by("requested_at", "id")
    for confirmation in pending:
        plan = confirmation.plan
        submitted = timezone.localtime(confirmation.requested_at)
        yield Reminder(
            recipients=authority_users(plan.batch.filing.authority_id),
            kind="exam.results_to_confirm",
            title=f"成绩待确认:{_label(plan)}",
            body=(
                f"评价机构于 {submitted:%Y-%m-%d %H:%M} 提交了成绩,请确认,或写明原因退回;"
                "确认后评价机构方可公示。"
            ),
            link=_link(plan.pk, "confirmation"),
            obj=confirmation,
            dedupe_key=f"exam.results_to_confirm:{confirmation.pk}:{submitted.isoformat()}",
        )


@register_reminder_provider("exams.certificate_uploads")
def upload_deadlines(*, today: dt.date) -> Iterator[Reminder]:
    """Certificates not uploaded whose six-month deadline is at most 30 days away, or past."""
    horizon = today + dt.timedelta(days=UPLOAD_DUE_SOON_DAYS)
    # deadline <= horizon  ⇔  overdue on the day after the horizon  ⇔  issued before that day's cutoff
    near = Certificate.objects.filter(
        upload=Certificate.Upload.PENDING,
        issued_on__lt=upload_rules.overdue_cutoff(horizon + dt.timedelta(days=1)),
        registration__plan=OuterRef("pk"),
    )
    plans = list(
        ExamPlan.objects.filter(Exists(near))
        .select_related("batch__institution", "batch__filing")
        .order_by("id")
    )
    states = compliance_by_plan([p.pk for p in plans], today)
    cadence = upload_rules.next_due(today, configured_days())
    for plan in plans:
        state = states[plan.pk]
        deadline = state.deadline
        users = institution_admins(plan.batch.institution_id)
        if state.overdue:
            kind, users = "exam.upload_overdue", _with_filing_authority(users, plan)
            title = f"证书信息超过 6 个月未上报:{_label(plan)}"
            body = (
                f"{state.overdue} 本证书已过最迟上报日期(最早 {deadline:%Y-%m-%d})仍未上报,本批次证书信息"
                "上报不及时;请尽快导出上报文件,上报国家查询系统后登记回执。"
            )
        else:
            kind = "exam.upload_due_soon"
            title = f"证书信息即将到期上报:{_label(plan)}"
            body = (
                f"{state.pending} 本证书待上报,最迟上报日期 {deadline:%Y-%m-%d},"
                f"剩余 {(deadline - today).days} 天"
            )
            body += f";下一个上报日 {cadence:%Y-%m-%d}。" if cadence <= deadline else "。"
        yield Reminder(
            recipients=users,
            kind=kind,
            title=title,
            body=body,
            link=_link(plan.pk, "uploads"),
            obj=plan,
            dedupe_key=f"{kind}:{plan.pk}:{deadline.isoformat()}",
        )
