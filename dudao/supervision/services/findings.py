"""Findings recorded on site, with their evidence (ACT-1 checklist areas)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dudao.common import audit
from dudao.common.errors import (
    IllegalTransition,
)
from dudao.common.writes import (
    check_fields,
    check_version,
    fail,
    lock,
    require,
    save_fields,
    save_new,
    text,
    visible_or_404,
)

from .. import selectors, workflow
from ..models import (
    Finding,
    FindingEvidence,
    SupervisionTask,
    TaskKind,
)
from ..permissions import (
    is_accepted_member,
)
from .base import _lock_task

S = SupervisionTask.Status


# -------------------------------------------------------------------------------------- findings
def _require_on_site_member(actor, task: SupervisionTask) -> None:
    require(is_accepted_member(actor, task), "只有已接受任务的督导组成员可以记录督导发现")
    if task.status != S.ON_SITE:
        raise IllegalTransition("只有现场督导中的任务可以记录或修改督导发现(报告提交后不可更改)")


def _finding_values(task: SupervisionTask, values: dict[str, Any]) -> dict[str, Any]:
    if "content_area" in values:
        area = values["content_area"]
        if area not in workflow.CONTENT_AREAS:
            raise fail("content_area", "督导内容编号不正确")  # ACT-1
        if task.kind == TaskKind.SPECIAL and task.items and area not in task.items:
            raise fail("content_area", "专项督导只记录事先明确的督导事项")  # ACT-4
    if "method" in values and values["method"] not in workflow.METHODS:
        raise fail("method", "督导方式不正确")  # SUP-6
    if values.get("method") == "covert_visit" and not task.covert:
        raise fail("method", "明察任务不能记录为暗访")
    if "severity" in values and values["severity"] not in workflow.SEVERITIES:
        raise fail("severity", "严重程度不正确")
    if "description" in values:
        values["description"] = text(values["description"])
        if values.get("severity", "none") in workflow.PROBLEM_SEVERITIES and not values["description"]:
            raise fail("description", "发现问题时须描述具体情况")
    return values


@transaction.atomic
def finding_add(
    *,
    actor,
    task: SupervisionTask | int,
    content_area: str,
    method: str,
    severity: str,
    description: str = "",
) -> Finding:
    """Record one finding on site (checklist entry per ACT-1 area; SUP-6 method; severity)."""
    obj = _lock_task(actor, task)
    _require_on_site_member(actor, obj)
    values = _finding_values(
        obj,
        {"content_area": content_area, "method": method, "severity": severity, "description": description},
    )
    finding = Finding(task=obj, recorded_by=actor, **values)
    save_new(finding)
    audit.record(actor=actor, action="supervision.finding.add", obj=finding, after=audit.snapshot(finding))
    return finding


@transaction.atomic
def finding_update(*, actor, finding: Finding | int, row_version: int, **changes: Any) -> Finding:
    """Correct a finding while the group is on site (saved per item: one request per change)."""
    target = visible_or_404(Finding.objects.filter(task__in=selectors.tasks_for(actor)), finding)
    task = lock(SupervisionTask, target.task_id)
    _require_on_site_member(actor, task)
    obj = lock(Finding, target.pk)
    check_version(obj, row_version)
    check_fields(changes, ("content_area", "method", "severity", "description"))
    merged = {
        "severity": changes.get("severity", obj.severity),
        **changes,
    }
    if "description" not in merged:
        merged["description"] = obj.description
    values = _finding_values(task, merged)
    before = audit.snapshot(obj)
    for name in changes:
        setattr(obj, name, values[name])
    if obj.severity in workflow.PROBLEM_SEVERITIES and not obj.description:
        raise fail("description", "发现问题时须描述具体情况")
    save_fields(obj, list(changes))
    audit.record(
        actor=actor, action="supervision.finding.update", obj=obj, before=before, after=audit.snapshot(obj)
    )
    return obj


@transaction.atomic
def finding_delete(*, actor, finding: Finding | int) -> None:
    """Remove a finding recorded by mistake (on site only); its evidence records go with it."""
    target = visible_or_404(Finding.objects.filter(task__in=selectors.tasks_for(actor)), finding)
    task = lock(SupervisionTask, target.task_id)
    _require_on_site_member(actor, task)
    before = audit.snapshot(target)
    audit.record(
        actor=actor,
        action="supervision.finding.delete",
        object_type="supervision.finding",
        object_id=target.pk,
        object_label=str(target),
        before=before,
    )
    target.delete()


@transaction.atomic
def finding_attach_evidence(
    *, actor, finding: Finding | int, file: Any, name: str | None = None
) -> FindingEvidence:
    """Attach a photo/PDF/spreadsheet to a finding (type checked by content; stored by SHA-256)."""
    from dudao.common.files import store_upload

    target = visible_or_404(Finding.objects.filter(task__in=selectors.tasks_for(actor)), finding)
    task = lock(SupervisionTask, target.task_id)
    _require_on_site_member(actor, task)
    if file is None:
        raise fail("file", "请选择要上传的文件")
    if FindingEvidence.objects.filter(finding=target).count() >= 20:
        raise fail("file", "每条督导发现最多上传 20 个证据文件")
    stored = store_upload(file, name=name)
    evidence = FindingEvidence(
        finding=target,
        uploaded_by=actor,
        **stored.fields(),
    )
    save_new(evidence)
    audit.record(
        actor=actor, action="supervision.evidence.attach", obj=evidence, after=audit.snapshot(evidence)
    )
    return evidence


@transaction.atomic
def finding_remove_evidence(*, actor, evidence: FindingEvidence | int) -> None:
    """Remove an evidence record on site (the stored bytes stay: they may be shared by content)."""
    target = visible_or_404(
        FindingEvidence.objects.filter(finding__task__in=selectors.tasks_for(actor)), evidence
    )
    task = lock(SupervisionTask, target.finding.task_id)
    _require_on_site_member(actor, task)
    audit.record(
        actor=actor,
        action="supervision.evidence.remove",
        object_type="supervision.findingevidence",
        object_id=target.pk,
        object_label=str(target),
        before=audit.snapshot(target),
    )
    target.delete()
