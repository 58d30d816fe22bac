"""API router of the scorecards app (mounted at /api/v1/scorecards): forms, scoring, evaluations."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from dudao.accounts.models import User
from dudao.common.errors import NotFound, ValidationFailed
from dudao.common.pagination import PageParams, paginate
from dudao.common.refs import visible_refs
from dudao.documents.responses import document_response
from dudao.registry.models import Institution

from . import documents, domain, presenters, selectors, services
from .models import Evaluation
from .schemas import (
    AnswerIn,
    AnswerOut,
    CorrectIn,
    EvaluationEvidenceOut,
    EvaluationFilter,
    EvaluationListOut,
    EvaluationOpenIn,
    EvaluationOut,
    EvaluationReasonIn,
    EvaluationRowVersionIn,
    FormDetailOut,
    FormLoadIn,
    FormVersionListOut,
    FormVersionOut,
    ScoreIn,
    ScoreOut,
    SignIn,
)

router = Router(tags=["scorecards"])


# --------------------------------------------------------------------------------------------- forms


@router.get("/forms", response=FormVersionListOut, summary="评估表版本列表")
def form_list(request, params: Query[PageParams], form_id: str | None = None, current_only: bool = False):
    """Loaded form versions (shipped forms are loaded on first use); `current_only` for the current ones."""
    services.form_versions_ensure_shipped()
    page = paginate(
        selectors.form_versions(current_only=current_only, form_id=form_id), params.page, params.page_size
    )
    page.items = [presenters.form_version_summary(row) for row in page.items]
    return page.as_dict()


@router.get("/forms/{form_id}", response=FormDetailOut, summary="评估表定义")
def form_detail(request, form_id: str, version: int | None = None):
    """One version (the current one by default): sections, items, choices, rules, bands and the YAML text."""
    services.form_versions_ensure_shipped()
    return presenters.form_detail(selectors.form_version_get(form_id, version))


@router.post("/forms", response={200: FormVersionOut, 201: FormVersionOut}, summary="载入评估表新版本")
def form_load(request, payload: FormLoadIn):
    """Superusers and authority admins. Linted first (422 lists every problem); 201 when a version was
    added, 200 when the same text was already loaded; a changed text under a loaded version → 409."""
    row, created = services.form_version_load(actor=request.user, definition=payload.definition)
    return Status(201 if created else 200, presenters.form_version_summary(row))


@router.post("/score", response=ScoreOut, summary="按答案计分(不保存)")
def score(request, payload: ScoreIn):
    """The `dudao scorecards score` contract as an API: every item answered, strictly typed; nothing saved."""
    form = selectors.form_for_scoring(payload.form, payload.version)
    return domain.score(form, payload.answers).as_json()


# --------------------------------------------------------------------------------------------- helpers


def _users(ids: list[int] | None, field: str, institution: Institution) -> list[User]:
    """Group members among the users who may evaluate `institution` (SEC-3: an id of anyone else, or of
    nobody, gets the same answer, and no name of a user the caller cannot see is echoed)."""
    eligible = User.objects.filter(pk__in=[u.pk for u in selectors.eligible_evaluators(institution)])
    return visible_refs(
        eligible.select_related("authority__region"), ids or [], field=field, label="评估组成员"
    )


def _evidence_out(evaluation_id: int, row: dict[str, Any]) -> dict[str, Any]:
    url = reverse(
        "api-1:scorecards_evidence_download", kwargs={"pk": evaluation_id, "evidence_id": row["id"]}
    )
    return {**row, "url": url}


def _list_row(ev: Evaluation) -> dict[str, Any]:
    return {
        "id": ev.pk,
        "institution_id": ev.institution_id,
        "institution_name": ev.institution.name,
        "form_id": ev.form_version.form_id,
        "form_version": ev.form_version.version,
        "form_title": ev.form_version.title,
        "purpose": ev.purpose,
        "purpose_label": ev.get_purpose_display(),
        "status": ev.status,
        "status_label": ev.get_status_display(),
        "total": ev.total,
        "band": ev.band,
        "answered_count": ev.answered_count,
        "item_count": ev.item_count,
        "version_no": ev.version_no,
        "previous_id": ev.previous_id,
        "leader_name": str(ev.leader),
        "created_at": ev.created_at,
        "submitted_at": ev.submitted_at,
        "signed_at": ev.signed_at,
        "row_version": ev.row_version,
    }


def _detail(request, pk: int) -> dict[str, Any]:
    ev = selectors.evaluation_get(request.user, pk)
    sheet = presenters.evaluation_sheet(request.user, ev)
    for section in sheet["sections"]:
        for item in section["items"]:
            item["evidence"] = [_evidence_out(ev.pk, e) for e in item["evidence"]]
    return {
        **_list_row(ev),
        "authority_name": ev.authority.name,
        "note": ev.note,
        "opened_by": str(ev.opened_by),
        "band_label": sheet["band_label"],
        "content_digest": ev.content_digest,
        "correction_reason": ev.correction_reason,
        "cancel_reason": ev.cancel_reason,
        "result": ev.result,
        "live": sheet["live"],
        "members": sheet["members"],
        "sections": sheet["sections"],
        "general_evidence": [_evidence_out(ev.pk, e) for e in sheet["general_evidence"]],
        "history": [
            {
                "id": h.pk,
                "version_no": h.version_no,
                "status": h.status,
                "total": h.total,
                "band": h.band,
                "signed_at": h.signed_at,
                "correction_reason": h.correction_reason,
            }
            for h in selectors.evaluation_history(request.user, ev)
        ],
        "actions": sheet["actions"],
    }


def _visible(request, pk: int) -> Evaluation:
    """The evaluation if the user may read it (404 otherwise), before any write is attempted."""
    return selectors.evaluation_get(request.user, pk)


# --------------------------------------------------------------------------------------------- evaluations


@router.get("/evaluations", response=EvaluationListOut, summary="评估列表")
def evaluation_list(request, params: Query[PageParams], filters: Query[EvaluationFilter]):
    """Evaluations in the user's scope: region (authority), membership, own institution once signed."""
    qs = selectors.evaluation_list(request.user, **filters.dict())
    page = paginate(qs, params.page, params.page_size)
    page.items = [_list_row(ev) for ev in page.items]
    return page.as_dict()


@router.post("/evaluations", response={201: EvaluationOut}, summary="发起评估")
def evaluation_open(request, payload: EvaluationOpenIn):
    """Authority users of the institution's region; the leader is always a member of the group."""
    institution = Institution.objects.filter(pk=payload.institution_id).select_related("region").first()
    if institution is None or not selectors.institution_visible(request.user, institution):
        raise NotFound("评价机构不存在或无权查看")
    leader = _users([payload.leader_id], "leader_id", institution)[0]
    members = _users(payload.member_ids, "member_ids", institution)
    ev = services.evaluation_open(
        actor=request.user,
        institution=institution,
        form_id=payload.form_id,
        purpose=payload.purpose,
        leader=leader,
        members=members,
        note=payload.note,
    )
    return Status(201, _detail(request, ev.pk))


@router.get("/evaluations/{pk}", response=EvaluationOut, summary="评估详情")
def evaluation_detail(request, pk: int):
    return _detail(request, pk)


@router.patch("/evaluations/{pk}/items/{item_id}", response=AnswerOut, summary="填写一个项目")
def evaluation_answer(request, pk: int, item_id: str, payload: AnswerIn):
    """Save one item's answer (`value`; null clears) and/or `note`; send `row_version` or the item's
    `item_revision` (the latter lets group members fill different items at the same time)."""
    _visible(request, pk)
    if payload.row_version is None and payload.item_revision is None:
        msg = "请提供 row_version 或 item_revision"
        raise ValidationFailed(msg, detail={"row_version": [msg]})
    value = payload.value if "value" in payload.model_fields_set else services.KEEP
    services.evaluation_answer(
        actor=request.user,
        evaluation=pk,
        item_id=item_id,
        value=value,
        note=payload.note,
        row_version=payload.row_version,
        item_revision=payload.item_revision,
    )
    detail = _detail(request, pk)
    item = next(i for s in detail["sections"] for i in s["items"] if i["id"] == item_id)
    return {"item": item, "live": detail["live"], "row_version": detail["row_version"]}


@router.post("/evaluations/{pk}/submit", response=EvaluationOut, summary="提交评估(组长)")
def evaluation_submit(request, pk: int, payload: EvaluationRowVersionIn):
    _visible(request, pk)
    services.evaluation_submit(actor=request.user, evaluation=pk, row_version=payload.row_version)
    return _detail(request, pk)


@router.post("/evaluations/{pk}/reopen", response=EvaluationOut, summary="退回填写(组长)")
def evaluation_reopen(request, pk: int, payload: EvaluationReasonIn):
    _visible(request, pk)
    services.evaluation_reopen(
        actor=request.user, evaluation=pk, reason=payload.reason, row_version=payload.row_version
    )
    return _detail(request, pk)


@router.post("/evaluations/{pk}/sign", response=EvaluationOut, summary="签名确认(评估组成员)")
def evaluation_sign(request, pk: int, payload: SignIn):
    _visible(request, pk)
    services.evaluation_sign(actor=request.user, evaluation=pk, content_digest=payload.content_digest)
    return _detail(request, pk)


@router.post("/evaluations/{pk}/correct", response={201: EvaluationOut}, summary="发起更正(生成新版本)")
def evaluation_correct(request, pk: int, payload: CorrectIn):
    institution = _visible(request, pk).institution
    leader = _users([payload.leader_id], "leader_id", institution)[0] if payload.leader_id else None
    members = (
        _users(payload.member_ids, "member_ids", institution) if payload.member_ids is not None else None
    )
    new = services.evaluation_correct(
        actor=request.user, evaluation=pk, reason=payload.reason, leader=leader, members=members
    )
    return Status(201, _detail(request, new.pk))


@router.post("/evaluations/{pk}/cancel", response=EvaluationOut, summary="作废评估")
def evaluation_cancel(request, pk: int, payload: EvaluationReasonIn):
    _visible(request, pk)
    services.evaluation_cancel(
        actor=request.user, evaluation=pk, reason=payload.reason, row_version=payload.row_version
    )
    return _detail(request, pk)


@router.post("/evaluations/{pk}/evidence", response={201: EvaluationEvidenceOut}, summary="上传证据文件")
def evidence_upload(request, pk: int, file: File[UploadedFile], item_id: Form[str] = ""):
    """multipart/form-data: `file` (photo jpg/png/webp/heic, pdf, xlsx/xls/csv; size ≤ DUDAO_UPLOAD_MAX_BYTES)
    and `item_id` ('' = the whole evaluation). Type checked by content, not by the name."""
    _visible(request, pk)
    evidence = services.evaluation_attach_evidence(
        actor=request.user, evaluation=pk, item_id=item_id, file=file
    )
    return Status(201, _evidence_out(pk, presenters.evidence_row(evidence)))


@router.get(
    "/evaluations/{pk}/evidence/{evidence_id}",
    summary="下载证据文件",
    url_name="scorecards_evidence_download",
)
def evidence_download(request, pk: int, evidence_id: int):
    """The stored bytes, for users who may read the evaluation (404 otherwise)."""
    return selectors.evidence_get(request.user, pk, evidence_id).serve()


@router.delete("/evaluations/{pk}/evidence/{evidence_id}", response={204: None}, summary="删除证据文件")
def evidence_delete(request, pk: int, evidence_id: int):
    evidence = selectors.evidence_get(request.user, pk, evidence_id)
    services.evaluation_remove_evidence(actor=request.user, evidence=evidence)
    return Status(204, None)


@router.get("/evaluations/{pk}/document", summary="下载评估表(DOCX、PDF)")
def evaluation_document(
    request, pk: int, file_format: str = Query("docx", alias="format", description="docx(默认)或 pdf")
):
    """The filled form (items, max, answers, points, notes, subtotals, total, band, signatures) as
    `format=docx` (default) or `pdf`, for users who may read the evaluation (404 otherwise). Until every
    member has signed, the title carries 「（草稿）」 and unsigned members read 「未签名」. PDF needs
    LibreOffice on the server (503 `pdf_unavailable` otherwise)."""
    if file_format not in documents.FORMATS:
        msg = "format 只能是 docx 或 pdf"
        raise ValidationFailed(msg, detail={"format": [msg]})
    ev = selectors.evaluation_get(request.user, pk)
    data, filename = documents.render(ev, file_format)
    return document_response(data, filename=filename)
