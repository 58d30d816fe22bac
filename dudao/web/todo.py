"""The home page's to-do panel: what waits for this user, per role, with its deadline and a link.

Every group is read through the owning app's scoped selector (tasks_for, applications_for,
evaluations_for), so a user only sees what they may open. Each group costs a fixed number of queries
(one count, one page of rows with their relations), whatever the number of rows: no N+1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.permissions import (
    is_audit_admin,
    is_authority_user,
    is_examiner,
    is_institution_user,
    is_security_admin,
    is_superuser,
    is_supervisor,
)
from dudao.exams.selectors_uploads import batch_plans
from dudao.people.models import Examiner
from dudao.registry.models import Batch
from dudao.renewals.models import RenewalApplication
from dudao.renewals.selectors import applications_for
from dudao.scorecards.models import Evaluation, EvaluationMember
from dudao.scorecards.selectors import evaluations_for
from dudao.supervision.models import FilingTermination, Opinion, Rectification, SupervisionTask, TaskMember
from dudao.supervision.selectors import tasks_for, terminations_for
from dudao.workdays import selectors as workdays_selectors

SHOWN_PER_GROUP = 5
Task = SupervisionTask.Status
Renewal = RenewalApplication.Status


@dataclass(frozen=True)
class TodoItem:
    title: str
    detail: str
    url: str
    due_on: dt.date | None = None
    deadline: str = ""  # "剩余 N 个工作日" / "已逾期 N 个工作日" / "今日到期"
    overdue: bool = False


@dataclass
class TodoGroup:
    key: str
    label: str
    icon: str
    total: int
    items: list[TodoItem] = field(default_factory=list)
    more_url: str = ""

    @property
    def more(self) -> int:
        return self.total - len(self.items)


class _Deadlines:
    """Working-day deadline labels; the calendar is read once per page."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self._calendar: Any = None

    def item(self, title: str, detail: str, url: str, due_on: dt.date | None) -> TodoItem:
        if due_on is None:
            return TodoItem(title, detail, url)
        if self._calendar is None:
            self._calendar = workdays_selectors.calendar()
        status = self._calendar.deadline_status(self.today, due_on)
        return TodoItem(title, detail, url, due_on, status.label, status.overdue)


def _group(
    key: str,
    label: str,
    icon: str,
    qs: QuerySet,
    make: Callable[[Any], TodoItem],
    more_url_name: str = "",
) -> TodoGroup | None:
    """One group: a count, then the first rows (links are only reversed when something waits)."""
    total = qs.count()
    if not total:
        return None
    more_url = reverse(more_url_name) if more_url_name else ""
    return TodoGroup(key, label, icon, total, [make(row) for row in qs[:SHOWN_PER_GROUP]], more_url)


def _termination_url(t: FilingTermination) -> str:
    return reverse("supervision:termination_detail", args=[t.pk])


def _terminations(user: Any) -> QuerySet[FilingTermination]:
    return terminations_for(user).select_related("institution", "filing").order_by("statement_due_on", "id")


def _task_url(task: SupervisionTask, suffix: str = "") -> str:
    return reverse("supervision:task_detail", args=[task.pk]) + suffix


def _renewal_url(app: RenewalApplication) -> str:
    return reverse("renewals:application_detail", args=[app.pk])


def _tasks(user: Any, *statuses: str) -> QuerySet[SupervisionTask]:
    return tasks_for(user).filter(status__in=statuses).select_related("institution")


def _open_rectification(tasks: QuerySet) -> QuerySet[Rectification]:
    return (
        Rectification.objects.filter(task__in=tasks.values("pk"), status=Rectification.Status.ORDERED)
        .select_related("task", "task__institution")
        .order_by("due_on", "id")
    )


def _defence_windows(tasks: QuerySet) -> QuerySet[Opinion]:
    return (
        Opinion.objects.filter(
            task__in=tasks.values("pk"),
            kind=Opinion.Kind.PRELIMINARY,
            defence_submitted_at__isnull=True,
        )
        .select_related("task", "task__institution")
        .order_by("defence_due_on", "id")
    )


def _renewals(user: Any, *statuses: str) -> QuerySet[RenewalApplication]:
    return (
        applications_for(user)
        .filter(status__in=statuses)
        .select_related("institution")
        .order_by("decide_by", "id")
    )


def _renewals_to_decide(user: Any, *statuses: str) -> QuerySet[RenewalApplication]:
    """Only those the user's own authority decides (REN-7): a province sees its cities' applications but
    cannot act on them, so they are no to-do of its."""
    found = _renewals(user, *statuses)
    return found if user.is_superuser else found.filter(authority_id=user.authority_id)


def _my_evaluations(user: Any, status: str, *, unsigned: bool = False) -> QuerySet[Evaluation]:
    mine = EvaluationMember.objects.filter(evaluation=OuterRef("pk"), user_id=user.pk)
    if unsigned:
        mine = mine.filter(signed_at__isnull=True)
    return (
        evaluations_for(user).filter(Exists(mine), status=status).select_related("institution").order_by("id")
    )


def _upload_item(d: _Deadlines, plan: Any) -> TodoItem:
    """A batch on the certificate-upload list (CERT-3; FORM-B C4.2)."""
    if plan.is_overdue:
        detail = "证书编号生成超过 6 个月未上报"
    elif plan.is_late:
        detail = "证书逾期上报"
    else:
        detail = "证书待上报国家查询系统"
    url = reverse("exams:results", args=[plan.pk]) + "#uploads"
    return d.item(f"{plan.batch.institution.name} · {plan.batch.code}", detail, url, None)


def _authority_groups(user: Any, d: _Deadlines) -> Iterable[TodoGroup | None]:
    renewal_list = "renewals:application_list"
    yield _group(
        "renewal_submitted",
        "待受理延续备案",
        "inbox",
        _renewals_to_decide(user, Renewal.SUBMITTED),
        lambda a: d.item(a.institution.name, "延续备案申请待受理", _renewal_url(a), a.decide_by),
        renewal_list,
    )
    yield _group(
        "renewal_deciding",
        "延续备案待办结",
        "file-certificate",
        _renewals_to_decide(user, Renewal.UNDER_REVIEW, Renewal.EVALUATING),
        lambda a: d.item(a.institution.name, a.get_status_display(), _renewal_url(a), a.decide_by),
        renewal_list,
    )
    yield _group(
        "declined",
        "督导员拒绝,待审核或替换",
        "user-x",
        _tasks(user, Task.DECLINED).order_by("starts_at", "id"),
        lambda t: d.item(t.institution.name, f"任务 {t.number}", _task_url(t), None),
    )
    yield _group(
        "report_review",
        "待审督导报告",
        "report",
        _tasks(user, Task.REPORT_SUBMITTED).order_by("report_submitted_at", "id"),
        lambda t: d.item(t.institution.name, f"任务 {t.number}:形成初步意见", _task_url(t), None),
    )
    yield _group(
        "defence_window",
        "申辩期",
        "message-report",
        _defence_windows(_tasks(user, Task.SENT_TO_INSTITUTION)),
        lambda o: d.item(
            o.task.institution.name,
            f"任务 {o.task.number}:申辩期届满后下达意见书",
            _task_url(o.task),
            o.defence_due_on,
        ),
    )
    yield _group(
        "opinion_due",
        "待下达督导意见书",
        "file-text",
        _tasks(user, Task.DEFENCE_SUBMITTED, Task.DEFENCE_WINDOW_CLOSED).order_by("id"),
        lambda t: d.item(t.institution.name, f"任务 {t.number}", _task_url(t), None),
    )
    # Termination of a filing: decide once the institution has stated its case or the window has passed.
    Term = FilingTermination.Status
    waiting = _terminations(user).filter(status__in=[Term.NOTIFIED, Term.STATEMENT_SUBMITTED])
    yield _group(
        "termination_decide",
        "终止备案待决定",
        "file-off",
        waiting.exclude(status=Term.NOTIFIED, statement_due_on__gte=d.today),
        lambda t: d.item(
            t.institution.name, f"备案 {t.filing.number}:{t.get_status_display()}", _termination_url(t), None
        ),
    )
    yield _group(
        "rectification_review",
        "整改材料待复核",
        "clipboard-check",
        _tasks(user, Task.RECTIFICATION_SUBMITTED).order_by("id"),
        lambda t: d.item(t.institution.name, f"任务 {t.number}", _task_url(t), None),
    )
    yield _group(
        "certificate_upload_overdue",
        "证书超期未上报的批次",
        "cloud-upload",
        batch_plans(user, status="overdue", today=d.today),
        lambda p: _upload_item(d, p),
        "exams:upload_list",
    )


def _supervisor_groups(user: Any, d: _Deadlines) -> Iterable[TodoGroup | None]:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return
    pending = (
        TaskMember.objects.filter(
            supervisor__person_id=person_id,
            active=True,
            response=TaskMember.Response.PENDING,
            task__status=Task.DISPATCHED,
        )
        .select_related("task", "task__institution")
        .order_by("task__starts_at", "id")
    )
    yield _group(
        "task_accept",
        "待接受督导任务",
        "mail-forward",
        pending,
        lambda m: d.item(
            m.task.institution.name,
            f"{timezone.localtime(m.task.starts_at):%Y-%m-%d %H:%M} 开始",
            _task_url(m.task),
            timezone.localtime(m.task.starts_at).date(),
        ),
    )
    mine = tasks_for(user).filter(
        Exists(
            TaskMember.objects.filter(
                task=OuterRef("pk"),
                supervisor__person_id=person_id,
                active=True,
                response=TaskMember.Response.ACCEPTED,
            )
        )
    )
    yield _group(
        "report_due",
        "督导报告待提交",
        "report",
        mine.filter(status__in=[Task.ACCEPTED, Task.ON_SITE])
        .select_related("institution")
        .order_by("report_due_on", "id"),
        lambda t: d.item(t.institution.name, f"任务 {t.number}", _task_url(t), t.report_due_on),
    )


def _institution_groups(user: Any, d: _Deadlines) -> Iterable[TodoGroup | None]:
    tasks = tasks_for(user)
    yield _group(
        "defence",
        "申辩期(可提交申辩意见)",
        "message-report",
        _defence_windows(tasks.filter(status=Task.SENT_TO_INSTITUTION)),
        lambda o: d.item(f"任务 {o.task.number}", "初步督导意见已送达", _task_url(o.task), o.defence_due_on),
    )
    yield _group(
        "termination_statement",
        "拟终止备案(可陈述申辩)",
        "file-off",
        _terminations(user).filter(status=FilingTermination.Status.NOTIFIED, statement_due_on__gte=d.today),
        lambda t: d.item(
            f"备案 {t.filing.number}", "拟终止备案告知已送达", _termination_url(t), t.statement_due_on
        ),
    )
    yield _group(
        "rectification_due",
        "整改到期",
        "tool",
        _open_rectification(tasks.filter(status=Task.RECTIFICATION_ORDERED)),
        lambda r: d.item(f"任务 {r.task.number}", f"第 {r.round_no} 轮整改", _task_url(r.task), r.due_on),
    )
    yield _group(
        "evaluation_sign",
        "评估待签名",
        "signature",
        _my_evaluations(user, Evaluation.Status.SUBMITTED, unsigned=True),
        lambda e: d.item(
            e.institution.name,
            e.get_purpose_display(),
            reverse("scorecards:evaluation_detail", args=[e.pk]),
            None,
        ),
    )
    yield _group(
        "renewal_steps",
        "延续备案进度",
        "file-certificate",
        _renewals(user, Renewal.RECTIFYING, Renewal.SUBMITTED, Renewal.UNDER_REVIEW, Renewal.EVALUATING),
        lambda a: d.item(
            a.get_status_display(),
            "须在整改期限内完成整改" if a.status == Renewal.RECTIFYING else "等待备案机关办理",
            _renewal_url(a),
            a.rectification_deadline if a.status == Renewal.RECTIFYING else None,
        ),
        "renewals:application_list",
    )
    yield _group(
        "certificate_upload",
        "证书待上报",
        "cloud-upload",
        batch_plans(user, today=d.today).filter(is_pending=True),
        lambda p: _upload_item(d, p),
        "exams:upload_list",
    )


def _evaluator_groups(user: Any, d: _Deadlines) -> Iterable[TodoGroup | None]:
    """Evaluation group membership: examiners, authority staff and institution staff alike."""
    yield _group(
        "evaluation_fill",
        "评估待填写",
        "clipboard-list",
        _my_evaluations(user, Evaluation.Status.DRAFT),
        lambda e: d.item(
            e.institution.name,
            f"已评 {e.answered_count}/{e.item_count} 项",
            reverse("scorecards:evaluation_detail", args=[e.pk]),
            None,
        ),
    )
    if not is_institution_user(user):  # institution users' signatures are grouped above
        yield _group(
            "evaluation_sign",
            "评估待签名",
            "signature",
            _my_evaluations(user, Evaluation.Status.SUBMITTED, unsigned=True),
            lambda e: d.item(
                e.institution.name,
                e.get_purpose_display(),
                reverse("scorecards:evaluation_detail", args=[e.pk]),
                None,
            ),
        )


def _examiner_groups(user: Any, d: _Deadlines) -> Iterable[TodoGroup | None]:
    """Examiners: the planned batches whose examiner team they are on (registry assignments, EXAM-3), from
    today on. Examiners do not open batch pages; each item links to their own examiner record (cards and
    their scopes, which the assignment relies on)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return
    examiner_pk = (
        Examiner.objects.filter(person_id=person_id).order_by("id").values_list("pk", flat=True).first()
    )
    if examiner_pk is None:
        return
    record = reverse("people:examiner_detail", args=[examiner_pk])
    since = timezone.make_aware(dt.datetime.combine(d.today, dt.time.min))
    batches = (
        Batch.objects.filter(
            examiners__person_id=person_id, status=Batch.Status.PLANNED, starts_at__gte=since
        )
        .select_related("institution", "occupation")
        .order_by("starts_at", "id")
        .distinct()
    )
    yield _group(
        "examiner_batches",
        "待参加的考评",
        "calendar-event",
        batches,
        lambda b: d.item(
            b.institution.name,
            f"{timezone.localtime(b.starts_at):%Y-%m-%d %H:%M} 开始 · {b.occupation.name} · 批次 {b.code}",
            record,
            timezone.localtime(b.starts_at).date(),
        ),
    )


def _admin_groups(user: Any, d: _Deadlines) -> Iterable[TodoGroup | None]:
    from dudao.accounts.models import LoginEvent, LoginLock

    if is_security_admin(user):
        yield _group(
            "locked_accounts",
            "登录被锁定的账户",
            "lock",
            LoginLock.objects.filter(locked_until__gt=timezone.now())
            .select_related("user")
            .order_by("-locked_until", "id"),
            lambda lock: d.item(
                lock.user.display_name or lock.user.username,
                f"来源 {lock.ip},连续失败 {lock.failures} 次",
                reverse("admin:accounts_user_changelist") + f"?q={lock.user.username}",
                None,
            ),
        )
    if is_audit_admin(user):
        since = timezone.now() - dt.timedelta(days=7)
        yield _group(
            "failed_logins",
            "近 7 天登录失败",
            "alert-triangle",
            LoginEvent.objects.filter(success=False, at__gte=since).order_by("-at", "-id"),
            lambda e: d.item(
                e.username,
                f"{timezone.localtime(e.at):%m-%d %H:%M} 来源 {e.ip or '未知'}",
                reverse("admin:accounts_loginevent_changelist") + "?success__exact=0",
                None,
            ),
        )


def todo_for(user: Any, *, today: dt.date | None = None) -> list[TodoGroup]:
    """The to-do groups of `user`, in the order of their role's work; groups with nothing waiting omitted."""
    d = _Deadlines(today or timezone.localdate())
    groups: list[TodoGroup | None] = []
    if is_superuser(user) or is_authority_user(user):
        groups += _authority_groups(user, d)
    if is_supervisor(user):
        groups += _supervisor_groups(user, d)
    if is_institution_user(user):
        groups += _institution_groups(user, d)
    if is_examiner(user):
        groups += _examiner_groups(user, d)
    if is_examiner(user) or is_authority_user(user) or is_institution_user(user):
        groups += _evaluator_groups(user, d)
    if is_security_admin(user) or is_audit_admin(user):
        groups += _admin_groups(user, d)
    return [g for g in groups if g is not None]
