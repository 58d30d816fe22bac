"""Supervision reads, scoped by the user and N+1-free; public (一公开) reads need no login.

Scopes
- superuser: everything;
- authority users: draws of authorities in their region; tasks, penalties, ratings of institutions in it;
- institution users: their internal draws; their institution's tasks **except covert tasks whose report
  has not been submitted** (暗访); their penalties and the ratings they gave;
- supervisors: the tasks they are (or were) a member of;
- the public: published draws (result and seed after lock; covert draws only once every task reported)
  and tasks from locked draws (covert ones after their report).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db.models import Avg, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user, is_institution_user, is_superuser
from dudao.common.errors import NotFound
from dudao.people.models import CardStatus, Supervisor, SupervisorCard
from dudao.registry.models import Authority, Batch, Institution

from . import workflow
from .models import (
    Draw,
    FilingTermination,
    Finding,
    FindingEvidence,
    MisconductRecord,
    Opinion,
    Penalty,
    Rectification,
    RectificationEvidence,
    Report,
    SupervisionPolicy,
    SupervisionTask,
    SupervisorAssessment,
    SupervisorRating,
    TaskMember,
)
from .permissions import user_prefix
from .transitions import AFTER_REPORT


def live_memberships() -> QuerySet[TaskMember]:
    """Members holding their place in a task that was not cancelled: not replaced, not declined. Who
    supervises a batch (SUP-8, and who watches its exam live)."""
    return (
        TaskMember.objects.filter(active=True)
        .exclude(response=TaskMember.Response.DECLINED)
        .exclude(task__status=SupervisionTask.Status.CANCELLED)
    )


def committed_memberships(
    supervisor_ids: list[int] | None, starts_at: dt.datetime, ends_at: dt.datetime
) -> QuerySet[TaskMember]:
    """Memberships that keep a supervisor busy in [starts_at, ends_at): active, not declined, task still
    open. One rule for ad hoc staffing and for the draw snapshot (no two overlapping tasks per supervisor)."""
    qs = live_memberships().filter(task__starts_at__lt=ends_at, task__ends_at__gt=starts_at)
    qs = qs.exclude(task__status=SupervisionTask.Status.CLOSED)
    return qs if supervisor_ids is None else qs.filter(supervisor_id__in=supervisor_ids)


_NONE = Q(pk__in=[])


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _get(qs: QuerySet, pk: Any):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def localdate() -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------- policy
def policy_for(authority: Authority | int | None) -> SupervisionPolicy:
    """The authority's policy, or an unsaved one with the defaults (SUP-7: 2 days; ACT-4: 5 working days)."""
    authority_id = getattr(authority, "pk", authority)
    policy = SupervisionPolicy.objects.filter(authority_id=authority_id).first() if authority_id else None
    if policy is None:
        policy = SupervisionPolicy(authority_id=authority_id)
    return policy


# ---------------------------------------------------------------------------------------- scopes
def draw_scope(user) -> Q | None:
    if not _authenticated(user):
        return _NONE
    if is_superuser(user):
        return None
    if is_authority_user(user):
        prefix = user_prefix(user)
        return Q(authority__region__code__startswith=prefix) if prefix else _NONE
    if is_institution_user(user):
        return Q(kind="internal", institution_id=user.institution_id)
    return _NONE


def task_scope(user) -> Q | None:
    """Q over SupervisionTask for `user`; None = everything."""
    if not _authenticated(user):
        return _NONE
    if is_superuser(user):
        return None
    q = _NONE
    person_id = getattr(user, "person_id", None)
    if person_id:
        q |= Q(Exists(TaskMember.objects.filter(task=OuterRef("pk"), supervisor__person_id=person_id)))
    if is_authority_user(user):
        prefix = user_prefix(user)
        if prefix:
            q |= Q(institution__region__code__startswith=prefix)
    elif is_institution_user(user):
        # 暗访: hidden from the supervised institution until the report is submitted.
        q |= Q(institution_id=user.institution_id) & ~Q(covert=True, report_submitted_at__isnull=True)
    return q


def _scoped(qs: QuerySet, q: Q | None) -> QuerySet:
    return qs if q is None else qs.filter(q)


def draws_for(user) -> QuerySet[Draw]:
    return _scoped(Draw.objects.all(), draw_scope(user))


def tasks_for(user) -> QuerySet[SupervisionTask]:
    return _scoped(SupervisionTask.objects.all(), task_scope(user))


def penalties_for(user) -> QuerySet[Penalty]:
    if not _authenticated(user):
        return Penalty.objects.none()
    if is_superuser(user):
        return Penalty.objects.all()
    if is_authority_user(user):
        prefix = user_prefix(user)
        return (
            Penalty.objects.filter(institution__region__code__startswith=prefix)
            if prefix
            else Penalty.objects.none()
        )
    if is_institution_user(user):
        return Penalty.objects.filter(institution_id=user.institution_id)
    return Penalty.objects.none()


def terminations_for(user) -> QuerySet[FilingTermination]:
    """Termination procedures: authority users of the institution's region, the institution's own users."""
    if not _authenticated(user):
        return FilingTermination.objects.none()
    if is_superuser(user):
        return FilingTermination.objects.all()
    if is_authority_user(user):
        prefix = user_prefix(user)
        if not prefix:
            return FilingTermination.objects.none()
        return FilingTermination.objects.filter(institution__region__code__startswith=prefix)
    if is_institution_user(user):
        return FilingTermination.objects.filter(institution_id=user.institution_id)
    return FilingTermination.objects.none()


def termination_list(
    user, *, status: str = "", institution: int | None = None
) -> QuerySet[FilingTermination]:
    qs = terminations_for(user).select_related("institution", "filing", "task", "rectification")
    if status:
        qs = qs.filter(status=status)
    if institution:
        qs = qs.filter(institution_id=institution)
    return qs.order_by("-notified_at", "-id")


def termination_get(user, pk: Any) -> FilingTermination:
    return _get(
        terminations_for(user).select_related("institution", "filing", "task", "rectification", "authority"),
        pk,
    )


def supervisors_for(user) -> QuerySet[Supervisor]:
    """Supervisors whose record (SUP-9…11) the user may read: the people app's scope."""
    from dudao.people.selectors import supervisors_for as people_supervisors_for

    return people_supervisors_for(user)


# ----------------------------------------------------------------------------------------- draws
def draw_list(
    user, *, q: str = "", status: str = "", kind: str = "", task_kind: str = "", year: int | None = None
) -> QuerySet[Draw]:
    qs = draws_for(user).select_related("authority", "institution")
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if task_kind:
        qs = qs.filter(task_kind=task_kind)
    if year:
        qs = qs.filter(period_start__year=year)
    return qs.order_by("-id")


def draw_get(user, pk: Any) -> Draw:
    return _get(draws_for(user).select_related("authority", "institution", "created_by"), pk)


def draw_result(draw: Draw) -> dict[str, Any] | None:
    return json.loads(draw.result) if draw.result else None


# ----------------------------------------------------------------------------------------- tasks
def _members_prefetch() -> Prefetch:
    return Prefetch(
        "members",
        queryset=TaskMember.objects.select_related("supervisor__person").order_by("-role", "id"),
    )


def task_list(
    user,
    *,
    q: str = "",
    status: str = "",
    kind: str = "",
    institution: int | None = None,
    draw: int | None = None,
    covert: bool | None = None,
    mine: bool = False,
    overdue: bool | None = None,
    open_only: bool = False,
) -> QuerySet[SupervisionTask]:
    """Tasks in scope with institution, batch and group loaded (one query each, however many rows)."""
    qs = (
        tasks_for(user)
        .select_related("institution", "batch", "draw", "authority")
        .prefetch_related(_members_prefetch())
    )
    if q:
        qs = qs.filter(
            Q(number__icontains=q) | Q(institution__name__icontains=q) | Q(batch__code__icontains=q)
        )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if institution:
        qs = qs.filter(institution_id=institution)
    if draw:
        qs = qs.filter(draw_id=draw)
    if covert is not None:
        qs = qs.filter(covert=covert)
    if mine:
        person_id = getattr(user, "person_id", None)
        qs = qs.filter(
            Exists(TaskMember.objects.filter(task=OuterRef("pk"), supervisor__person_id=person_id))
        )
    if overdue is not None:
        late = Q(report_submitted_at__isnull=True, report_due_on__lt=localdate()) & ~Q(
            status=SupervisionTask.Status.CANCELLED
        )
        late |= Q(report_submitted_at__date__gt=F("report_due_on"))
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if open_only:
        qs = qs.exclude(status__in=[SupervisionTask.Status.CLOSED, SupervisionTask.Status.CANCELLED])
    return qs.order_by("-starts_at", "-id")


def task_get(user, pk: Any) -> SupervisionTask:
    return _get(
        tasks_for(user)
        .select_related("institution", "batch", "draw", "authority")
        .prefetch_related(_members_prefetch()),
        pk,
    )


def task_findings(task: SupervisionTask) -> list[Finding]:
    return list(
        Finding.objects.filter(task=task)
        .select_related("recorded_by")
        .prefetch_related(Prefetch("evidence", queryset=FindingEvidence.objects.order_by("id")))
        .order_by("content_area", "id")
    )


def checklist(task: SupervisionTask, findings: list[Finding] | None = None) -> list[dict[str, Any]]:
    """The on-site checklist (ACT-1): one entry per content area with its findings count."""
    findings = task_findings(task) if findings is None else findings
    areas = task.items or list(workflow.DAILY_CHECKLIST)
    done: dict[str, int] = {}
    problems: dict[str, int] = {}
    for finding in findings:
        done[finding.content_area] = done.get(finding.content_area, 0) + 1
        if finding.severity in workflow.PROBLEM_SEVERITIES:
            problems[finding.content_area] = problems.get(finding.content_area, 0) + 1
    extra = [a for a in done if a not in areas]
    return [
        {
            "content_area": code,
            "label": workflow.CONTENT_AREAS[code],
            "findings": done.get(code, 0),
            "problems": problems.get(code, 0),
            "checked": code in done,
        }
        for code in [*areas, *sorted(extra)]
    ]


def task_reports(task: SupervisionTask) -> list[Report]:
    return list(Report.objects.filter(task=task).select_related("submitted_by").order_by("version"))


def task_opinions(task: SupervisionTask) -> dict[str, Opinion]:
    return {o.kind: o for o in Opinion.objects.filter(task=task)}


def task_rectifications(task: SupervisionTask) -> list[Rectification]:
    return list(
        Rectification.objects.filter(task=task)
        .prefetch_related(Prefetch("evidence", queryset=RectificationEvidence.objects.order_by("id")))
        .order_by("round_no")
    )


def finding_get(user, task_pk: Any, finding_pk: Any) -> Finding:
    task = task_get(user, task_pk)
    return _get(Finding.objects.filter(task=task).select_related("task"), finding_pk)


def finding_evidence_get(user, task_pk: Any, evidence_pk: Any) -> FindingEvidence:
    task = task_get(user, task_pk)
    return _get(FindingEvidence.objects.filter(finding__task=task), evidence_pk)


def rectification_evidence_get(user, task_pk: Any, evidence_pk: Any) -> RectificationEvidence:
    task = task_get(user, task_pk)
    return _get(RectificationEvidence.objects.filter(rectification__task=task), evidence_pk)


def member_get(user, task_pk: Any, member_pk: Any) -> TaskMember:
    task = task_get(user, task_pk)
    return _get(TaskMember.objects.filter(task=task).select_related("task", "supervisor__person"), member_pk)


# -------------------------------------------------------------------------------------- coverage
@dataclass(frozen=True)
class Coverage:
    """逢考必督: batches of the period with and without a supervisor (a task not cancelled)."""

    batches: QuerySet[Batch]
    total: int
    covered: int
    # 逢考必督 counts exam sessions too (issue 10 §7): the batches whose plans' sessions are counted, read
    # only when a page shows them (one aggregate query)
    in_period: QuerySet[Batch] | None = None

    @functools.cached_property
    def _session_counts(self) -> dict[str, int]:
        from dudao.exams.models import ExamSession

        if self.in_period is None:
            return {"total": 0, "covered": 0}
        return ExamSession.objects.filter(plan__batch__in=self.in_period.values("pk")).aggregate(
            total=Count("pk"),
            covered=Count(
                "pk", filter=Q(plan__batch__in=self.in_period.filter(supervised=True).values("pk"))
            ),
        )

    @property
    def sessions_total(self) -> int:
        return self._session_counts["total"]

    @property
    def sessions_covered(self) -> int:
        return self._session_counts["covered"]

    @property
    def uncovered(self) -> int:
        return self.total - self.covered

    @property
    def sessions_uncovered(self) -> int:
        return self.sessions_total - self.sessions_covered

    @property
    def rate(self) -> Decimal | None:
        if not self.total:
            return None
        return (Decimal(self.covered) / Decimal(self.total)).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_EVEN
        )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def coverage(
    user,
    *,
    start: dt.date,
    end: dt.date,
    covered: bool | None = None,
    institution: int | None = None,
    q: str = "",
) -> Coverage:
    """Batches starting in [start, end] in the user's scope, annotated `supervised` and `task_count`."""
    from dudao.registry.selectors import batches_for

    counted = ~Q(supervision_tasks__status=SupervisionTask.Status.CANCELLED)
    active_task = SupervisionTask.objects.filter(batch=OuterRef("pk")).exclude(
        status=SupervisionTask.Status.CANCELLED
    )
    if is_institution_user(user) and not is_superuser(user):
        # 暗访: a covert visit must not show up as "supervised" to the institution before its report.
        active_task = active_task.exclude(covert=True, report_submitted_at__isnull=True)
        counted &= ~Q(supervision_tasks__covert=True, supervision_tasks__report_submitted_at__isnull=True)
    qs = (
        batches_for(user)
        .filter(starts_at__gte=_day_start(start), starts_at__lt=_day_start(end + dt.timedelta(days=1)))
        .exclude(status=Batch.Status.CANCELLED)
        .select_related("institution", "occupation")
        .annotate(
            supervised=Exists(active_task),
            task_count=Count("supervision_tasks", filter=counted, distinct=True),
        )
    )
    if institution:
        qs = qs.filter(institution_id=institution)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(institution__name__icontains=q))
    total = qs.count()
    covered_count = qs.filter(supervised=True).count()
    in_period = qs
    qs = qs.annotate(session_count=Count("exam_plan__sessions", distinct=True))
    if covered is not None:
        qs = qs.filter(supervised=covered)
    return Coverage(
        batches=qs.order_by("starts_at", "id"),
        total=total,
        covered=covered_count,
        in_period=in_period,
    )


# ------------------------------------------------------------------------------------- penalties
def penalty_list(
    user, *, institution: int | None = None, kind: str = "", status: str = "", q: str = ""
) -> QuerySet[Penalty]:
    qs = penalties_for(user).select_related("institution", "authority", "filing", "task")
    if institution:
        qs = qs.filter(institution_id=institution)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(institution__name__icontains=q) | Q(description__icontains=q))
    return qs.order_by("-decided_at", "-id")


def penalty_get(user, pk: Any) -> Penalty:
    return _get(penalties_for(user).select_related("institution", "authority", "filing", "task"), pk)


# ----------------------------------------------------------------------------------- performance
def supervisor_stats(
    supervisor: Supervisor | int, *, start: dt.date | None = None, end: dt.date | None = None
) -> workflow.SupervisorStats:
    """SUP-9 figures for one supervisor over [start, end] (by task start date; all time when None)."""
    sid = getattr(supervisor, "pk", supervisor)
    members = TaskMember.objects.filter(supervisor_id=sid)
    ratings = SupervisorRating.objects.filter(supervisor_id=sid)
    misconduct = MisconductRecord.objects.filter(supervisor_id=sid, withdrawn_at__isnull=True)
    if start is not None:
        members = members.filter(task__starts_at__gte=_day_start(start))
        ratings = ratings.filter(task__starts_at__gte=_day_start(start))
        misconduct = misconduct.filter(occurred_on__gte=start)
    if end is not None:
        limit = _day_start(end + dt.timedelta(days=1))
        members = members.filter(task__starts_at__lt=limit)
        ratings = ratings.filter(task__starts_at__lt=limit)
        misconduct = misconduct.filter(occurred_on__lte=end)
    accepted = members.filter(response=TaskMember.Response.ACCEPTED).exclude(
        task__status=SupervisionTask.Status.CANCELLED
    )
    first_reports = Report.objects.filter(task__in=accepted.values("task_id"), version=1)
    report_figures = first_reports.aggregate(n=Count("id"), late=Count("id", filter=Q(overdue=True)))
    decline_figures = members.filter(response=TaskMember.Response.DECLINED).aggregate(
        n=Count("id"), unjustified=Count("id", filter=Q(justified=False))
    )
    rating_figures = ratings.aggregate(n=Count("id"), avg=Avg("total"))
    average = rating_figures["avg"]
    return workflow.SupervisorStats(
        tasks=accepted.count(),
        reports=report_figures["n"],
        reports_on_time=report_figures["n"] - report_figures["late"],
        declines=decline_figures["n"],
        unjustified_declines=decline_figures["unjustified"],
        ratings=rating_figures["n"],
        rating_average=None
        if average is None
        else Decimal(str(average)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN),
        misconduct=misconduct.count(),
    )


def supervisor_record(user, pk: Any, *, year: int | None = None) -> dict[str, Any]:
    """A supervisor's record (issue 4 item 5): figures, tasks, ratings, declines, misconduct, assessments."""
    supervisor = _get(supervisors_for(user).select_related("person", "authority", "institution"), pk)
    start = dt.date(year, 1, 1) if year else None
    end = dt.date(year, 12, 31) if year else None
    stats = supervisor_stats(supervisor, start=start, end=end)
    memberships = list(
        TaskMember.objects.filter(supervisor=supervisor)
        .select_related("task__institution")
        .order_by("-task__starts_at", "-id")[:50]
    )
    return {
        "supervisor": supervisor,
        "stats": stats,
        "memberships": memberships,
        "ratings": list(
            SupervisorRating.objects.filter(supervisor=supervisor)
            .select_related("task")
            .order_by("-rated_at")[:50]
        ),
        "misconduct": list(
            MisconductRecord.objects.filter(supervisor=supervisor).order_by("-occurred_on", "-id")
        ),
        "assessments": list(SupervisorAssessment.objects.filter(supervisor=supervisor).order_by("-year")),
    }


def rating_list(
    user, *, supervisor: int | None = None, task: int | None = None
) -> QuerySet[SupervisorRating]:
    """Ratings of supervisors in scope, or given by the user's institution."""
    qs = SupervisorRating.objects.select_related("task", "supervisor__person", "institution", "rated_by")
    if not _authenticated(user):
        return qs.none()
    if not is_superuser(user):
        if is_institution_user(user):
            qs = qs.filter(institution_id=user.institution_id)
        else:
            qs = qs.filter(supervisor__in=supervisors_for(user))
    if supervisor:
        qs = qs.filter(supervisor_id=supervisor)
    if task:
        qs = qs.filter(task_id=task)
    return qs.order_by("-rated_at", "-id")


def assessment_list(user, *, supervisor: int | None = None, year: int | None = None, decision: str = ""):
    qs = SupervisorAssessment.objects.filter(supervisor__in=supervisors_for(user)).select_related(
        "supervisor__person", "authority", "decided_by"
    )
    if not (is_superuser(user) or is_authority_user(user) or is_institution_user(user)):
        qs = qs.filter(supervisor__person_id=getattr(user, "person_id", None))
    if supervisor:
        qs = qs.filter(supervisor_id=supervisor)
    if year:
        qs = qs.filter(year=year)
    if decision:
        qs = qs.filter(decision=decision)
    return qs.order_by("-year", "-id")


def misconduct_list(user, *, supervisor: int | None = None, active: bool | None = None):
    qs = MisconductRecord.objects.filter(supervisor__in=supervisors_for(user)).select_related(
        "supervisor__person", "task", "recorded_by"
    )
    if supervisor:
        qs = qs.filter(supervisor_id=supervisor)
    if active is not None:
        qs = qs.filter(withdrawn_at__isnull=active)
    return qs.order_by("-occurred_on", "-id")


def misconduct_get(user, pk: Any) -> MisconductRecord:
    return _get(
        MisconductRecord.objects.filter(supervisor__in=supervisors_for(user)).select_related("supervisor"), pk
    )


# ---------------------------------------------------------------------------------- public (一公开)
# A draw cancelled after publication stays public (issue 8 §7): "publish, peek, cancel" must show.
PUBLIC_DRAW_STATUSES = (Draw.Status.PUBLISHED, Draw.Status.RUN, Draw.Status.LOCKED, Draw.Status.CANCELLED)


def public_draws(*, q: str = "", year: int | None = None, authority: str = "") -> QuerySet[Draw]:
    """Draws that have been published, including those cancelled afterwards (not defined-only, not
    cancelled before publication)."""
    qs = Draw.objects.filter(status__in=PUBLIC_DRAW_STATUSES, published_at__isnull=False).select_related(
        "authority", "institution"
    )
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q))
    if year:
        qs = qs.filter(period_start__year=year)
    if authority:
        qs = qs.filter(authority__code=authority)
    return qs.order_by("-published_at", "-id")


def public_draw_get(pk: Any) -> Draw:
    return _get(public_draws(), pk)


def covert_pending(draw: Draw) -> bool:
    """A covert draw stays undisclosed (seed, scenario, result) until every task's report is in."""
    if draw.covert_policy != Draw.CovertPolicy.COVERT:
        return False
    if draw.status != Draw.Status.LOCKED:
        return True
    return (
        SupervisionTask.objects.filter(draw=draw, report_submitted_at__isnull=True)
        .exclude(status=SupervisionTask.Status.CANCELLED)
        .exists()
    )


def draw_disclosure(draw: Draw) -> dict[str, bool]:
    """What the public may see of a draw now (RAND-2, covert rule).

    A cancelled published draw reveals its server seed (issue 8 §7): it ran nothing, and the seed shows
    what a peek would have given; a covert draw's scenario stays hidden all the same.
    """
    pending = covert_pending(draw)
    locked = draw.status == Draw.Status.LOCKED
    cancelled = draw.status == Draw.Status.CANCELLED and draw.published_at is not None
    return {
        "scenario": not pending,
        "result": locked and not pending,
        "seed": (locked and not pending) or cancelled,
        "verify": locked and not pending,
    }


def public_tasks(*, draw: int | None = None, institution: int | None = None, q: str = "") -> QuerySet:
    """Tasks the public may see: from locked draws or dispatched ad hoc, covert ones only after the report."""
    qs = (
        SupervisionTask.objects.filter(Q(draw__isnull=True) | Q(draw__status=Draw.Status.LOCKED))
        .exclude(covert=True, report_submitted_at__isnull=True)
        .exclude(status=SupervisionTask.Status.CANCELLED)
        .select_related("institution", "batch", "authority", "draw")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=TaskMember.objects.filter(active=True)
                .select_related("supervisor__person")
                .prefetch_related(
                    Prefetch(
                        "supervisor__cards",
                        queryset=SupervisorCard.objects.exclude(status=CardStatus.REPLACED).order_by(
                            "-issued_on", "-id"
                        ),
                    )
                )
                .order_by("-role", "id"),
            ),
            Prefetch("opinions", queryset=Opinion.objects.filter(kind=Opinion.Kind.FINAL)),
            Prefetch("rectifications", queryset=Rectification.objects.order_by("round_no")),
            Prefetch("penalties", queryset=Penalty.objects.order_by("decided_at")),
        )
        .annotate(
            problem_count=Count(
                "findings", filter=Q(findings__severity__in=workflow.PROBLEM_SEVERITIES), distinct=True
            )
        )
    )
    if draw:
        qs = qs.filter(draw_id=draw)
    if institution:
        qs = qs.filter(institution_id=institution)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(institution__name__icontains=q))
    return qs.order_by("-starts_at", "-id")


def public_supervisor_label(supervisor: Supervisor, policy: SupervisionPolicy) -> str:
    """Name or card number per the authority's disclosure setting (uses prefetched cards)."""
    if policy.disclose_supervisors_as == SupervisionPolicy.Disclosure.NAME:
        return supervisor.person.name
    cards = list(supervisor.cards.all())
    return cards[0].number if cards else "—"


def public_outcome(task: SupervisionTask) -> dict[str, Any]:
    """Outcome and rectification status of a task for the public (uses the prefetches of public_tasks)."""
    opinions = list(task.opinions.all())
    rounds = list(task.rectifications.all())
    last = rounds[-1] if rounds else None
    return {
        "reported": task.report_submitted_at is not None,
        "problem_count": getattr(task, "problem_count", 0) if task.status in AFTER_REPORT else 0,
        "opinion_number": opinions[0].number if opinions else None,
        "opinion_issued_at": opinions[0].issued_at if opinions else None,
        "rectification_status": last.status if last else None,
        "rectification_status_label": last.get_status_display() if last else "",
        "rectification_due_on": last.due_on if last else None,
        "penalties": [
            {
                "kind": p.kind,
                "kind_label": p.get_kind_display(),
                "status": p.status,
                "decided_at": p.decided_at,
            }
            for p in task.penalties.all()
        ],
    }


def public_institution_ids_with_penalty(institution_ids, since: dt.date) -> set[int]:
    """Institutions with a penalty decided on or after `since` (RAND-1 prior violations)."""
    return set(
        Penalty.objects.filter(institution_id__in=list(institution_ids), decided_at__gte=_day_start(since))
        .values_list("institution_id", flat=True)
        .distinct()
    )


def institutions_in(user) -> QuerySet[Institution]:
    from dudao.registry.selectors import institutions_for

    return institutions_for(user)
