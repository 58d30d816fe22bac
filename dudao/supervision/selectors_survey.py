"""Readers of the survey (QUAL-4) and the self-evaluation report (ACT-4), scoped through the tasks the
user may see (selectors.tasks_for)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from . import selectors, survey_rules
from .models import SelfEvaluation, SelfEvaluationFile, SupervisionTask, Survey, TaskMember


def survey_of(task: SupervisionTask) -> Survey | None:
    return Survey.objects.filter(task=task).first()


def survey_aggregate(survey: Survey) -> survey_rules.Aggregate:
    rows = survey.responses.values_list("role", "scores", "comment")
    return survey_rules.aggregate(rows)


def survey_summary(survey: Survey | None) -> dict[str, Any] | None:
    """What a page or the API shows of a survey: dates, codes used, and the aggregate (n ≥ minimum)."""
    if survey is None:
        return None
    today = timezone.localdate()
    used = survey.codes.filter(used=True).count()
    return {
        "id": survey.pk,
        "task_id": survey.task_id,
        "opened_at": survey.opened_at,
        "closes_on": survey.closes_on,
        "closes_provisional": survey.closes_provisional,
        "open": today <= survey.closes_on,
        "codes_issued": survey.codes_issued,
        "codes_used": used,
        "aggregate": survey_aggregate(survey).as_dict(),
    }


def task_survey(user, pk: Any) -> tuple[SupervisionTask, dict[str, Any] | None]:
    task = selectors.task_get(user, pk)
    return task, survey_summary(survey_of(task))


def supervisor_survey_figures(
    supervisor: Any, *, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, Any]:
    """SUP-9 figure from QUAL-4: candidates' and examiners' ratings of the tasks the supervisor took part
    in (by task start date), counting only surveys whose aggregate may be shown (n ≥ minimum)."""
    sid = getattr(supervisor, "pk", supervisor)
    tasks = TaskMember.objects.filter(
        supervisor_id=sid, active=True, response=TaskMember.Response.ACCEPTED
    ).values("task_id")
    surveys = Survey.objects.filter(task_id__in=tasks).select_related("task")
    if start is not None:
        surveys = surveys.filter(task__starts_at__date__gte=start)
    if end is not None:
        surveys = surveys.filter(task__starts_at__date__lte=end)
    parts: list[tuple[int, Decimal | None]] = []
    rows = []
    for survey in surveys.order_by("-task__starts_at", "-id"):
        agg = survey_aggregate(survey)
        rows.append(
            {
                "task_id": survey.task_id,
                "task_number": survey.task.number,
                "responses": agg.responses,
                "shown": agg.shown,
                "mean": agg.overall_mean,
            }
        )
        if agg.shown:
            parts.append((agg.responses, agg.overall_mean))
    answers, mean = survey_rules.pooled_mean(parts)
    return {
        "surveys": len(parts),
        "answers": answers,
        "mean": mean,
        "rows": rows,
        "minimum": survey_rules.MIN_RESPONSES,
    }


def self_evaluation_of(task: SupervisionTask) -> SelfEvaluation | None:
    return (
        SelfEvaluation.objects.filter(task=task)
        .select_related("requested_by", "submitted_by", "reviewed_by")
        .first()
    )


def self_evaluation_file(user, pk: Any, file_id: Any) -> SelfEvaluationFile:
    """A file of the report of a task the user may see (else 404); the view checks who may open it."""
    task = selectors.task_get(user, pk)
    row = SelfEvaluationFile.objects.filter(self_evaluation__task=task, pk=file_id).first()
    if row is None:
        from dudao.common.errors import NotFound

        raise NotFound("文件不存在")
    return row
