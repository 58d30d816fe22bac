"""API of the survey after a task (QUAL-4) and of the special task's self-evaluation report (ACT-4); the
same services as the pages. Mounted on the supervision router (`/api/v1/supervision/...`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import File, Schema, Status
from ninja.files import UploadedFile

from dudao.accounts.forms import client_ip
from dudao.accounts.throttle import address_request
from dudao.common.errors import NotFound

from . import selectors, selectors_survey, services
from .api import router
from .models import SelfEvaluation, SelfEvaluationFile
from .views.surveys import PUBLIC_ANSWERS_PER_HOUR


# ----------------------------------------------------------------------------------------- schemas
class SurveyQuestionOut(Schema):
    key: str
    label: str
    counts: dict[str, int]
    mean: Decimal


class SurveyAggregateOut(Schema):
    responses: int
    by_role: dict[str, int]
    shown: bool
    minimum: int
    questions: list[SurveyQuestionOut]
    overall_mean: Decimal | None = None
    comments: list[str]


class SurveySummaryOut(Schema):
    id: int
    task_id: int
    opened_at: dt.datetime
    closes_on: dt.date
    closes_provisional: bool
    open: bool
    codes_issued: int
    codes_used: int
    aggregate: SurveyAggregateOut


class SurveyCodeOut(Schema):
    code: str
    role: str
    role_label: str


class SurveyOpenedOut(Schema):
    survey: SurveySummaryOut
    codes: list[SurveyCodeOut]


class SurveyOpenIn(Schema):
    candidates: int = 0
    examiners: int = 0
    closes_on: dt.date | None = None


class SurveyCodesIn(Schema):
    candidates: int = 0
    examiners: int = 0


class SurveyAnswerIn(Schema):
    code: str
    scores: dict[str, int]
    comment: str = ""


class SurveyAnsweredOut(Schema):
    message: str


class SelfEvaluationFileOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


class SelfEvaluationOut(Schema):
    id: int
    task_id: int
    status: str
    status_label: str
    note: str
    due_on: dt.date
    requested_at: dt.datetime
    submitted_at: dt.datetime | None = None
    overdue: bool
    review_note: str
    reviewed_at: dt.datetime | None = None
    files: list[SelfEvaluationFileOut]


class SelfEvaluationRequestIn(Schema):
    due_on: dt.date
    note: str = ""


class SelfEvaluationReviewIn(Schema):
    note: str


# ------------------------------------------------------------------------------------------ survey
def _summary(task_pk: int, user) -> dict[str, Any]:
    _task, summary = selectors_survey.task_survey(user, task_pk)
    if summary is None:
        raise NotFound("本任务尚未发起满意度调查")
    return summary


@router.get("/tasks/{int:pk}/survey", response=SurveySummaryOut, summary="满意度调查结果(汇总)")
def survey_get(request, pk: int):
    return _summary(pk, request.user)


@router.post("/tasks/{int:pk}/survey", response={201: SurveyOpenedOut}, summary="发起满意度调查并发放评价码")
def survey_open(request, pk: int, payload: SurveyOpenIn):
    selectors.task_get(request.user, pk)
    _, codes = services.survey_open(actor=request.user, task=pk, **payload.dict())
    return Status(201, {"survey": _summary(pk, request.user), "codes": codes})


@router.post("/tasks/{int:pk}/survey/codes", response={201: SurveyOpenedOut}, summary="补发评价码")
def survey_codes(request, pk: int, payload: SurveyCodesIn):
    selectors.task_get(request.user, pk)
    _, codes = services.survey_issue_codes(actor=request.user, task=pk, **payload.dict())
    return Status(201, {"survey": _summary(pk, request.user), "codes": codes})


@router.post(
    "/public/surveys", response={201: SurveyAnsweredOut}, auth=None, summary="公开:提交满意度调查答卷"
)
def survey_answer(request, payload: SurveyAnswerIn):
    address_request(client_ip(request), "survey-answer", limit=PUBLIC_ANSWERS_PER_HOUR)
    services.survey_answer(code=payload.code, scores=payload.scores, comment=payload.comment)
    return Status(201, {"message": "感谢您的评价"})


# --------------------------------------------------------------------------------- self-evaluation
def _file_row(f: SelfEvaluationFile) -> dict[str, Any]:
    return {
        "id": f.pk,
        "original_name": f.original_name,
        "content_type": f.content_type,
        "size": f.size,
        "sha256": f.sha256,
        "uploaded_at": f.uploaded_at,
    }


def _evaluation(user, pk: int) -> dict[str, Any]:
    task = selectors.task_get(user, pk)
    row: SelfEvaluation | None = selectors_survey.self_evaluation_of(task)
    if row is None:
        raise NotFound("本任务未要求自评报告")
    return {
        "id": row.pk,
        "task_id": row.task_id,
        "status": row.status,
        "status_label": row.get_status_display(),
        "note": row.note,
        "due_on": row.due_on,
        "requested_at": row.requested_at,
        "submitted_at": row.submitted_at,
        "overdue": row.overdue,
        "review_note": row.review_note,
        "reviewed_at": row.reviewed_at,
        "files": [_file_row(f) for f in row.files.all()],
    }


@router.get("/tasks/{int:pk}/self-evaluation", response=SelfEvaluationOut, summary="机构自评报告(专项督导)")
def self_evaluation_get(request, pk: int):
    return _evaluation(request.user, pk)


@router.post(
    "/tasks/{int:pk}/self-evaluation", response={201: SelfEvaluationOut}, summary="要求机构提交自评报告"
)
def self_evaluation_request(request, pk: int, payload: SelfEvaluationRequestIn):
    selectors.task_get(request.user, pk)
    services.self_evaluation_request(actor=request.user, task=pk, **payload.dict())
    return Status(201, _evaluation(request.user, pk))


@router.post(
    "/tasks/{int:pk}/self-evaluation/files", response={201: SelfEvaluationFileOut}, summary="上传自评报告文件"
)
def self_evaluation_upload(request, pk: int, file: File[UploadedFile]):
    selectors.task_get(request.user, pk)
    added = services.self_evaluation_upload(actor=request.user, task=pk, file=file)
    return Status(201, _file_row(added))


@router.get("/tasks/{int:pk}/self-evaluation/files/{int:file_id}", summary="下载自评报告文件")
def self_evaluation_download(request, pk: int, file_id: int):
    from .views.surveys import may_open_self_evaluation

    row = selectors_survey.self_evaluation_file(request.user, pk, file_id)
    may_open_self_evaluation(request.user, row.self_evaluation.task)
    return row.serve(inline=False)


@router.post("/tasks/{int:pk}/self-evaluation/submit", response=SelfEvaluationOut, summary="提交自评报告")
def self_evaluation_submit(request, pk: int):
    selectors.task_get(request.user, pk)
    services.self_evaluation_submit(actor=request.user, task=pk)
    return _evaluation(request.user, pk)


@router.post("/tasks/{int:pk}/self-evaluation/review", response=SelfEvaluationOut, summary="审阅自评报告")
def self_evaluation_review(request, pk: int, payload: SelfEvaluationReviewIn):
    selectors.task_get(request.user, pk)
    services.self_evaluation_review(actor=request.user, task=pk, note=payload.note)
    return _evaluation(request.user, pk)
