"""API router of the supervision app (mounted at /api/v1/supervision).

Reads go through selectors (scope; outside it → 404), writes through services (same rules as the pages).
`/public/...` endpoints need no login (一公开): published draws, their scenario and result for
verification, and task outcomes; covert tasks appear only after their report (ACT-3, RAND-2).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from dudao.common.errors import NotFound, PermissionDenied
from dudao.common.pagination import paginate
from dudao.documents.responses import document_response

from . import documents, presenters, selectors, services, workflow
from . import schemas as s
from .models import Draw, Penalty, SupervisionTask
from .permissions import can_manage_draw
from .transitions import TASK_TRANSITIONS

router = Router(tags=["supervision"])


def _page(qs, params, row=None) -> dict[str, Any]:
    page = paginate(qs, params.page, params.page_size)
    if row is not None:
        page.items = [row(item) for item in page.items]
    return page.as_dict()


def _task(request, pk: int) -> dict[str, Any]:
    return presenters.task_detail(request.user, selectors.task_get(request.user, pk))


def _visible_task(request, pk: int) -> SupervisionTask:
    """404 before any write when the task is outside the user's scope."""
    return selectors.task_get(request.user, pk)


def _json_file(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ------------------------------------------------------------------------------------- reference
@router.get("/reference", response=s.ReferenceOut, auth=None, summary="督导内容、方式、状态等代码表")
def reference(request):
    return {
        "content_areas": workflow.CONTENT_AREAS,
        "daily_checklist": list(workflow.DAILY_CHECKLIST),
        "methods": workflow.METHODS,
        "severities": workflow.SEVERITIES,
        "decline_reason_kinds": workflow.DECLINE_REASON_KINDS,
        "misconduct_kinds": workflow.MISCONDUCT_KINDS,
        "penalty_kinds": dict(Penalty.Kind.choices),
        "penalty_grounds": workflow.PENALTY_GROUNDS,
        "rating_items": workflow.RATING_ITEMS,
        "rating_range": [workflow.RATING_MIN, workflow.RATING_MAX],
        "task_statuses": dict(SupervisionTask.Status.choices),
        "task_transitions": {k: list(v) for k, v in TASK_TRANSITIONS.items()},
        "draw_statuses": dict(Draw.Status.choices),
    }


# ---------------------------------------------------------------------------------------- policy
@router.get("/policy", response=s.PolicyOut, summary="督导工作设置(报告期限、申辩期限、公开方式)")
def policy_get(request, authority_id: int | None = None):
    user = request.user
    if authority_id is None:
        authority_id = getattr(user, "authority_id", None)
    if authority_id is None:
        raise NotFound()
    from dudao.registry.selectors import authorities_for

    if not authorities_for(user).filter(pk=authority_id).exists():
        raise NotFound()
    return presenters.policy_row(selectors.policy_for(authority_id))


@router.patch("/policy", response=s.PolicyOut, summary="修改督导工作设置")
def policy_update(request, payload: s.PolicyPatch):
    data = payload.dict(exclude_unset=True)
    authority_id = data.pop("authority_id", None)
    row_version = data.pop("row_version", None)
    changes = {k: v for k, v in data.items() if v is not None}
    policy = services.policy_update(
        actor=request.user, authority=authority_id, row_version=row_version, **changes
    )
    return presenters.policy_row(policy)


# ----------------------------------------------------------------------------------------- draws
@router.get("/draws", response=s.DrawPage, summary="双随机抽取列表")
def draw_list(request, filters: Query[s.DrawFilters]):
    qs = selectors.draw_list(
        request.user,
        q=filters.q,
        status=filters.status,
        kind=filters.kind,
        task_kind=filters.task_kind,
        year=filters.year,
    )
    return _page(qs, filters, presenters.draw_row)


@router.post("/draws", response={201: s.DrawOut}, summary="定义抽取")
def draw_define(request, payload: s.DrawIn):
    data = payload.dict()
    draw = services.draw_define(
        actor=request.user,
        authority=data.pop("authority_id"),
        institution=data.pop("institution_id"),
        **data,
    )
    return Status(201, presenters.draw_detail(request.user, selectors.draw_get(request.user, draw.pk)))


@router.get("/draws/{int:pk}", response=s.DrawOut, summary="抽取详情")
def draw_detail(request, pk: int):
    return presenters.draw_detail(request.user, selectors.draw_get(request.user, pk))


@router.patch("/draws/{int:pk}", response=s.DrawOut, summary="修改抽取参数(公布前)")
def draw_update(request, pk: int, payload: s.DrawPatch):
    selectors.draw_get(request.user, pk)
    data = payload.dict(exclude_unset=True)
    row_version = data.pop("row_version")
    services.draw_update(actor=request.user, draw=pk, row_version=row_version, **data)
    return presenters.draw_detail(request.user, selectors.draw_get(request.user, pk))


def _draw_step(request, pk: int, step, payload) -> dict[str, Any]:
    selectors.draw_get(request.user, pk)
    step(actor=request.user, draw=pk, row_version=payload.row_version)
    return presenters.draw_detail(request.user, selectors.draw_get(request.user, pk))


@router.post(
    "/draws/{int:pk}/publish", response=s.DrawOut, summary="公布抽取(冻结情景、公布摘要和种子承诺值)"
)
def draw_publish(request, pk: int, payload: s.RowVersionIn):
    return _draw_step(request, pk, services.draw_publish, payload)


@router.post("/draws/{int:pk}/run", response=s.DrawOut, summary="执行抽取")
def draw_run(request, pk: int, payload: s.RowVersionIn):
    return _draw_step(request, pk, services.draw_run, payload)


@router.post("/draws/{int:pk}/lock", response=s.DrawOut, summary="锁定结果(公开种子、派发任务)")
def draw_lock(request, pk: int, payload: s.RowVersionIn):
    return _draw_step(request, pk, services.draw_lock, payload)


@router.post("/draws/{int:pk}/cancel", response=s.DrawOut, summary="取消抽取(执行前)")
def draw_cancel(request, pk: int, payload: s.ReasonIn):
    selectors.draw_get(request.user, pk)
    services.draw_cancel(actor=request.user, draw=pk, reason=payload.reason, row_version=payload.row_version)
    return presenters.draw_detail(request.user, selectors.draw_get(request.user, pk))


@router.post("/draws/{int:pk}/witnesses", response={201: s.DrawOut}, summary="登记见证人及其承诺值(公布前)")
def draw_witness_add(request, pk: int, payload: s.WitnessIn):
    selectors.draw_get(request.user, pk)
    data = payload.dict()
    row_version = data.pop("row_version")
    services.draw_witness_add(actor=request.user, draw=pk, row_version=row_version, **data)
    return Status(201, presenters.draw_detail(request.user, selectors.draw_get(request.user, pk)))


@router.delete("/draws/{int:pk}/witnesses/{int:wid}", response=s.DrawOut, summary="删除见证人(公布前)")
def draw_witness_remove(request, pk: int, wid: int):
    selectors.draw_get(request.user, pk)
    services.draw_witness_remove(actor=request.user, draw=pk, witness=wid)
    return presenters.draw_detail(request.user, selectors.draw_get(request.user, pk))


@router.post(
    "/draws/{int:pk}/witnesses/{int:wid}/reveal",
    response=s.DrawOut,
    summary="录入见证人随机值(公布后、执行抽取前;须与承诺值一致)",
)
def draw_witness_reveal(request, pk: int, wid: int, payload: s.WitnessValueIn):
    selectors.draw_get(request.user, pk)
    services.draw_witness_reveal(
        actor=request.user, draw=pk, witness=wid, value=payload.value, row_version=payload.row_version
    )
    return presenters.draw_detail(request.user, selectors.draw_get(request.user, pk))


@router.get("/draws/{int:pk}/scenario", summary="下载抽取情景(JSON)")
def draw_scenario(request, pk: int):
    draw = selectors.draw_get(request.user, pk)
    if not can_manage_draw(request.user, draw):
        raise PermissionDenied()
    if not draw.scenario:
        raise NotFound("抽取尚未公布,没有情景文件")
    return _json_file(draw.scenario, f"{draw.number}-scenario.json")


# -------------------------------------------------------------------------------------- coverage
@router.get("/coverage", response=s.CoveragePage, summary="逢考必督:期间内评价批次督导覆盖情况")
def coverage(request, filters: Query[s.CoverageFilters]):
    result = selectors.coverage(
        request.user,
        start=filters.start,
        end=filters.end,
        covered=filters.covered,
        institution=filters.institution,
        q=filters.q,
    )

    def row(batch):
        return {
            "batch_id": batch.pk,
            "batch_code": batch.code,
            "institution_id": batch.institution_id,
            "institution_name": batch.institution.name,
            "occupation_name": batch.occupation.name,
            "starts_at": batch.starts_at,
            "ends_at": batch.ends_at,
            "supervised": batch.supervised,
            "task_count": batch.task_count,
        }

    data = _page(result.batches, filters, row)
    authority_id = getattr(request.user, "authority_id", None)
    data.update(
        {
            "total": result.total,
            "covered": result.covered,
            "uncovered": result.uncovered,
            "rate": None if result.rate is None else str(result.rate),
            "coverage_required": bool(authority_id and selectors.policy_for(authority_id).coverage_required),
        }
    )
    return data


# ----------------------------------------------------------------------------------------- tasks
@router.get("/tasks", response=s.TaskPage, summary="督导任务列表")
def task_list(request, filters: Query[s.TaskFilters]):
    qs = selectors.task_list(request.user, **filters.dict(exclude={"page", "page_size"}))
    return _page(qs, filters, presenters.task_row)


@router.post("/tasks", response={201: s.TaskOut}, summary="派发临时督导任务")
def task_create(request, payload: s.TaskIn):
    task = services.task_create(
        actor=request.user,
        institution=payload.institution_id,
        supervisors=payload.supervisor_ids,
        leader=payload.leader_id,
        kind=payload.kind,
        supervisor_kind=payload.supervisor_kind,
        batch=payload.batch_id,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        covert=payload.covert,
        items=payload.items,
        group_reason=payload.group_reason,
        note=payload.note,
    )
    return Status(201, _task(request, task.pk))


@router.get("/tasks/{int:pk}", response=s.TaskOut, summary="督导任务详情")
def task_detail(request, pk: int):
    return _task(request, pk)


@router.post("/tasks/{int:pk}/accept", response=s.TaskOut, summary="接受派遣(督导员本人)")
def task_accept(request, pk: int):
    _visible_task(request, pk)
    services.task_accept(actor=request.user, task=pk)
    return _task(request, pk)


@router.post(
    "/tasks/{int:pk}/decline", response=s.TaskOut, summary="拒绝派遣(须说明理由,否则记录为无故拒绝)"
)  # SUP-10
def task_decline(request, pk: int, payload: s.DeclineIn):
    _visible_task(request, pk)
    services.task_decline(actor=request.user, task=pk, reason=payload.reason, reason_kind=payload.reason_kind)
    return _task(request, pk)


@router.post(
    "/tasks/{int:pk}/members/{int:member_id}/review-decline", response=s.TaskOut, summary="审核拒绝理由"
)
def member_review_decline(request, pk: int, member_id: int, payload: s.ReviewDeclineIn):
    member = selectors.member_get(request.user, pk, member_id)
    services.member_review_decline(
        actor=request.user,
        member=member,
        justified=payload.justified,
        note=payload.note,
        row_version=payload.row_version,
    )
    return _task(request, pk)


@router.post(
    "/tasks/{int:pk}/members/{int:member_id}/replace", response=s.TaskOut, summary="替换拒绝任务的督导员"
)
def member_replace(request, pk: int, member_id: int, payload: s.ReplaceIn):
    member = selectors.member_get(request.user, pk, member_id)
    services.member_replace(actor=request.user, member=member, supervisor=payload.supervisor_id)
    return _task(request, pk)


@router.post("/tasks/{int:pk}/on-site", response=s.TaskOut, summary="到达现场,开始督导")
def task_on_site(request, pk: int, payload: s.RowVersionIn):
    _visible_task(request, pk)
    services.task_start_on_site(actor=request.user, task=pk, row_version=payload.row_version)
    return _task(request, pk)


@router.post("/tasks/{int:pk}/findings", response={201: s.FindingOut}, summary="记录督导发现")
def finding_add(request, pk: int, payload: s.FindingIn):
    _visible_task(request, pk)
    finding = services.finding_add(actor=request.user, task=pk, **payload.dict())
    return Status(201, presenters.finding_row(selectors.finding_get(request.user, pk, finding.pk)))


@router.patch("/tasks/{int:pk}/findings/{int:finding_id}", response=s.FindingOut, summary="修改督导发现")
def finding_update(request, pk: int, finding_id: int, payload: s.FindingPatch):
    finding = selectors.finding_get(request.user, pk, finding_id)
    data = payload.dict(exclude_unset=True)
    row_version = data.pop("row_version")
    services.finding_update(actor=request.user, finding=finding, row_version=row_version, **data)
    return presenters.finding_row(selectors.finding_get(request.user, pk, finding_id))


@router.delete("/tasks/{int:pk}/findings/{int:finding_id}", response={204: None}, summary="删除督导发现")
def finding_delete(request, pk: int, finding_id: int):
    finding = selectors.finding_get(request.user, pk, finding_id)
    services.finding_delete(actor=request.user, finding=finding)
    return Status(204, None)


@router.post(
    "/tasks/{int:pk}/findings/{int:finding_id}/evidence",
    response={201: s.EvidenceOut},
    summary="上传证据(照片等)",
)
def finding_evidence_upload(request, pk: int, finding_id: int, file: File[UploadedFile]):
    """multipart/form-data `file`: photo (jpg/png/webp/heic), pdf, xlsx/xls/csv; type checked by content."""
    finding = selectors.finding_get(request.user, pk, finding_id)
    evidence = services.finding_attach_evidence(actor=request.user, finding=finding, file=file)
    return Status(201, presenters._evidence_row(pk, evidence, "supervision_finding_evidence"))


@router.get(
    "/tasks/{int:pk}/evidence/{int:evidence_id}",
    summary="下载督导证据",
    url_name="supervision_finding_evidence",
)
def finding_evidence_download(request, pk: int, evidence_id: int):
    evidence = selectors.finding_evidence_get(request.user, pk, evidence_id)
    task = selectors.task_get(request.user, pk)
    detail_visible = presenters.task_detail(request.user, task)["findings"]
    if not any(e["id"] == evidence.pk for f in detail_visible for e in f["evidence"]):
        raise NotFound()
    return evidence.serve()


@router.delete("/tasks/{int:pk}/evidence/{int:evidence_id}", response={204: None}, summary="删除督导证据")
def finding_evidence_delete(request, pk: int, evidence_id: int):
    evidence = selectors.finding_evidence_get(request.user, pk, evidence_id)
    services.finding_remove_evidence(actor=request.user, evidence=evidence)
    return Status(204, None)


@router.post("/tasks/{int:pk}/report", response=s.TaskOut, summary="提交督导报告(组长)")  # SUP-7
def report_submit(request, pk: int, payload: s.ReportIn):
    _visible_task(request, pk)
    services.report_submit(actor=request.user, task=pk, **payload.dict())
    return _task(request, pk)


@router.post("/tasks/{int:pk}/report/correct", response=s.TaskOut, summary="更正督导报告(生成新版本)")
def report_correct(request, pk: int, payload: s.ReportCorrectIn):
    _visible_task(request, pk)
    services.report_correct(actor=request.user, task=pk, **payload.dict())
    return _task(request, pk)


@router.post("/tasks/{int:pk}/preliminary-opinion", response=s.TaskOut, summary="形成初步督导意见(专项,组长)")
def preliminary_opinion(request, pk: int, payload: s.PreliminaryIn):
    _visible_task(request, pk)
    services.preliminary_opinion_prepare(actor=request.user, task=pk, **payload.dict())
    return _task(request, pk)


@router.post("/tasks/{int:pk}/preliminary-opinion/send", response=s.TaskOut, summary="向机构反馈初步意见")
def preliminary_opinion_send(request, pk: int, payload: s.RowVersionIn):
    _visible_task(request, pk)
    services.preliminary_opinion_send(actor=request.user, task=pk, row_version=payload.row_version)
    return _task(request, pk)


@router.post("/tasks/{int:pk}/defence", response=s.TaskOut, summary="提交申辩意见(评价机构)")
def defence_submit(request, pk: int, payload: s.DefenceIn):
    _visible_task(request, pk)
    services.defence_submit(actor=request.user, task=pk, text=payload.text)
    return _task(request, pk)


@router.post("/tasks/{int:pk}/defence/close", response=s.TaskOut, summary="申辩期届满")
def defence_close(request, pk: int, payload: s.RowVersionIn):
    _visible_task(request, pk)
    services.defence_window_close(actor=request.user, task=pk, row_version=payload.row_version)
    return _task(request, pk)


@router.post("/tasks/{int:pk}/opinion", response=s.TaskOut, summary="下达督导意见书(委派机构)")
def opinion_issue(request, pk: int, payload: s.OpinionIn):
    _visible_task(request, pk)
    services.opinion_issue(actor=request.user, task=pk, **payload.dict())
    return _task(request, pk)


@router.post("/tasks/{int:pk}/rectification/order", response=s.TaskOut, summary="下达整改要求(日常督导)")
def rectification_order(request, pk: int, payload: s.RectificationOrderIn):
    _visible_task(request, pk)
    services.rectification_order(actor=request.user, task=pk, **payload.dict())
    return _task(request, pk)


@router.post(
    "/tasks/{int:pk}/rectification/evidence", response={201: s.EvidenceOut}, summary="上传整改证明材料"
)
def rectification_evidence_upload(request, pk: int, file: File[UploadedFile]):
    _visible_task(request, pk)
    evidence = services.rectification_attach_evidence(actor=request.user, task=pk, file=file)
    return Status(201, presenters._evidence_row(pk, evidence, "supervision_rectification_evidence"))


@router.get(
    "/tasks/{int:pk}/rectification-evidence/{int:evidence_id}",
    summary="下载整改证明材料",
    url_name="supervision_rectification_evidence",
)
def rectification_evidence_download(request, pk: int, evidence_id: int):
    return selectors.rectification_evidence_get(request.user, pk, evidence_id).serve()


@router.post("/tasks/{int:pk}/rectification/submit", response=s.TaskOut, summary="提交整改报告(评价机构)")
def rectification_submit(request, pk: int, payload: s.RectificationSubmitIn):
    _visible_task(request, pk)
    services.rectification_submit(actor=request.user, task=pk, plan=payload.plan)
    return _task(request, pk)


@router.post("/tasks/{int:pk}/rectification/review", response=s.TaskOut, summary="整改复核")
def rectification_review(request, pk: int, payload: s.RectificationReviewIn):
    _visible_task(request, pk)
    services.rectification_review(actor=request.user, task=pk, **payload.dict())
    return _task(request, pk)


@router.post("/tasks/{int:pk}/close", response=s.TaskOut, summary="办结任务")
def task_close(request, pk: int, payload: s.CloseIn):
    _visible_task(request, pk)
    services.task_close(actor=request.user, task=pk, note=payload.note, row_version=payload.row_version)
    return _task(request, pk)


@router.post("/tasks/{int:pk}/escalate", response=s.TaskOut, summary="移送处理")  # INST-4
def task_escalate(request, pk: int, payload: s.ReasonIn):
    _visible_task(request, pk)
    services.task_escalate(
        actor=request.user, task=pk, reason=payload.reason, row_version=payload.row_version
    )
    return _task(request, pk)


@router.post("/tasks/{int:pk}/cancel", response=s.TaskOut, summary="取消任务")
def task_cancel(request, pk: int, payload: s.ReasonIn):
    _visible_task(request, pk)
    services.task_cancel(actor=request.user, task=pk, reason=payload.reason, row_version=payload.row_version)
    return _task(request, pk)


@router.post("/tasks/{int:pk}/ratings", response={201: s.RatingOut}, summary="评价督导员(评价机构)")  # SUP-11
def rating_submit(request, pk: int, payload: s.RatingIn):
    _visible_task(request, pk)
    rating = services.rating_submit(
        actor=request.user,
        task=pk,
        supervisor=payload.supervisor_id,
        scores=payload.scores,
        comment=payload.comment,
    )
    return Status(201, presenters.rating_row(selectors.rating_list(request.user, task=pk).get(pk=rating.pk)))


# ------------------------------------------------------------------------- ratings & performance
@router.get("/ratings", response=s.RatingPage, summary="督导员评价列表")
def rating_list(request, filters: Query[s.RatingFilters]):
    qs = selectors.rating_list(request.user, supervisor=filters.supervisor, task=filters.task)
    return _page(qs, filters, presenters.rating_row)


@router.get(
    "/supervisors/{int:pk}/record",
    response=s.SupervisorRecordOut,
    summary="督导员履职记录",  # SUP-9…11
)
def supervisor_record(request, pk: int, year: int | None = Query(None, ge=1900, le=2100, description="年度")):
    record = selectors.supervisor_record(request.user, pk, year=year)
    sup = record["supervisor"]
    return {
        "supervisor_id": sup.pk,
        "name": sup.person.name,
        "kind": sup.kind,
        "status": sup.status,
        "dismissal_flag": sup.dismissal_flag,
        "year": year,
        "stats": record["stats"].as_dict(),
        "tasks": [
            {
                "task_id": m.task_id,
                "number": m.task.number,
                "institution_name": m.task.institution.name,
                "starts_at": m.task.starts_at.isoformat(),
                "role": m.role,
                "response": m.response,
                "justified": m.justified,
                "status": m.task.status,
            }
            for m in record["memberships"]
        ],
        "ratings": [
            {
                "task_id": r.task_id,
                "total": r.total,
                "band": workflow.rating_band(r.total),
                "comment": r.comment,
            }
            for r in record["ratings"]
        ],
        "misconduct": [
            {
                "id": m.pk,
                "kind": m.kind,
                "kind_label": m.get_kind_display(),
                "occurred_on": m.occurred_on.isoformat(),
                "withdrawn": m.withdrawn_at is not None,
            }
            for m in record["misconduct"]
        ],
        "assessments": [
            {"id": a.pk, "year": a.year, "decision": a.decision, "decision_label": a.get_decision_display()}
            for a in record["assessments"]
        ],
    }


def _assessment_row(a) -> dict[str, Any]:
    return {
        "id": a.pk,
        "supervisor_id": a.supervisor_id,
        "supervisor_name": a.supervisor.person.name,
        "year": a.year,
        "metrics": a.metrics,
        "decision": a.decision,
        "decision_label": a.get_decision_display(),
        "note": a.note,
        "decided_at": a.decided_at,
    }


@router.get("/assessments", response=s.AssessmentPage, summary="督导员年度考核")  # SUP-9
def assessment_list(request, filters: Query[s.AssessmentFilters]):
    qs = selectors.assessment_list(
        request.user, supervisor=filters.supervisor, year=filters.year, decision=filters.decision
    )
    return _page(qs, filters, _assessment_row)


@router.post("/assessments", response={201: s.AssessmentOut}, summary="作出年度考核结论")
def assessment_decide(request, payload: s.AssessmentIn):
    a = services.assessment_decide(
        actor=request.user,
        supervisor=payload.supervisor_id,
        year=payload.year,
        decision=payload.decision,
        note=payload.note,
    )
    return Status(201, _assessment_row(selectors.assessment_list(request.user).get(pk=a.pk)))


@router.post(
    "/supervisors/{int:pk}/renew",
    response={201: s.SupervisionContractOut},
    summary="续聘(考核合格;至多三届)",  # SUP-5
)
def supervisor_renew(request, pk: int, payload: s.RenewIn):
    contract = services.supervisor_renew(actor=request.user, supervisor=pk, starts_on=payload.starts_on)
    return Status(
        201,
        {
            "id": contract.pk,
            "supervisor_id": contract.supervisor_id,
            "term_no": contract.term_no,
            "starts_on": contract.starts_on,
            "ends_on": contract.ends_on,
        },
    )


def _misconduct_row(m) -> dict[str, Any]:
    return {
        "id": m.pk,
        "supervisor_id": m.supervisor_id,
        "supervisor_name": m.supervisor.person.name,
        "kind": m.kind,
        "kind_label": m.get_kind_display(),
        "task_id": m.task_id,
        "description": m.description,
        "occurred_on": m.occurred_on,
        "withdrawn_at": m.withdrawn_at,
        "withdraw_reason": m.withdraw_reason,
        "row_version": m.row_version,
    }


@router.get("/misconduct", response=s.MisconductPage, summary="督导员违规记录")  # SUP-10
def misconduct_list(request, filters: Query[s.MisconductFilters]):
    qs = selectors.misconduct_list(request.user, supervisor=filters.supervisor, active=filters.active)
    return _page(qs, filters, _misconduct_row)


@router.post("/misconduct", response={201: s.MisconductOut}, summary="记录督导员违规")  # SUP-10
def misconduct_record(request, payload: s.MisconductIn):
    record = services.misconduct_record(
        actor=request.user,
        supervisor=payload.supervisor_id,
        kind=payload.kind,
        description=payload.description,
        occurred_on=payload.occurred_on,
        task=payload.task_id,
    )
    return Status(201, _misconduct_row(selectors.misconduct_get(request.user, record.pk)))


@router.post("/misconduct/{int:pk}/withdraw", response=s.MisconductOut, summary="撤销违规记录")
def misconduct_withdraw(request, pk: int, payload: s.ReasonIn):
    record = selectors.misconduct_get(request.user, pk)
    services.misconduct_withdraw(
        actor=request.user, record=record, reason=payload.reason, row_version=payload.row_version
    )
    return _misconduct_row(selectors.misconduct_get(request.user, pk))


# ------------------------------------------------------------------------------------- penalties
def _penalty_row(p: Penalty) -> dict[str, Any]:
    return {
        "id": p.pk,
        "authority_id": p.authority_id,
        "institution_id": p.institution_id,
        "institution_name": p.institution.name,
        "filing_id": p.filing_id,
        "filing_number": p.filing.number if p.filing_id else "",
        "filing_status": p.filing.status if p.filing_id else "",
        "task_id": p.task_id,
        "kind": p.kind,
        "kind_label": p.get_kind_display(),
        "ground": p.ground,
        "ground_label": workflow.PENALTY_GROUNDS.get(p.ground, ""),
        "description": p.description,
        "status": p.status,
        "status_label": p.get_status_display(),
        "decided_at": p.decided_at,
        "lifted_at": p.lifted_at,
        "lift_reason": p.lift_reason,
        "escalated_from_id": p.escalated_from_id,
        "serious": p.serious,
        "serious_reason": p.serious_reason,
        "responsible_persons": list(p.responsible_persons or []),
        "row_version": p.row_version,
    }


@router.get("/penalties", response=s.PenaltyPage, summary="处理决定列表")  # INST-4
def penalty_list(request, filters: Query[s.PenaltyFilters]):
    qs = selectors.penalty_list(
        request.user, institution=filters.institution, kind=filters.kind, status=filters.status, q=filters.q
    )
    return _page(qs, filters, _penalty_row)


@router.get("/penalties/{int:pk}", response=s.PenaltyOut, summary="处理决定详情")
def penalty_detail(request, pk: int):
    return _penalty_row(selectors.penalty_get(request.user, pk))


@router.post("/penalties", response={201: s.PenaltyOut}, summary="作出处理决定(暂停/取消会变更备案状态)")
def penalty_impose(request, payload: s.PenaltyIn):
    penalty = services.penalty_impose(
        actor=request.user,
        institution=payload.institution_id,
        kind=payload.kind,
        ground=payload.ground,
        description=payload.description,
        task=payload.task_id,
        filing=payload.filing_id,
        escalated_from=payload.escalated_from_id,
        serious=payload.serious,
        serious_reason=payload.serious_reason,
        responsible_persons=payload.responsible_persons,
    )
    return Status(201, _penalty_row(selectors.penalty_get(request.user, penalty.pk)))


@router.post("/penalties/{int:pk}/lift", response=s.PenaltyOut, summary="解除暂停")
def penalty_lift(request, pk: int, payload: s.ReasonIn):
    selectors.penalty_get(request.user, pk)
    services.penalty_lift(
        actor=request.user, penalty=pk, reason=payload.reason, row_version=payload.row_version
    )
    return _penalty_row(selectors.penalty_get(request.user, pk))


# ---------------------------------------------------------------------------------- public (一公开)
def _public_row(draw: Draw) -> dict[str, Any]:
    return {
        "id": draw.pk,
        "number": draw.number,
        "title": draw.title,
        "authority_name": draw.authority.name,
        "institution_name": draw.institution.name if draw.institution_id else "",
        "kind": draw.kind,
        "kind_label": draw.get_kind_display(),
        "period_start": draw.period_start,
        "period_end": draw.period_end,
        "task_kind": draw.task_kind,
        "task_kind_label": draw.get_task_kind_display(),
        "covert": draw.covert_policy == Draw.CovertPolicy.COVERT,
        "status": draw.status,
        "status_label": draw.get_status_display(),
        "published_at": draw.published_at,
        "locked_at": draw.locked_at,
        "scenario_digest": draw.scenario_digest,
        "seed_commitment": draw.seed_commitment,
        "hash_algorithm": draw.hash_algorithm,
        "cancel_reason": draw.cancel_reason if draw.status == Draw.Status.CANCELLED else "",
        "cancelled_at": draw.cancelled_at,
    }


@router.get("/public/draws", response=s.PublicDrawPage, auth=None, summary="公开:已公布的双随机抽取")
def public_draw_list(request, filters: Query[s.PublicDrawFilters]):
    qs = selectors.public_draws(q=filters.q, year=filters.year, authority=filters.authority)
    return _page(qs, filters, _public_row)


@router.get("/public/draws/{int:pk}", response=s.PublicDrawOut, auth=None, summary="公开:抽取详情与结果")
def public_draw_detail(request, pk: int):
    return presenters.public_draw(selectors.public_draw_get(pk))


@router.get("/public/draws/{int:pk}/scenario", auth=None, summary="公开:下载抽取情景(用于校验)")
def public_draw_scenario(request, pk: int):
    draw = selectors.public_draw_get(pk)
    if not selectors.draw_disclosure(draw)["scenario"]:
        raise NotFound("暗访抽取的情景在全部任务报告提交后公开")
    return _json_file(draw.scenario, f"{draw.number}-scenario.json")


@router.get("/public/draws/{int:pk}/result", auth=None, summary="公开:下载抽取结果(用于校验)")
def public_draw_result(request, pk: int):
    draw = selectors.public_draw_get(pk)
    if not selectors.draw_disclosure(draw)["result"]:
        raise NotFound("抽取结果尚未公开")
    return _json_file(draw.result, f"{draw.number}-result.json")


@router.get("/public/draws/{int:pk}/record", auth=None, summary="公开:下载核验记录(承诺值、见证人、种子)")
def public_draw_record(request, pk: int):
    from dudao.common.domain import canonical_json

    draw = selectors.public_draw_get(pk)
    record = presenters.draw_record(draw, reveal=selectors.draw_disclosure(draw)["seed"])
    return _json_file(canonical_json(record), f"{draw.number}-record.json")


@router.get("/public/draws/{int:pk}/verify", response=s.VerifyOut, auth=None, summary="公开:在线校验抽取结果")
def public_draw_verify(request, pk: int):
    """Check the revealed seed against its commitment, the scenario against its digest, each witness value
    against its commitment, the final seed's derivation, and the result against a recomputation (the
    same function as the page and `dudao draw verify --record`)."""
    draw = selectors.public_draw_get(pk)
    if not selectors.draw_disclosure(draw)["verify"]:
        raise NotFound("抽取结果尚未公开,暂不能校验")
    return presenters.public_verification(draw)


@router.get("/public/tasks", response=s.PublicTaskPage, auth=None, summary="公开:督导任务结果与整改情况")
def public_task_list(request, filters: Query[s.PublicTaskFilters]):
    qs = selectors.public_tasks(draw=filters.draw, institution=filters.institution, q=filters.q)
    page = paginate(qs, filters.page, filters.page_size)
    policies: dict[int, Any] = {}
    items = []
    for task in page.items:
        if task.authority_id not in policies:
            policies[task.authority_id] = selectors.policy_for(task.authority_id)
        items.append(presenters.public_task(task, policies[task.authority_id]))
    page.items = items
    return page.as_dict()


@router.get("/tasks/{int:pk}/report.{fmt}", summary="下载督导报告(docx 或 pdf)")
def download_report(request, pk: int, fmt: str, version: int | None = None):
    task, report = documents.report_for(request.user, pk, version)
    data, filename = documents.render_report(task, report, fmt)
    return document_response(data, filename=filename)


@router.get("/opinions/{int:pk}/document.{fmt}", summary="下载初步督导意见/督导意见书(docx 或 pdf)")
def download_opinion(request, pk: int, fmt: str):
    data, filename = documents.render_opinion(documents.opinion_for(request.user, pk), fmt)
    return document_response(data, filename=filename)


@router.get("/penalties/{int:pk}/notice.{fmt}", summary="下载处理决定(docx 或 pdf)")
def download_penalty(request, pk: int, fmt: str):
    data, filename = documents.render_penalty(documents.penalty_for(request.user, pk), fmt)
    return document_response(data, filename=filename)


# The termination endpoints live in their own module and register on this router.
from . import api_plans, api_surveys, api_terminations  # noqa: E402, F401  (plans: the yearly cycle, ACT-6)
