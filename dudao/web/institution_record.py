"""机构档案: one page per institution with everything the platform holds about it — filings, batches,
supervision history, findings, rectifications, renewals and penalties.

Every section is read through its own app's scoped selector (an institution user sees its own institution,
authority staff their region; anyone else gets 404), in a fixed number of queries however long the
history is (tests assert the count). Links are rendered only where the viewer may follow them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dudao.accounts.permissions import can_reveal_pii, is_institution_user, is_superuser
from dudao.common.exports import mask_phone
from dudao.registry import selectors as registry
from dudao.registry.models import Institution
from dudao.renewals import selectors as renewals
from dudao.renewals.permissions import can_use_renewals
from dudao.supervision import selectors as supervision
from dudao.supervision import workflow
from dudao.supervision.models import Finding, Rectification
from dudao.supervision.transitions import AFTER_REPORT
from dudao.supervision.views.common import office_pages
from dudao.web.kit import application_errors_as_http

# Each section shows the newest rows; the counts say how many there are in all.
SECTION_LIMIT = 20


@dataclass
class Section:
    items: list[Any]
    total: int


@dataclass
class InstitutionRecord:
    institution: Institution
    contact_phone: str
    filings: Section
    batches: Section
    tasks: Section
    findings: Section
    rectifications: Section
    renewals: Section
    penalties: Section
    links: dict[str, bool] = field(default_factory=dict)


def _section(qs, limit: int = SECTION_LIMIT) -> Section:
    items = list(qs[:limit])
    total = len(items) if len(items) < limit else qs.count()
    return Section(items=items, total=total)


def institution_record(user: Any, pk: Any) -> InstitutionRecord:
    """The institution's record as `user` may see it (NotFound outside the user's scope)."""
    institution = registry.institution_get(user, pk)
    tasks_qs = supervision.task_list(user, institution=institution.pk).order_by("-starts_at", "-id")
    visible_tasks = tasks_qs.values("pk")
    if is_institution_user(user) and not is_superuser(user):
        # What the group found reaches the institution with the report (as on the task page).
        visible_tasks = tasks_qs.filter(status__in=AFTER_REPORT).values("pk")
    findings = (
        Finding.objects.filter(task__in=visible_tasks, severity__in=workflow.PROBLEM_SEVERITIES)
        .select_related("task")
        .order_by("-task__starts_at", "-id")
    )
    rectifications = (
        Rectification.objects.filter(task__in=tasks_qs.values("pk"))
        .select_related("task")
        .order_by("-due_on", "-id")
    )
    phone = institution.contact_phone or ""
    return InstitutionRecord(
        institution=institution,
        contact_phone=phone if can_reveal_pii(user) else mask_phone(phone),
        filings=_section(registry.filing_list(user, institution=institution.pk)),
        batches=_section(registry.batch_list(user, institution=institution.pk, with_examiners=False)),
        tasks=_section(tasks_qs),
        findings=_section(findings),
        rectifications=_section(rectifications),
        renewals=_section(renewals.application_list(user, institution=institution.pk)),
        penalties=_section(supervision.penalty_list(user, institution=institution.pk)),
        links={
            "supervision": bool(office_pages(user)),
            "renewals": bool(can_use_renewals(user)),
        },
    )


@login_required
@require_GET
@application_errors_as_http
def institution_record_page(request, pk: int):
    record = institution_record(request.user, pk)
    return render(
        request,
        "web/institution_record.html",
        {
            "record": record,
            "institution": record.institution,
            "severity_labels": workflow.SEVERITIES,
            "ground_labels": workflow.PENALTY_GROUNDS,
            "counts": [
                ("备案", record.filings, "filings"),
                ("评价批次", record.batches, "batches"),
                ("督导记录", record.tasks, "tasks"),
                ("发现问题", record.findings, "findings"),
                ("整改", record.rectifications, "rectifications"),
                ("延续备案", record.renewals, "renewals"),
                ("处理决定", record.penalties, "penalties"),
            ],
        },
    )
