"""The institution's self-evaluation report (自评报告) of a special supervision (ACT-4 step 2): the group
requests it with a due date, the institution uploads and submits it, the group reviews it together with
the on-site findings; only then may the preliminary opinion be drafted (`check_ready_for_preliminary`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition
from dudao.common.writes import fail, parse_date, require, required_text, save_fields, save_new, text
from dudao.notifications import recipients
from dudao.notifications.services import notify

from .. import selectors, workflow
from ..models import SelfEvaluation, SelfEvaluationFile, SupervisionTask, TaskKind, TaskMember
from ..permissions import can_answer_for_institution, can_manage_task, is_task_leader
from .base import _lock_task, _task_link, _users_of_supervisors

S = SupervisionTask.Status
E = SelfEvaluation.Status
# The group may ask for the report from acceptance until the preliminary opinion is drafted.
REQUEST_STATUSES = frozenset({S.ACCEPTED, S.ON_SITE, S.REPORT_SUBMITTED})
REVIEW_STATUSES = frozenset({S.ON_SITE, S.REPORT_SUBMITTED})
MAX_FILES = 20


def check_ready_for_preliminary(task: SupervisionTask) -> None:
    """ACT-4: a requested self-evaluation report must be received and reviewed before the preliminary
    opinion (called by `preliminary_opinion_prepare`)."""
    row = SelfEvaluation.objects.filter(task=task).first()
    if row is None or row.status == E.REVIEWED:
        return
    if row.status == E.REQUESTED:
        if timezone.localdate() > row.due_on:  # the due day passed without it: the institution cannot stall
            return
        raise IllegalTransition(
            "已要求机构提交自评报告,尚未收到,不能形成初步督导意见", code="self_evaluation_missing"
        )
    raise IllegalTransition(
        "机构的自评报告尚未审阅,请先结合现场督导发现审阅自评报告,再形成初步督导意见",
        code="self_evaluation_unreviewed",
    )


def _row(task: SupervisionTask) -> SelfEvaluation:
    row = SelfEvaluation.objects.select_for_update().filter(task=task).first()
    if row is None:
        raise IllegalTransition("本任务未要求机构提交自评报告", code="no_self_evaluation")
    return row


@transaction.atomic
def self_evaluation_request(
    *, actor, task: SupervisionTask | int, due_on: Any, note: str = ""
) -> SelfEvaluation:
    """The group's leader (or the managing authority) asks the institution for its self-evaluation."""
    obj = _lock_task(actor, task)
    allowed = is_task_leader(actor, obj) or can_manage_task(actor, obj)
    require(allowed, "只有督导组组长或委派机构可以要求自评报告")
    if obj.kind != TaskKind.SPECIAL:
        raise IllegalTransition("只有专项督导要求机构提交自评报告", code="not_special")
    if obj.status not in REQUEST_STATUSES:
        raise IllegalTransition(f"任务当前状态为「{obj.get_status_display()}」,不能要求自评报告")
    if obj.hidden_from_institution:  # a covert visit stays hidden from the institution until the report
        raise IllegalTransition(
            "暗访任务在督导报告提交前不能要求机构提交自评报告", code="covert_not_reported"
        )
    if SelfEvaluation.objects.filter(task=obj).exists():
        raise Conflict("已要求过自评报告", code="duplicate_self_evaluation")
    day = parse_date(due_on, "due_on", "提交期限")
    if day <= timezone.localdate():
        raise fail("due_on", "提交期限须晚于今天")
    row = SelfEvaluation(
        task=obj,
        note=text(note),
        due_on=day,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    save_new(row)
    after = audit.snapshot(row)
    audit.record(actor=actor, action="supervision.self_evaluation.request", obj=row, after=after)
    notify(
        recipients=recipients.institution_admins(obj.institution_id),
        kind="task.self_evaluation_requested",
        title=f"请于 {day.isoformat()} 前提交自评报告:{obj.number}",
        link=_task_link(obj) + "self-evaluation/",
        obj=obj,
        dedupe_key=f"self_evaluation.request:{row.pk}",
    )
    return row


@transaction.atomic
def self_evaluation_upload(
    *, actor, task: SupervisionTask | int, file: Any, name: str | None = None
) -> SelfEvaluationFile:
    """The institution attaches a file (PDF or scanned pages) before submitting (size/type checked)."""
    from dudao.common.files import PAPER_KINDS, store_upload

    obj = _lock_task(actor, task)
    require(can_answer_for_institution(actor, obj), "只有被督导机构可以上传自评报告")
    row = _row(obj)
    if row.status != E.REQUESTED:
        raise IllegalTransition("自评报告已提交,不能再上传文件", code="self_evaluation_submitted")
    if file is None:
        raise fail("file", "请选择要上传的文件")
    if SelfEvaluationFile.objects.filter(self_evaluation=row).count() >= MAX_FILES:
        raise fail("file", f"自评报告最多上传 {MAX_FILES} 个文件")
    stored = store_upload(file, name=name, kinds=PAPER_KINDS)
    added = SelfEvaluationFile(self_evaluation=row, uploaded_by=actor, **stored.fields())
    save_new(added)
    after = audit.snapshot(added)
    audit.record(actor=actor, action="supervision.self_evaluation.file", obj=added, after=after)
    return added


@transaction.atomic
def self_evaluation_submit(*, actor, task: SupervisionTask | int) -> SelfEvaluation:
    """The institution submits the uploaded report; late submissions are accepted and flagged."""
    obj = _lock_task(actor, task)
    require(can_answer_for_institution(actor, obj), "只有被督导机构可以提交自评报告")
    row = _row(obj)
    if row.status != E.REQUESTED:
        raise IllegalTransition("自评报告已提交", code="self_evaluation_submitted")
    if not SelfEvaluationFile.objects.filter(self_evaluation=row).exists():
        raise fail("file", "请先上传自评报告文件")
    before = audit.snapshot(row)
    now = timezone.now()
    row.status = E.SUBMITTED
    row.submitted_by = actor
    row.submitted_at = now
    row.overdue = workflow.is_late(timezone.localtime(now).date(), row.due_on)
    save_fields(row, ["status", "submitted_by", "submitted_at", "overdue"])
    audit.record(
        actor=actor,
        action="supervision.self_evaluation.submit",
        obj=row,
        before=before,
        after=audit.snapshot(row),
    )
    notify(
        recipients=_users_of_supervisors(
            TaskMember.objects.filter(task=obj, active=True, role=TaskMember.Role.LEADER).values_list(
                "supervisor_id", flat=True
            )
        ),
        kind="task.self_evaluation_submitted",
        title=f"机构已提交自评报告:{obj.number} {obj.institution.name}",
        link=_task_link(obj) + "self-evaluation/",
        obj=obj,
    )
    return row


@transaction.atomic
def self_evaluation_review(*, actor, task: SupervisionTask | int, note: str) -> SelfEvaluation:
    """The group's leader records the review of the report against the on-site findings (ACT-4 step 2)."""
    obj = _lock_task(actor, task)
    require(is_task_leader(actor, obj), "只有督导组组长可以审阅自评报告")
    row = _row(obj)
    if row.status == E.REQUESTED:
        raise IllegalTransition("机构尚未提交自评报告", code="self_evaluation_missing")
    if row.status == E.REVIEWED:
        raise IllegalTransition("自评报告已审阅", code="self_evaluation_reviewed")
    if obj.status not in REVIEW_STATUSES:
        raise IllegalTransition(f"任务当前状态为「{obj.get_status_display()}」,不能审阅自评报告")
    before = audit.snapshot(row)
    row.status = E.REVIEWED
    row.review_note = required_text(note, "note", "审阅意见")
    row.reviewed_by = actor
    row.reviewed_at = timezone.now()
    save_fields(row, ["status", "review_note", "reviewed_by", "reviewed_at"])
    findings = list(selectors.task_findings(obj))
    audit.record(
        actor=actor,
        action="supervision.self_evaluation.review",
        obj=row,
        before=before,
        after={**audit.snapshot(row), "findings": [x.pk for x in findings]},
    )
    return row
