"""Renewal services, new filing applications (新备案申请, REN-6): submit, review, site evaluation, decision.
Re-exported by dudao.renewals.services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    validation_error_from_django,
)
from dudao.common.files import PAPER_KINDS, StoredFile, store_upload
from dudao.common.transitions import apply_transition, check_transition
from dudao.common.writes import checked_text, lock_version, parse_date
from dudao.notifications.recipients import institution_users
from dudao.notifications.services import notify
from dudao.registry import selectors as registry_selectors
from dudao.registry import services as registry_services
from dudao.registry.models import Filing

from . import domain, selectors
from .models import (
    FilingApplication,
    FilingApplicationAttachment,
    RenewalApplication,
)
from .permissions import (
    can_amend_filing_application,
    can_apply_filing,
    can_handle_filing_application,
)
from .services import _today

# --------------------------------------------------------------------------------------------- new filings
# 新备案申请 (REN-6 sends late renewals here). Workflow (FILING_TRANSITIONS; docs/manual/renewals.md):
#
#   submitted ──accept──▶ accepted ──site evaluation──▶ evaluated ──approve──▶ approved (Filing created)
#       │  ╰──return──▶ returned ──resubmit──▶ submitted                  ╰──refuse──▶ refused
#       ╰──refuse──▶ refused;  submitted / returned ──withdraw──▶ withdrawn

F_S = FilingApplication.Status
FA = FilingApplicationAttachment.Material
FILING_TRANSITIONS: Mapping[str, Mapping[str, Callable[[Any, Any], bool]]] = {
    F_S.SUBMITTED: {
        F_S.ACCEPTED: can_handle_filing_application,
        F_S.RETURNED: can_handle_filing_application,
        F_S.REFUSED: can_handle_filing_application,
        F_S.WITHDRAWN: can_amend_filing_application,
    },
    F_S.RETURNED: {F_S.SUBMITTED: can_amend_filing_application, F_S.WITHDRAWN: can_amend_filing_application},
    F_S.ACCEPTED: {F_S.EVALUATED: can_handle_filing_application},
    F_S.EVALUATED: {F_S.APPROVED: can_handle_filing_application, F_S.REFUSED: can_handle_filing_application},
    F_S.APPROVED: {},
    F_S.REFUSED: {},
    F_S.WITHDRAWN: {},
}
DENIED_FILING = "只有受理该备案申请的人力社保部门可以办理此步骤"
OPEN_FILING = ("active", "suspended", "rectifying")
REVIEW_DECISIONS = {"accept": F_S.ACCEPTED, "return": F_S.RETURNED, "refuse": F_S.REFUSED}


def _filing_app(actor: Any, application: FilingApplication | int) -> FilingApplication:
    pk = application.pk if isinstance(application, FilingApplication) else application
    return selectors.filing_application_get(actor, pk)


def _filing_move(
    app: FilingApplication, *, to: str, actor: Any, action: str, changes: Mapping[str, Any] | None = None
) -> FilingApplication:
    moved = apply_transition(
        FilingApplication,
        app.pk,
        to=to,
        actor=actor,
        table=FILING_TRANSITIONS,
        action=action,
        noun="备案申请",
        changes=changes,
    )
    assert isinstance(moved, FilingApplication)
    return moved


def _check_filing_move(app: FilingApplication, to: str, actor: Any, denied: str = DENIED_FILING) -> None:
    check_transition(FILING_TRANSITIONS, app, to, actor, noun="备案申请", denied=denied)


def _filing_link(app: FilingApplication) -> str:
    return reverse("renewals:filing_application_detail", args=[app.pk])


def _notify_filing(app: FilingApplication, recipients: Any, kind: str, title: str, body: str = "") -> None:
    notify(
        recipients=recipients,
        kind=kind,
        title=title[:200],
        body=body,
        link=_filing_link(app),
        obj=app,
        dedupe_key=f"{kind}:{app.pk}:{app.row_version}",
    )


def _clean_scope(scope: Any) -> list[dict[str, Any]]:
    """The requested scope: one row per occupation (+ work type) with its levels (INST-2 FilingScope)."""
    from dudao.registry.models import Occupation

    if not isinstance(scope, list | tuple) or not scope:
        raise ValidationFailed("请填写申请的认定范围(职业及等级)", detail={"scope": ["请填写认定范围"]})
    if len(scope) > 100:
        raise ValidationFailed("认定范围最多 100 行", detail={"scope": ["认定范围最多 100 行"]})
    rows: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    for n, row in enumerate(scope, start=1):
        key = f"scope.{n}"
        if not isinstance(row, Mapping):
            raise ValidationFailed(f"第 {n} 行认定范围格式不正确", detail={key: ["格式不正确"]})
        try:
            occupation_id = int(row.get("occupation"))
            levels = sorted({int(v) for v in row.get("levels") or ()}, reverse=True)  # as FilingScope
        except (TypeError, ValueError):
            raise ValidationFailed(f"第 {n} 行职业或等级不正确", detail={key: ["职业或等级不正确"]}) from None
        occupation = Occupation.objects.filter(pk=occupation_id, is_active=True).first()
        if occupation is None:
            raise ValidationFailed(f"第 {n} 行职业不存在或已停用", detail={key: ["职业不存在或已停用"]})
        if not levels or any(v not in range(1, 6) for v in levels):
            raise ValidationFailed(f"第 {n} 行请选择一至五级中的等级", detail={key: ["等级不正确"]})
        if not isinstance(row.get("work_type") or "", str):
            raise ValidationFailed(f"第 {n} 行工种应为文字", detail={key: ["工种应为文字"]})
        work_type = str(row.get("work_type") or "").strip()[:64]
        if (occupation_id, work_type) in seen:
            raise ValidationFailed(f"第 {n} 行职业(工种)重复", detail={key: ["职业(工种)重复"]})
        seen.add((occupation_id, work_type))
        rows.append(
            {
                "occupation": occupation_id,
                "occupation_code": occupation.code,
                "occupation_name": occupation.name,
                "work_type": work_type,
                "levels": levels,
            }
        )
    return rows


def _filing_materials(materials: Mapping[str, Any] | None) -> dict[str, str]:
    """The free-text parts of the application (contact, summary of conditions)."""
    out: dict[str, str] = {}
    limits = {"contact_name": 64, "contact_phone": 32, "summary": 4000}
    for key, value in (materials or {}).items():
        if key not in limits:
            raise ValidationFailed(f"未知的申报信息「{key}」", detail={f"materials.{key}": ["未知字段"]})
        if value is not None and not isinstance(value, str):
            raise ValidationFailed("申报信息应为文字", detail={f"materials.{key}": ["应为文字"]})
        out[key] = checked_text(value, f"materials.{key}", "申报信息", limit=limits[key], required=False)
    return out


def _filing_attachment_files(attachments: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    files: dict[str, list[Any]] = {}
    for kind, value in (attachments or {}).items():
        if kind not in FA.values:
            message = f"未知的材料类型「{kind}」"
            raise ValidationFailed(message, detail={f"attachments.{kind}": [message]})
        items = [v for v in (value if isinstance(value, list | tuple) else [value]) if v]
        if items:
            files[kind] = items
    return files


def _store_filing_attachments(
    actor: Any, app: FilingApplication, files: Mapping[str, list[Any]]
) -> list[Any]:
    stored = [
        (k, f if isinstance(f, StoredFile) else store_upload(f, kinds=PAPER_KINDS))
        for k, items in files.items()
        for f in items
    ]
    rows = [
        FilingApplicationAttachment(application=app, material=material, uploaded_by=actor, **s.fields())
        for material, s in stored
    ]
    FilingApplicationAttachment.objects.bulk_create(rows)
    return rows


@transaction.atomic
def filing_application_submit(
    *,
    actor: Any,
    institution: Any,
    scope: Any,
    materials: Mapping[str, Any] | None = None,
    attachments: Mapping[str, Any] | None = None,
    previous_filing: Filing | int | None = None,
    today: dt.date | None = None,
) -> FilingApplication:
    """An institution applies for a filing (新备案申请): a new institution, or one whose renewal came late
    (REN-6: fewer than 30 days before expiry, not yet expired). The application letter is required."""
    from dudao.registry.models import Institution

    pk = getattr(institution, "pk", institution)
    try:
        target = registry_selectors.institutions_for(actor).select_related("authority").get(pk=int(pk))
    except (Institution.DoesNotExist, TypeError, ValueError):
        raise NotFound("评价机构不存在或无权查看") from None
    if not can_apply_filing(actor, target):
        raise PermissionDenied("只有该评价机构的管理员(或其人力社保部门代为登记)可以提出备案申请")
    if target.authority_id is None:
        raise ValidationFailed("该机构没有登记所属人力社保部门", detail={"institution": ["未登记所属部门"]})
    today = _today(today)
    Institution.objects.select_for_update().filter(pk=target.pk).first()  # one application at a time
    origin = FilingApplication.Origin.NEW
    previous = None
    open_filings = Filing.objects.filter(institution=target, status__in=OPEN_FILING)
    if previous_filing not in (None, ""):
        previous = ref_or_404(open_filings, previous_filing, "原备案不存在、不属于本机构或已终止/到期")
        domain.check_late_renewal(previous.valid_until, today)  # REN-6
        if previous.status in ("suspended", "rectifying"):  # REN-6: apply after resuming
            message = (
                f"原备案处于「{previous.get_status_display()}」状态:因违规违纪处于暂停认定或整改期间的评价机构,"
                "待恢复工作后方可提出申请"
            )
            raise Conflict(message, code="filing_suspended", detail={"previous_filing": [message]})
        if (
            RenewalApplication.objects.filter(filing=previous)
            .exclude(status__in=RenewalApplication.FINAL_STATUSES)
            .exists()
        ):
            raise Conflict("原备案已有正在办理的延续备案申请", code="duplicate")
        origin = FilingApplication.Origin.LATE_RENEWAL
    elif open_filings.filter(valid_until__gte=today).exists():
        current = open_filings.filter(valid_until__gte=today).order_by("-valid_until").first()
        message = (
            f"该机构已有备案 {current.number}(有效期至 {current.valid_until:%Y-%m-%d}),"
            "请在届满 30 日前申请延续备案;逾期申请的,选择原备案按新设立机构申请"
        )
        raise Conflict(message, code="filing_exists", detail={"previous_filing": [message]})
    if (
        FilingApplication.objects.filter(institution=target)
        .exclude(status__in=FilingApplication.FINAL_STATUSES)
        .exists()
    ):
        raise Conflict("该机构已有正在办理的备案申请", code="duplicate")
    rows = _clean_scope(scope)
    clean_materials = _filing_materials(materials)
    files = _filing_attachment_files(attachments)
    if FA.APPLICATION_LETTER not in files:
        message = "请上传备案申请书"
        raise ValidationFailed(
            message, code="materials_missing", detail={"attachments.application_letter": [message]}
        )
    app = FilingApplication(
        institution=target,
        authority=target.authority,
        origin=origin,
        previous_filing=previous,
        scope=rows,
        materials=clean_materials,
        applicant=actor,
        submitted_at=timezone.now(),
    )
    try:
        app.full_clean()
        with transaction.atomic():
            app.save(force_insert=True)
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from None
    except IntegrityError:
        raise Conflict("该机构已有正在办理的备案申请", code="duplicate") from None
    stored = _store_filing_attachments(actor, app, files)
    audit.record(
        actor=actor,
        action="renewals.filing_application.submit",
        obj=app,
        after={**audit.snapshot(app), "attachments": [[r.material, r.sha256] for r in stored]},
    )
    _notify_filing(
        app,
        selectors.authority_users(app.authority_id),
        "filing.new_application",
        f"新的备案申请:{target.name}({app.get_origin_display()})",
    )
    return app


def ref_or_404(qs: Any, value: Any, message: str) -> Any:
    try:
        return qs.get(pk=int(getattr(value, "pk", value)))
    except (qs.model.DoesNotExist, TypeError, ValueError):
        raise ValidationFailed(message, detail={"previous_filing": [message]}) from None


@transaction.atomic
def filing_application_review(
    *,
    actor: Any,
    application: FilingApplication | int,
    decision: str,
    note: str = "",
    row_version: int | None,
) -> FilingApplication:
    """The authority's review of the materials: accept for the site evaluation, return for completion
    (退回补正, with what is missing) or refuse (不予受理, with the reason)."""
    app = _filing_app(actor, application)
    if not can_handle_filing_application(actor, app):
        raise PermissionDenied(DENIED_FILING)
    if decision not in REVIEW_DECISIONS:
        raise ValidationFailed("请选择受理、退回补正或不予受理", detail={"decision": ["取值不正确"]})
    to = REVIEW_DECISIONS[decision]
    note = checked_text(note, "note", "审核意见", limit=2000, required=to != F_S.ACCEPTED)
    locked = lock_version(app, row_version)
    _check_filing_move(locked, to, actor)
    changes: dict[str, Any] = {"review_note": note, "reviewed_by": actor, "reviewed_at": timezone.now()}
    if to == F_S.REFUSED:
        changes.update(decision_note=note, decided_by=actor, decided_at=timezone.now())
    app = _filing_move(
        locked, to=to, actor=actor, action=f"renewals.filing_application.{decision}", changes=changes
    )
    titles = {
        F_S.ACCEPTED: "备案申请已受理,将组织现场评估",
        F_S.RETURNED: "备案申请被退回补正",
        F_S.REFUSED: "备案申请不予受理",
    }
    _notify_filing(app, institution_users(app.institution_id), f"filing.{decision}", titles[to], note)
    return app


@transaction.atomic
def filing_application_resubmit(
    *,
    actor: Any,
    application: FilingApplication | int,
    row_version: int | None,
    scope: Any = None,
    materials: Mapping[str, Any] | None = None,
    attachments: Mapping[str, Any] | None = None,
) -> FilingApplication:
    """The institution completes a returned application (补正) and submits it again."""
    app = _filing_app(actor, application)
    if not can_amend_filing_application(actor, app):
        raise PermissionDenied("只有申请机构的管理员可以补正备案申请")
    locked = lock_version(app, row_version)
    _check_filing_move(locked, F_S.SUBMITTED, actor)
    changes: dict[str, Any] = {"submitted_at": timezone.now()}
    if scope not in (None, "", []):
        changes["scope"] = _clean_scope(scope)
    if materials:
        changes["materials"] = {**locked.materials, **_filing_materials(materials)}
    files = _filing_attachment_files(attachments)
    app = _filing_move(
        locked, to=F_S.SUBMITTED, actor=actor, action="renewals.filing_application.resubmit", changes=changes
    )
    _store_filing_attachments(actor, app, files)
    _notify_filing(
        app,
        selectors.authority_users(app.authority_id),
        "filing.resubmitted",
        f"备案申请已补正:{app.institution.name}",
    )
    return app


@transaction.atomic
def filing_application_withdraw(
    *, actor: Any, application: FilingApplication | int, row_version: int | None
) -> FilingApplication:
    """The institution withdraws an application not yet accepted."""
    app = _filing_app(actor, application)
    if not can_amend_filing_application(actor, app):
        raise PermissionDenied("只有申请机构的管理员可以撤回备案申请")
    locked = lock_version(app, row_version)
    _check_filing_move(locked, F_S.WITHDRAWN, actor)
    return _filing_move(locked, to=F_S.WITHDRAWN, actor=actor, action="renewals.filing_application.withdraw")


@transaction.atomic
def filing_application_record_site(
    *,
    actor: Any,
    application: FilingApplication | int,
    visited_on: Any,
    evaluators: str,
    passed: bool,
    notes: str,
    row_version: int | None,
    today: dt.date | None = None,
) -> FilingApplication:
    """现场评估: the visit's date (not in the future), the evaluators, pass/fail and the findings."""
    app = _filing_app(actor, application)
    if not can_handle_filing_application(actor, app):
        raise PermissionDenied(DENIED_FILING)
    today = _today(today)
    day = visited_on if isinstance(visited_on, dt.date) else parse_date(visited_on, "visited_on")
    if day is None:
        raise ValidationFailed("请填写现场评估日期", detail={"visited_on": ["请填写现场评估日期"]})
    if day > today:
        raise ValidationFailed("现场评估日期不能晚于今天", detail={"visited_on": ["不能晚于今天"]})
    if not isinstance(passed, bool):
        raise ValidationFailed("请选择评估结论", detail={"passed": ["请选择评估结论"]})
    evaluators = checked_text(evaluators, "evaluators", "评估人员", limit=255, required=True)
    notes = checked_text(notes, "notes", "现场评估意见", limit=4000, required=True)
    locked = lock_version(app, row_version)
    _check_filing_move(locked, F_S.EVALUATED, actor)
    if locked.reviewed_at and day < timezone.localtime(locked.reviewed_at).date():
        raise ValidationFailed("现场评估日期不能早于受理日期", detail={"visited_on": ["不能早于受理日期"]})
    return _filing_move(
        locked,
        to=F_S.EVALUATED,
        actor=actor,
        action="renewals.filing_application.site_evaluation",
        changes={
            "site_visit_on": day,
            "evaluators": evaluators,
            "site_passed": passed,
            "site_notes": notes,
            "site_recorded_by": actor,
        },
    )


def _next_filing_receipt(prefix: str, year: int) -> str:
    existing = FilingApplication.objects.filter(receipt_number__startswith=f"{prefix}〔{year}〕").values_list(
        "receipt_number", flat=True
    )
    return domain.document_number(prefix, year, domain.next_document_seq(existing, prefix, year))


@transaction.atomic
def filing_application_decide(
    *,
    actor: Any,
    application: FilingApplication | int,
    approve: bool,
    note: str = "",
    number: str = "",
    row_version: int | None,
    today: dt.date | None = None,
) -> FilingApplication:
    """The decision after the site evaluation. Approval (only after a passed evaluation) creates the Filing
    through the registry service with its scope and validity period, and a receipt number; a late renewal's
    new filing starts the day after the old one expires (no overlap, no gap)."""
    app = _filing_app(actor, application)
    if not can_handle_filing_application(actor, app):
        raise PermissionDenied(DENIED_FILING)
    today = _today(today)
    locked = lock_version(app, row_version)
    to = F_S.APPROVED if approve else F_S.REFUSED
    _check_filing_move(locked, to, actor)
    note = checked_text(note, "note", "决定理由", limit=2000, required=not approve)
    changes: dict[str, Any] = {"decision_note": note, "decided_by": actor, "decided_at": timezone.now()}
    if approve:
        if not locked.site_passed:
            raise IllegalTransition("现场评估结论为不合格,不能准予备案", code="site_failed")
        config = selectors.config_for(locked.authority)
        start = today
        if locked.previous_filing_id:
            previous = Filing.objects.get(pk=locked.previous_filing_id)
            start = max(today, previous.valid_until + dt.timedelta(days=1))
        valid_from, valid_until = domain.new_filing_period(start, config.renewal_years)
        filing = registry_services.filing_create(
            actor=actor,
            institution=locked.institution_id,
            number=number,
            valid_from=valid_from,
            valid_until=valid_until,
            authority=locked.authority_id,
            note=f"新备案申请 {locked.pk} 号准予备案",
            scopes=[
                {"occupation": r["occupation"], "levels": r["levels"], "work_type": r["work_type"]}
                for r in locked.scope
            ],
        )
        changes.update(
            filing=filing,
            receipt_number=_next_filing_receipt(config.filing_prefix, today.year),
            receipt_issued_on=today,
        )
    app = _filing_move(
        locked,
        to=to,
        actor=actor,
        action=f"renewals.filing_application.{'approve' if approve else 'reject'}",
        changes=changes,
    )
    if approve:
        title, body = f"备案申请准予备案(备案 {app.filing.number})", f"备案回执 {app.receipt_number}。"
    else:
        title, body = "备案申请不予备案", note
    _notify_filing(app, institution_users(app.institution_id), "filing.decided", title, body)
    return app
