"""The survey after a supervision task (QUAL-4): opened by the managing authority once the report is in,
answered anonymously with one-time codes, closing after a number of working days.

Why one-time codes and not a limit per address: candidates and examiners answer from the same exam site,
often behind one network address (a per-address limit would refuse honest respondents) while one person
with a phone's mobile data has many addresses (it would not stop double answers). A code handed to each
invited person enforces one answer per person without storing who they are: only the code's digest is
kept, the used flag carries no time, and the answer keeps no link to the code. Guessing codes is slowed
by a per-address budget on the public answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition, ValidationFailed
from dudao.common.writes import parse_date, require, save_fields, save_new, text

from .. import survey_rules
from ..models import SupervisionTask, Survey, SurveyCode, SurveyResponse
from ..permissions import can_manage_task
from ..transitions import AFTER_REPORT
from .base import _lock_task

S = SupervisionTask.Status
# Unambiguous letters and digits (no 0/O, 1/I/L): codes are typed from paper on a phone.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def normalise_code(code: Any) -> str:
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())


def code_digest(code: Any) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _count(value: Any, field: str, label: str) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{label}须为整数", detail={field: [f"{label}须为整数"]}) from None
    if not 0 <= number <= survey_rules.MAX_CODES:
        message = f"{label}须在 0–{survey_rules.MAX_CODES} 之间"
        raise ValidationFailed(message, detail={field: [message]})
    return number


def _issue(survey: Survey, candidates: int, examiners: int) -> list[dict[str, str]]:
    codes: list[dict[str, str]] = []
    rows = []
    for role, n in (("candidate", candidates), ("examiner", examiners)):
        for _ in range(n):
            code = _new_code()
            codes.append({"code": code, "role": role, "role_label": survey_rules.ROLES[role]})
            rows.append(SurveyCode(survey=survey, digest=code_digest(code), role=role))
    SurveyCode.objects.bulk_create(rows)
    survey.codes_issued += len(rows)
    save_fields(survey, ["codes_issued"])
    return codes


def is_open(survey: Survey, today: dt.date | None = None) -> bool:
    """Answers are accepted up to and including the closing day."""
    return (today or timezone.localdate()) <= survey.closes_on


@transaction.atomic
def survey_open(
    *,
    actor,
    task: SupervisionTask | int,
    candidates: Any = 0,
    examiners: Any = 0,
    closes_on: Any = None,
) -> tuple[Survey, list[dict[str, str]]]:
    """Open the survey of a task whose report is in (QUAL-4) and issue the first codes; the codes are
    returned once (only their digests are stored). The survey closes after CLOSE_WORKDAYS working days
    unless a later closing day is given."""
    obj = _lock_task(actor, task)
    require(can_manage_task(actor, obj), "只有委派机构可以发起满意度调查")
    if obj.status not in AFTER_REPORT:
        raise IllegalTransition("督导报告提交后才能发起满意度调查", code="survey_too_early")
    if Survey.objects.filter(task=obj).exists():
        raise Conflict("本任务已发起满意度调查", code="duplicate_survey")
    n_candidates = _count(candidates, "candidates", "考生评价码数量")
    n_examiners = _count(examiners, "examiners", "考评人员评价码数量")
    if n_candidates + n_examiners == 0:
        raise ValidationFailed("请至少发放 1 个评价码", detail={"candidates": ["请至少发放 1 个评价码"]})
    from dudao.workdays.selectors import calendar

    today = timezone.localdate()
    default = calendar().add_workdays(today, survey_rules.CLOSE_WORKDAYS)
    if closes_on in (None, ""):
        day, provisional = default.date, default.provisional
    else:
        day, provisional = parse_date(closes_on, "closes_on", "截止日期"), False
        if day < today:
            raise ValidationFailed("截止日期不能早于今天", detail={"closes_on": ["截止日期不能早于今天"]})
    survey = Survey(
        task=obj,
        opened_by=actor,
        opened_at=timezone.now(),
        closes_on=day,
        closes_provisional=provisional,
    )
    save_new(survey)
    codes = _issue(survey, n_candidates, n_examiners)
    audit.record(
        actor=actor,
        action="supervision.survey.open",
        obj=survey,
        after={**audit.snapshot(survey), "candidates": n_candidates, "examiners": n_examiners},
    )
    return survey, codes


@transaction.atomic
def survey_issue_codes(
    *, actor, task: SupervisionTask | int, candidates: Any = 0, examiners: Any = 0
) -> tuple[Survey, list[dict[str, str]]]:
    """More codes for an open survey (e.g. a second exam room)."""
    obj = _lock_task(actor, task)
    require(can_manage_task(actor, obj), "只有委派机构可以发放评价码")
    survey = Survey.objects.select_for_update().filter(task=obj).first()
    if survey is None:
        raise IllegalTransition("本任务尚未发起满意度调查", code="no_survey")
    if not is_open(survey):
        raise IllegalTransition(f"调查已于 {survey.closes_on.isoformat()} 截止", code="survey_closed")
    n_candidates = _count(candidates, "candidates", "考生评价码数量")
    n_examiners = _count(examiners, "examiners", "考评人员评价码数量")
    if n_candidates + n_examiners == 0:
        raise ValidationFailed("请至少发放 1 个评价码", detail={"candidates": ["请至少发放 1 个评价码"]})
    if survey.codes_issued + n_candidates + n_examiners > survey_rules.MAX_CODES * 4:
        raise ValidationFailed("评价码数量超过上限", detail={"candidates": ["评价码数量超过上限"]})
    codes = _issue(survey, n_candidates, n_examiners)
    audit.record(
        actor=actor,
        action="supervision.survey.codes",
        obj=survey,
        after={"candidates": n_candidates, "examiners": n_examiners, "codes_issued": survey.codes_issued},
    )
    return survey, codes


def survey_for_code(code: Any) -> tuple[Survey, SurveyCode]:
    """The survey a code belongs to, for the public page; a wrong and a used code are told apart only
    after a well-formed code is given (422 / 409)."""
    digest = code_digest(code)
    if len(normalise_code(code)) != CODE_LENGTH:
        raise ValidationFailed("评价码不正确", detail={"code": ["评价码不正确"]})
    row = SurveyCode.objects.select_related("survey__task__institution").filter(digest=digest).first()
    if row is None:
        raise ValidationFailed("评价码不正确", detail={"code": ["评价码不正确"]})
    return row.survey, row


@transaction.atomic
def survey_answer(*, code: Any, scores: Mapping[str, Any] | Any, comment: Any = "") -> Survey:
    """One anonymous answer per code (QUAL-4): the code is flagged used, the answer keeps only the role,
    the scores, the comment and the day. Refused after the closing day; bad input changes nothing."""
    survey, row = survey_for_code(code)
    row = SurveyCode.objects.select_for_update().get(pk=row.pk)
    if row.used:
        raise Conflict("该评价码已使用,每个评价码只能提交一次", code="code_used")
    today = timezone.localdate()
    if not is_open(survey, today):
        raise IllegalTransition(f"本次调查已于 {survey.closes_on.isoformat()} 截止", code="survey_closed")
    errors = survey_rules.check_scores(scores)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), detail={k: [v] for k, v in errors.items()})
    comment = text(comment)
    if len(comment) > survey_rules.COMMENT_MAX:
        message = f"意见建议不能超过 {survey_rules.COMMENT_MAX} 字"
        raise ValidationFailed(message, detail={"comment": [message]})
    row.used = True
    row.save(update_fields=["used"])
    SurveyResponse.objects.create(
        survey=survey,
        role=row.role,
        scores={k: int(scores[k]) for k in survey_rules.QUESTIONS},
        comment=comment,
        submitted_on=today,
    )
    # The event names the survey only: neither the code nor the answer (anonymity).
    audit.record(actor=None, action="supervision.survey.answer", obj=survey, after={"survey": survey.pk})
    return survey
