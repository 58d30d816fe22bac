"""Writers of the renewal procedure (延续备案, seed 004, REN-1…8).

Workflow (TRANSITIONS below; docs/manual/renewals.md draws it):

    submitted ──accept──▶ under_review ──(employer, REN-3)──▶ renewed | refused
        │                      └──(tech school / social org, REN-4: open CQ-RENEWAL)──▶ evaluating
        ├──not accept──▶ not_accepted
        └──withdraw────▶ withdrawn
    evaluating ──signed score──▶ renewed | rectifying | refused
    rectifying ──open re-evaluation──▶ re_evaluating ──signed score──▶ renewed | refused

Every service: scope check (404), role check (403, REN-7: only the authority holding the filing decides),
row_version (409), input (422); nothing is written when any fails. Filing changes go through the registry
services (status, validity period, scope); evaluations through the scorecards services. Messages go out
through notifications.notify inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from dudao.common import audit, pii
from dudao.common.domain import mask_middle
from dudao.common.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    validation_error_from_django,
)
from dudao.common.files import PAPER_KINDS, StoredFile, store_upload
from dudao.common.refs import not_visible
from dudao.common.transitions import apply_transition, check_transition
from dudao.common.writes import check_version, checked_text, lock_version, parse_date
from dudao.notifications.recipients import institution_users
from dudao.notifications.services import notify
from dudao.registry import selectors as registry_selectors
from dudao.registry import services as registry_services
from dudao.registry.models import Filing, FilingScope
from dudao.scorecards import services as scorecards_services
from dudao.scorecards.models import Evaluation, EvaluationItemNote
from dudao.scorecards.selectors import eligible_evaluators
from dudao.workdays import selectors as workdays_selectors

from . import domain, selectors
from .models import (
    FilingApplication,
    FilingApplicationAttachment,
    RenewalApplication,
    RenewalAttachment,
    RenewalConfig,
)
from .permissions import (
    can_amend_filing_application,
    can_apply,
    can_apply_filing,
    can_configure,
    can_decide,
    can_evaluate,
    can_handle_filing_application,
    can_withdraw,
)
from .scope_forecast import check_scope_not_empty

S = RenewalApplication.Status
A = RenewalAttachment.Material
CLOSED_FILING = ("expired", "terminated")

# status → {next status: role predicate(user, application)}; the only place the workflow is defined.
# Kind-specific branches (employers are reviewed, the others evaluated) are checked by the services.
TRANSITIONS: Mapping[str, Mapping[str, Callable[[Any, Any], bool]]] = {
    S.SUBMITTED: {S.UNDER_REVIEW: can_decide, S.NOT_ACCEPTED: can_decide, S.WITHDRAWN: can_withdraw},
    S.UNDER_REVIEW: {S.RENEWED: can_decide, S.REFUSED: can_decide, S.EVALUATING: can_evaluate},
    S.EVALUATING: {
        S.RENEWED: can_decide,
        S.RECTIFYING: can_decide,
        S.REFUSED: can_decide,
        S.BUREAU_REVIEW: can_evaluate,
    },
    # REN-4 + seed 004 整改通知书: a missed rectification deadline ends in termination (the renewal closes).
    S.RECTIFYING: {S.RE_EVALUATING: can_evaluate, S.REFUSED: can_decide},
    S.RE_EVALUATING: {S.RENEWED: can_decide, S.REFUSED: can_decide, S.BUREAU_REVIEW: can_evaluate},
    # Two-step renewal: the bureau reviews the centre's result, then decides or returns it.
    S.BUREAU_REVIEW: {
        S.RENEWED: can_decide,
        S.RECTIFYING: can_decide,
        S.REFUSED: can_decide,
        S.EVALUATING: can_decide,
        S.RE_EVALUATING: can_decide,
    },
    S.RENEWED: {},
    S.REFUSED: {},
    S.NOT_ACCEPTED: {},
    S.WITHDRAWN: {},
}

DENIED_DECIDE = "只有持有该备案的人力社保部门(委派机构)可以办理此延续备案申请(谁备案、谁负责)"  # REN-7
DENIED_EVALUATE = "本申请的延续备案评估由指定的评估机构组织,您所在机构不能办理此步骤"


# --------------------------------------------------------------------------------------------- helpers


def _visible(actor: Any, application: RenewalApplication | int) -> RenewalApplication:
    """The application if the actor may see it; 404 otherwise (nothing revealed)."""
    pk = application.pk if isinstance(application, RenewalApplication) else application
    return selectors.application_get(actor, pk)


def _require_decider(actor: Any, app: RenewalApplication) -> None:
    if not can_decide(actor, app):
        raise PermissionDenied(DENIED_DECIDE)


def _require_evaluator(actor: Any, app: RenewalApplication) -> None:
    if not can_evaluate(actor, app):
        raise PermissionDenied(DENIED_EVALUATE if app.two_step else DENIED_DECIDE)


def _check_can_move(app: RenewalApplication, to: str, actor: Any) -> None:
    """Refuse early (before any other write) a step TRANSITIONS does not allow for `actor`."""
    denied = (
        DENIED_EVALUATE
        if to == S.BUREAU_REVIEW or (to == S.RE_EVALUATING and app.two_step)
        else DENIED_DECIDE
    )
    check_transition(TRANSITIONS, app, to, actor, noun="申请", denied=denied)


def _move(
    app: RenewalApplication, *, to: str, actor: Any, action: str, changes: Mapping[str, Any] | None = None
) -> RenewalApplication:
    """The transition helper: table + role predicate, save, audit (dudao.common.transitions)."""
    moved = apply_transition(
        RenewalApplication,
        app.pk,
        to=to,
        actor=actor,
        table=TRANSITIONS,
        action=action,
        noun="申请",
        changes=changes,
    )
    assert isinstance(moved, RenewalApplication)
    return moved


def _link(app: RenewalApplication) -> str:
    return reverse("renewals:application_detail", args=[app.pk])


def _notify_authority(
    app: RenewalApplication, *, kind: str, title: str, body: str = "", key: str = ""
) -> None:
    notify(
        recipients=selectors.authority_users(app.authority_id),
        kind=kind,
        title=title[:200],
        body=body,
        link=_link(app),
        obj=app,
        dedupe_key=key,
    )


def _notify_institution(
    app: RenewalApplication, *, kind: str, title: str, body: str = "", key: str = ""
) -> None:
    notify(
        recipients=institution_users(app.institution_id),
        kind=kind,
        title=title[:200],
        body=body,
        link=_link(app),
        obj=app,
        dedupe_key=key,
    )


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# --------------------------------------------------------------------------------------------- settings


KEEP: Any = object()  # renewal_config_save: leave the two-step setting as saved


def _centre(authority: Any, value: Any) -> Any:
    """Two-step renewal: the evaluating centre is another active authority (empty = one step)."""
    from dudao.registry.models import Authority

    if value in (None, ""):
        return None
    try:
        centre = Authority.objects.get(pk=int(getattr(value, "pk", value)), is_active=True)
    except (Authority.DoesNotExist, TypeError, ValueError):
        raise not_visible("evaluation_centre", "评估机构") from None
    if centre.pk == authority.pk:
        message = "评估机构不能是本机构(两步办理由中心评估、本局审核)"
        raise ValidationFailed(message, detail={"evaluation_centre": [message]})
    return centre


@transaction.atomic
def renewal_config_save(
    *,
    actor: Any,
    authority: Any,
    renewal_years: int,
    receipt_prefix: str = domain.DEFAULT_RECEIPT_PREFIX,
    notice_prefix: str = domain.DEFAULT_NOTICE_PREFIX,
    filing_prefix: str | None = None,
    evaluation_centre: Any = KEEP,
    row_version: int | None = None,
) -> RenewalConfig:
    """Save an authority's renewal settings (its own admin or a superuser); audited."""
    if not can_configure(actor, authority):
        raise PermissionDenied("只有本机构管理员可以修改延续备案设置")
    config = RenewalConfig.objects.select_for_update().filter(authority_id=authority.pk).first()
    if config is not None:
        check_version(config, row_version)
    before = audit.snapshot(config) if config else None
    config = config or RenewalConfig(authority=authority)
    config.renewal_years = renewal_years
    config.receipt_prefix = checked_text(receipt_prefix, "receipt_prefix", "回执文号前缀", limit=32)
    config.notice_prefix = checked_text(notice_prefix, "notice_prefix", "整改通知书文号前缀", limit=32)
    if filing_prefix is not None:  # None / KEEP: the saved value stays (callers that do not show it)
        config.filing_prefix = (
            checked_text(filing_prefix, "filing_prefix", "新备案回执文号前缀", limit=32, required=False)
            or domain.DEFAULT_FILING_RECEIPT_PREFIX
        )
    if evaluation_centre is not KEEP:
        config.evaluation_centre = _centre(authority, evaluation_centre)
    if config.pk:
        config.row_version += 1
    try:
        config.full_clean()
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from None
    config.save()
    audit.record(
        actor=actor, action="renewals.config.save", obj=config, before=before, after=audit.snapshot(config)
    )
    return config


# --------------------------------------------------------------------------------------------- apply


def _protect_pii(materials: dict[str, Any]) -> dict[str, Any]:
    """People's ID numbers and phones in the form are stored encrypted and shown masked (SEC-3)."""
    for section in domain.PERSONAL_SECTIONS:
        for row in materials.get(section, []):
            for key, mask in domain.PERSONAL_KEYS.items():
                if key not in row and f"{key}_encrypted" in row:
                    continue  # already protected
                value = row.pop(key, "") or ""
                row[f"{key}_masked"] = mask_middle(value, *mask) if value else ""
                row[f"{key}_encrypted"] = pii.encrypt(value) if value else ""
    return materials


def _attachment_files(attachments: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    files: dict[str, list[Any]] = {}
    for kind, value in (attachments or {}).items():
        if kind not in A.values:
            message = f"未知的材料类型「{kind}」"
            raise ValidationFailed(message, detail={f"attachments.{kind}": [message]})
        items = [v for v in (value if isinstance(value, list | tuple) else [value]) if v]
        if items:
            files[kind] = items
    return files


def _missing_attachments(kind: str, self_built: bool, files: Mapping[str, list[Any]]) -> dict[str, list[str]]:
    """REN-2: (1) the application letter always; (3), (4) for tech schools and social orgs with self-built
    question resources. (2) the renewal form is the structured materials themselves."""
    needed = domain.required_materials(domain.InstitutionKind(kind), self_built)
    by_material = {
        domain.Material.APPLICATION: A.APPLICATION_LETTER,
        domain.Material.QUESTION_EXPLANATION: A.QUESTION_EXPLANATION,
        domain.Material.EXPERT_REVIEW: A.EXPERT_REVIEW,
    }
    errors = {}
    for material in needed:
        attachment = by_material.get(material)
        if attachment is not None and attachment not in files:
            errors[f"attachments.{attachment}"] = [f"请上传{domain.MATERIAL_LABELS[material]}"]  # REN-2
    return errors


def _refuse_path(path: domain.RenewalPath, expires: dt.date) -> None:
    if path is domain.RenewalPath.NEW_FILING:
        message = (
            f"备案有效期至 {expires:%Y-%m-%d},未在届满 {domain.MIN_NOTICE_DAYS} 日前提出延续备案申请,"
            "按新设立评价机构受理,请通过「新备案申请」提出(选择原备案)"  # REN-6
        )
    else:
        message = f"备案有效期已于 {expires:%Y-%m-%d} 届满,届满后提出的延续备案申请不予受理"  # REN-6
    raise ValidationFailed(message, code=f"path_{path.value}", detail={"received_on": [message]})


@transaction.atomic
def renewal_apply(
    *,
    actor: Any,
    filing: Filing | int,
    materials: Mapping[str, Any],
    attachments: Mapping[str, Any] | None = None,
    received_on: dt.date | None = None,
    today: dt.date | None = None,
) -> RenewalApplication:
    """An institution applies to renew a filing with the renewal form and its attachments (REN-1, REN-2).

    The institution's admin applies online (received today); the authority holding the filing may record a
    paper application with its receipt date. The path is planned with the CAL calendar (REN-1, REN-6):
    a late or expired application is refused with the reason; so is one for a filing suspended or
    rectifying for violations (REN-6: apply after resuming). `today` is the clock (tests, scripted runs).
    """
    filing_pk = filing.pk if isinstance(filing, Filing) else filing
    try:
        target = (
            registry_selectors.filings_for(actor).select_related("institution", "authority").get(pk=filing_pk)
        )
    except (Filing.DoesNotExist, ValueError, TypeError):
        raise NotFound("备案不存在或无权查看") from None
    if not can_apply(actor, target):
        raise PermissionDenied("只有该评价机构的管理员(或备案机关工作人员代为登记)可以提出延续备案申请")
    today = _today(today)
    if received_on in (None, "") or not holds_filing_of(actor, target):
        received = today
    else:
        received = received_on if isinstance(received_on, dt.date) else parse_date(received_on, "received_on")
        if received > today:
            raise ValidationFailed(
                "材料收到日期不能晚于今天", detail={"received_on": ["材料收到日期不能晚于今天"]}
            )

    # Lock the filing: two applications for the same filing are checked one after the other.
    locked = Filing.objects.select_for_update().get(pk=target.pk)
    if locked.status in ("suspended", "rectifying"):
        message = (
            f"备案处于「{locked.get_status_display()}」状态:因违规违纪处于暂停认定或整改期间的评价机构,"
            "待恢复工作后方可提出延续备案申请"  # REN-6
        )
        raise Conflict(message, code="filing_suspended", detail={"filing": [message]})
    if locked.status in CLOSED_FILING:
        message = f"备案{locked.get_status_display()},不能申请延续"  # REN-6
        if locked.status == Filing.Status.TERMINATED:
            # REN-6: a terminated filing is not renewed; the institution files again as a new institution.
            message += ";如需继续开展评价,须按新设立评价机构重新申请备案"
        raise Conflict(message, code="filing_closed", detail={"filing": [message]})
    if (
        RenewalApplication.objects.filter(filing=locked)
        .exclude(status__in=RenewalApplication.FINAL_STATUSES)
        .exists()
    ):
        raise Conflict(
            "该备案已有正在办理的延续备案申请", code="duplicate", detail={"filing": ["已有正在办理的申请"]}
        )

    clean = domain.validate_materials(materials)
    domain.check_requested_scope(clean["scope"], selectors.original_scope(locked))
    # REN-5 early (issue 9 §3.2): refuse now, not after the whole evaluation, when nothing would remain.
    check_scope_not_empty(selectors.scope_forecast(locked, clean["scope"], today=today))
    kind = target.institution.kind
    self_built = domain.uses_self_built_questions(clean)
    plan = domain.plan(kind, self_built, locked.valid_until, received, workdays_selectors.calendar())
    path = domain.application_path_after_suspension(
        locked.valid_until, received, selectors.filing_resumed_on(locked)
    )
    if path is not domain.RenewalPath.RENEWAL:
        _refuse_path(path, locked.valid_until)
    files = _attachment_files(attachments)
    missing = _missing_attachments(kind, self_built, files)
    if missing:
        raise ValidationFailed(next(iter(missing.values()))[0], code="materials_missing", detail=missing)
    # Every check passed: now the uploads are stored (type and size checked by content).
    stored = [
        (k, f if isinstance(f, StoredFile) else store_upload(f, kinds=PAPER_KINDS))  # StoredFile: kept
        for k, items in files.items()  # from an earlier post of the page (renewals.pending_files)
        for f in items
    ]

    app = RenewalApplication(
        institution=target.institution,
        filing=locked,
        authority=locked.authority,
        kind=kind,
        self_built_questions=self_built,
        status=S.SUBMITTED,
        received_on=received,
        expires_on=locked.valid_until,
        path=path.value,
        decision_workdays=plan.decision_workdays,
        decide_by=plan.decide_by,
        provisional=plan.provisional,
        period_start=selectors.period_start(locked),
        materials=_protect_pii(clean),
        applicant=actor,
    )
    try:
        app.full_clean()
        with transaction.atomic():
            app.save(force_insert=True)
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from None
    except IntegrityError:  # a concurrent application for the same filing won
        raise Conflict("该备案已有正在办理的延续备案申请", code="duplicate") from None
    rows = [
        RenewalAttachment(
            application=app,
            material=material,
            uploaded_by=actor,
            **s.fields(),
        )
        for material, s in stored
    ]
    RenewalAttachment.objects.bulk_create(rows)
    audit.record(
        actor=actor,
        action="renewals.application.submit",
        obj=app,
        after={
            **audit.snapshot(app),
            "attachments": [[r.material, r.sha256] for r in rows],
        },
    )
    _notify_authority(
        app,
        kind="renewal.new_application",
        title=f"新的延续备案申请:{app.institution.name}(备案 {locked.number})",
        body=f"请于 {app.decide_by:%Y-%m-%d} 前作出决定(收到材料后 {app.decision_workdays} 个工作日内)。",
        key=f"renewal.new_application:{app.pk}",
    )
    return app


def holds_filing_of(actor: Any, filing: Filing) -> bool:
    """The actor belongs to the authority that holds `filing` (or is a superuser)."""
    return bool(getattr(actor, "is_superuser", False)) or bool(
        getattr(actor, "authority_id", None) and actor.authority_id == filing.authority_id
    )


# --------------------------------------------------------------------------------------------- receipt steps


@transaction.atomic
def renewal_accept(
    *, actor: Any, application: RenewalApplication | int, row_version: int | None
) -> RenewalApplication:
    """The authority holding the filing accepts (受理) the application and starts its review."""
    app = _visible(actor, application)
    _require_decider(actor, app)
    locked = lock_version(app, row_version)
    _check_can_move(locked, S.UNDER_REVIEW, actor)
    check_scope_not_empty(selectors.application_forecast(locked))  # REN-5 early (issue 9 §3.2)
    app = _move(
        locked,
        to=S.UNDER_REVIEW,
        actor=actor,
        action="renewals.application.accept",
        changes={
            "accepted_at": timezone.now(),
            "accepted_by": actor,
            # Two-step renewal (seed 004 四(一)) is fixed at acceptance; employers are reviewed in one step.
            "evaluation_centre": None if locked.is_employer else _config(locked).evaluation_centre,
        },
    )
    _notify_institution(
        app,
        kind="renewal.accepted",
        title=f"延续备案申请已受理(备案 {app.filing.number})",
        body=f"办结期限:{app.decide_by:%Y-%m-%d}。",
        key=f"renewal.accepted:{app.pk}",
    )
    return app


@transaction.atomic
def renewal_not_accept(
    *, actor: Any, application: RenewalApplication | int, reason: str, row_version: int | None
) -> RenewalApplication:
    """The authority declines to accept the application (不予受理), with the reason."""
    app = _visible(actor, application)
    _require_decider(actor, app)
    reason = checked_text(reason, "reason", "不予受理的理由", limit=2000, required=True)
    locked = lock_version(app, row_version)
    _check_can_move(locked, S.NOT_ACCEPTED, actor)
    app = _move(
        locked,
        to=S.NOT_ACCEPTED,
        actor=actor,
        action="renewals.application.not_accept",
        changes={"outcome_reason": reason, "decided_at": timezone.now(), "decided_by": actor},
    )
    _notify_institution(
        app,
        kind="renewal.outcome",
        title=f"延续备案申请不予受理(备案 {app.filing.number})",
        body=reason,
        key=f"renewal.outcome:{app.pk}",
    )
    return app


@transaction.atomic
def renewal_withdraw(
    *, actor: Any, application: RenewalApplication | int, reason: str = "", row_version: int | None
) -> RenewalApplication:
    """The institution withdraws an application not yet accepted."""
    app = _visible(actor, application)
    if not can_withdraw(actor, app):
        raise PermissionDenied("只有申请机构的管理员可以撤回申请")
    reason = checked_text(reason, "reason", "撤回原因", limit=2000, required=False)
    locked = lock_version(app, row_version)
    _check_can_move(locked, S.WITHDRAWN, actor)
    app = _move(
        locked,
        to=S.WITHDRAWN,
        actor=actor,
        action="renewals.application.withdraw",
        changes={"outcome_reason": reason, "decided_at": timezone.now()},
    )
    _notify_authority(
        app,
        kind="renewal.withdrawn",
        title=f"{app.institution.name} 撤回了延续备案申请(备案 {app.filing.number})",
        body=reason,
        key=f"renewal.withdrawn:{app.pk}",
    )
    return app


# --------------------------------------------------------------------------------------------- renewal


def _config(app: RenewalApplication) -> RenewalConfig:
    return selectors.config_for(app.authority)


def _next_number(field: str, prefix: str, year: int) -> str:
    existing = RenewalApplication.objects.filter(
        **{f"{field}__startswith": f"{prefix}〔{year}〕"}
    ).values_list(field, flat=True)
    return domain.document_number(prefix, year, domain.next_document_seq(existing, prefix, year))


def _renew_filing(actor: Any, app: RenewalApplication, today: dt.date) -> dict[str, Any]:
    """Extend the filing (per-authority years), end the REN-5 drops, narrow the requested levels.

    Everything through the registry services (permission-checked, audited); returns the changes to save
    on the application.
    """
    filing = Filing.objects.select_for_update().get(pk=app.filing_id)
    if filing.status in CLOSED_FILING:
        raise IllegalTransition(f"备案{filing.get_status_display()},不能延续")
    config = _config(app)
    renewed_from, renewed_until = domain.renewed_period(filing.valid_until, config.renewal_years)
    original = selectors.original_scope(filing)
    activity_end = min(filing.valid_until, today)
    changes = domain.renewal_scope(
        original,
        app.materials.get("scope", []),
        selectors.active_pairs(filing.pk, app.period_start, activity_end),
    )
    if changes and all(c.action is domain.ScopeAction.DROP for c in changes):
        # REN-5 would leave nothing to renew: a receipt for an empty scope is no renewal at all.
        raise ValidationFailed(
            "按延续备案规则,有效期内未开展评价的职业(工种)不予延续;本次延续后认定范围为空,"
            "不能出具延续备案回执。请核实评价开展情况,或作出不予延续的决定。",
            code="empty_renewed_scope",
            detail={"scope_changes": [c.as_json() for c in changes]},
        )
    if filing.status == "rectifying":
        filing = registry_services.filing_set_status(
            actor=actor,
            filing=filing,
            status="active",
            reason="整改后评估合格,准予延续备案",  # REN-4
            row_version=filing.row_version,
        )
    filing = registry_services.filing_update(
        actor=actor, filing=filing, row_version=filing.row_version, valid_until=renewed_until
    )
    for change in changes:
        if change.action is domain.ScopeAction.KEEP:
            continue
        scope = FilingScope.objects.get(pk=change.entry.id)
        registry_services.filing_scope_end(
            actor=actor, scope=scope, ended_on=renewed_from, row_version=scope.row_version
        )
        if change.action is domain.ScopeAction.NARROW:
            registry_services.filing_scope_add(
                actor=actor,
                filing=filing,
                occupation=scope.occupation_id,
                levels=list(change.levels),
                work_type=scope.work_type,
                start_date=renewed_from,
            )
    return {
        "renewed_from": renewed_from,
        "renewed_until": renewed_until,
        "scope_changes": [c.as_json() for c in changes],
        "receipt_number": _next_number("receipt_number", config.receipt_prefix, today.year),
        "receipt_issued_on": today,
    }


def _refusal_changes(actor: Any, app: RenewalApplication, today: dt.date, reason: str) -> dict[str, Any]:
    """REN-4 < 60: the filing ends at its expiry; already past it → expired now, else the daily job."""
    filing = Filing.objects.select_for_update().get(pk=app.filing_id)
    changes: dict[str, Any] = {}
    if filing.valid_until < today and filing.status not in CLOSED_FILING:
        registry_services.filing_set_status(
            actor=actor, filing=filing, status="expired", reason=reason[:255], row_version=filing.row_version
        )
        changes["filing_closed_at"] = timezone.now()
    elif filing.status in CLOSED_FILING:
        changes["filing_closed_at"] = timezone.now()
    return changes


def _outcome_message(app: RenewalApplication) -> tuple[str, str]:
    number = app.filing.number
    if app.status == S.RENEWED:
        return (
            f"延续备案申请已准予延续(备案 {number})",
            f"备案有效期延续至 {app.renewed_until:%Y-%m-%d};延续备案回执 {app.receipt_number}。",
        )
    if app.status == S.RECTIFYING:
        return (
            f"延续备案评估结论为整改(备案 {number})",
            f"评估得分 {app.evaluation_total} 分。请于 {app.rectification_deadline:%Y-%m-%d} 前完成整改,"
            f"整改期内暂停职业技能等级认定工作;整改通知书 {app.notice_number}。",
        )
    return (f"延续备案申请不予延续(备案 {number})", app.outcome_reason)


@transaction.atomic
def renewal_employer_decide(
    *,
    actor: Any,
    application: RenewalApplication | int,
    approve: bool,
    opinion: str,
    row_version: int | None,
    today: dt.date | None = None,
) -> RenewalApplication:
    """REN-3: the review opinion on an employer's application; eligible → renewed with a receipt."""
    app = _visible(actor, application)
    _require_decider(actor, app)
    if not app.is_employer:
        raise IllegalTransition("技工院校、社会培训评价组织须经延续备案评估,不能直接审核决定")  # REN-4
    opinion = checked_text(opinion, "opinion", "审核意见", limit=2000, required=True)
    today = _today(today)
    locked = lock_version(app, row_version)
    to = S.RENEWED if approve else S.REFUSED
    _check_can_move(locked, to, actor)
    changes: dict[str, Any] = {"review_opinion": opinion, "decided_at": timezone.now(), "decided_by": actor}
    if approve:
        changes.update(_renew_filing(actor, locked, today))
    else:
        changes["outcome_reason"] = opinion
        changes.update(_refusal_changes(actor, locked, today, f"延续备案审核不予延续:{opinion}"))
    app = _move(locked, to=to, actor=actor, action="renewals.application.review", changes=changes)
    title, body = _outcome_message(app)
    _notify_institution(app, kind="renewal.outcome", title=title, body=body, key=f"renewal.outcome:{app.pk}")
    return app


# --------------------------------------------------------------------------------------------- evaluations


def _users(values: Iterable[Any], institution: Any, field: str = "members") -> list[Any]:
    """Group members among the institution's eligible evaluators (SEC-3: a user out of reach and a
    missing id get the same answer, and no other user's name is echoed)."""
    ids = []
    for value in values:
        if value in (None, ""):
            continue
        try:
            ids.append(int(getattr(value, "pk", value)))
        except (TypeError, ValueError):
            raise ValidationFailed(
                "评估组成员格式不正确", detail={"members": ["评估组成员格式不正确"]}
            ) from None
    found = {u.pk: u for u in eligible_evaluators(institution)}
    if any(i not in found for i in ids):
        raise not_visible(field, "评估组成员")
    return [found[i] for i in ids]


@transaction.atomic
def renewal_open_evaluation(
    *,
    actor: Any,
    application: RenewalApplication | int,
    leader: Any,
    members: Iterable[Any] = (),
    row_version: int | None,
) -> RenewalApplication:
    """REN-4: open the CQ-RENEWAL evaluation (documents + site visit) through the scorecards service.

    under_review → evaluating (first evaluation); rectifying → re_evaluating (after rectification). When
    the linked evaluation was cancelled, a new one replaces it without changing the status.
    """
    app = _visible(actor, application)
    _require_evaluator(actor, app)
    if app.is_employer:
        raise IllegalTransition("用人单位的延续备案由人力社保部门审核,不进行评估")  # REN-3
    locked = lock_version(app, row_version)
    leader_user = _users([leader], locked.institution, "leader")[0] if leader not in (None, "") else None
    if leader_user is None:
        raise ValidationFailed("请指定评估组长", detail={"leader": ["请指定评估组长"]})
    member_users = _users(members, locked.institution)
    replacing = None
    if locked.status == S.UNDER_REVIEW:
        to, field = S.EVALUATING, "evaluation"
    elif locked.status == S.RECTIFYING:
        from dudao.supervision.models import FilingTermination
        from dudao.supervision.transitions import OPEN_TERMINATION_STATUSES

        if FilingTermination.objects.filter(
            renewal=locked, status__in=OPEN_TERMINATION_STATUSES
        ).exists():  # REN-4: the missed deadline is being dealt with; withdraw the procedure first
            raise Conflict("该备案的终止备案程序正在办理,不能发起整改后评估", code="termination_open")
        to, field = S.RE_EVALUATING, "re_evaluation"
    elif locked.status in (S.EVALUATING, S.RE_EVALUATING):
        field = "evaluation" if locked.status == S.EVALUATING else "re_evaluation"
        current = getattr(locked, field)
        if current is not None and current.status != Evaluation.Status.CANCELLED:
            raise Conflict(
                "本申请的评估正在进行;只有评估作废后才能重新发起", detail={"evaluation": current.pk}
            )
        to, replacing = locked.status, current
    else:
        raise IllegalTransition(f"申请当前状态为「{locked.get_status_display()}」,不能发起评估")
    stage = "整改后评估" if field == "re_evaluation" else "延续备案评估"
    evaluation = scorecards_services.evaluation_open(
        actor=actor,
        institution=locked.institution,
        form_id=domain.RENEWAL_FORM_ID,
        purpose=Evaluation.Purpose.RENEWAL,
        leader=leader_user,
        members=member_users,
        note=f"{stage}:延续备案申请 {locked.pk} 号(备案 {locked.filing.number})",
    )
    if replacing is None:
        app = _move(
            locked,
            to=to,
            actor=actor,
            action="renewals.application.open_evaluation",
            changes={field: evaluation},
        )
    else:
        before = audit.snapshot(locked)
        setattr(locked, field, evaluation)
        locked.row_version += 1
        locked.save(update_fields=[field, "row_version", "updated_at"])
        audit.record(
            actor=actor,
            action="renewals.application.reopen_evaluation",
            obj=locked,
            before=before,
            after={**audit.snapshot(locked), "note": f"原评估 {replacing.pk} 号已作废"},
        )
        app = locked
    _notify_institution(
        app,
        kind="renewal.evaluation",
        title=f"人力社保部门已组织{stage}(备案 {app.filing.number})",
        body="评估组将通过资料审核、现场考察等方式开展评估,请做好准备。",
        key=f"renewal.evaluation:{app.pk}:{evaluation.pk}",
    )
    return app


def effective_evaluation(evaluation: Evaluation) -> Evaluation:
    """The version of `evaluation` in force: follows signed corrections (a superseded one is replaced)."""
    current = evaluation
    for _ in range(50):
        correction = (
            Evaluation.objects.filter(previous=current).exclude(status=Evaluation.Status.CANCELLED).first()
        )
        if correction is None:
            break
        if correction.status != Evaluation.Status.SIGNED:
            raise Conflict(
                f"评估 {current.pk} 号正在更正(第 {correction.version_no} 版未签署),"
                "请待更正版本签署后再记录结果"
            )
        current = correction
    return current


def _problems(evaluation: Evaluation) -> list[dict[str, Any]]:
    form = evaluation.form_version.form
    items = [
        domain.FormItem(id=i.id, title=i.title, max=i.max, kind=i.kind, group=i.group) for i in form.items
    ]
    notes = dict(EvaluationItemNote.objects.filter(evaluation=evaluation).values_list("item_id", "note"))
    points = (evaluation.result or {}).get("items", {})
    return [p.as_json() for p in domain.problems_found(items, points, notes)]


def _apply_outcome(
    actor: Any,
    locked: RenewalApplication,
    outcome: domain.Outcome,
    total: Decimal,
    evaluation: Evaluation,
    re_evaluation: bool,
    reason: str,
    today: dt.date,
) -> tuple[str, dict[str, Any]]:
    """The REN-4 decision on the filing (renew / rectify / refuse) and the application's changes."""
    changes: dict[str, Any] = {"decided_by": actor}
    filing_reason = f"延续备案{'整改后' if re_evaluation else ''}评估得分 {domain._fmt(total)} 分"
    if outcome is domain.Outcome.RENEW:
        changes.update(_renew_filing(actor, locked, today))
        changes.update(decided_at=timezone.now(), outcome_reason=reason)
        return S.RENEWED, changes
    if outcome is domain.Outcome.RECTIFY:
        deadline = domain.rectification_deadline(today)
        filing = Filing.objects.select_for_update().get(pk=locked.filing_id)
        registry_services.filing_set_status(
            actor=actor,
            filing=filing,
            status="rectifying",
            reason=f"{filing_reason},整改至 {deadline:%Y-%m-%d},整改期内暂停认定工作",  # REN-4
            row_version=filing.row_version,
        )
        config = _config(locked)
        changes.update(
            problems=_problems(evaluation),
            rectification_started_on=today,
            rectification_deadline=deadline,
            notice_number=_next_number("notice_number", config.notice_prefix, today.year),
            notice_issued_on=today,
            outcome_reason=reason,
        )
        return S.RECTIFYING, changes
    why = reason or (
        f"{filing_reason},{'整改后评估仍不合格' if re_evaluation else '低于 60 分'},不予续期备案"  # REN-4
    )
    changes.update(decided_at=timezone.now(), outcome_reason=why)
    changes.update(_refusal_changes(actor, locked, today, why))
    return S.REFUSED, changes


@transaction.atomic
def renewal_record_outcome(
    *,
    actor: Any,
    application: RenewalApplication | int,
    row_version: int | None,
    reason: str = "",
    today: dt.date | None = None,
) -> RenewalApplication:
    """REN-4: decide from the signed CQ-RENEWAL evaluation's band.

    renew (≥ 80) → filing extended, REN-5 scope, receipt; rectify (60–80, first evaluation only) → filing
    `rectifying` (batches refused, INST-3), 6-month deadline, rectification notice with the problems
    found; refuse (< 60, or a re-evaluation that does not pass) → the filing ends at its expiry.
    Two-step renewal: the centre records the result, which waits for the bureau (`renewal_bureau_review`).
    """
    app = _visible(actor, application)
    _require_evaluator(actor, app)
    if app.status not in (S.EVALUATING, S.RE_EVALUATING):
        raise IllegalTransition(f"申请当前状态为「{app.get_status_display()}」,没有待记录的评估结果")
    reason = checked_text(reason, "reason", "说明", limit=2000, required=False)
    today = _today(today)
    locked = lock_version(app, row_version)
    re_evaluation = locked.status == S.RE_EVALUATING
    linked = locked.re_evaluation if re_evaluation else locked.evaluation
    if linked is None:
        raise IllegalTransition("尚未发起评估")
    evaluation = effective_evaluation(linked)
    if evaluation.status != Evaluation.Status.SIGNED:
        raise IllegalTransition(
            f"评估 {evaluation.pk} 号尚未签署(当前:{evaluation.get_status_display()}),签署后才能记录结果",
            detail={"evaluation": evaluation.status},
        )
    if (
        evaluation.form_version.form_id != domain.RENEWAL_FORM_ID
        or evaluation.institution_id != locked.institution_id
    ):
        raise ValidationFailed("所关联的评估不是本机构的延续备案评估", detail={"evaluation": ["评估不匹配"]})
    outcome = domain.outcome_for(evaluation.band, re_evaluation=re_evaluation)
    total = Decimal(evaluation.total)
    prefix = "re_evaluation" if re_evaluation else "evaluation"
    evaluated = {prefix: evaluation, f"{prefix}_total": total, f"{prefix}_band": evaluation.band}
    stage = "re" if re_evaluation else "first"
    if locked.two_step:
        app = _move(
            locked,
            to=S.BUREAU_REVIEW,
            actor=actor,
            action="renewals.application.centre_result",
            changes={
                **evaluated,
                "centre_outcome": outcome.value,
                "centre_note": reason,
                "centre_recorded_at": timezone.now(),
                "centre_recorded_by": actor,
                "bureau_opinion": "",
            },
        )
        _notify_authority(
            app,
            kind="renewal.centre_result",
            title=f"延续备案评估结果待审核:{app.institution.name}(备案 {app.filing.number})",
            body=f"评估得分 {domain._fmt(total)} 分,评估机构结论:{domain.OUTCOME_LABELS[outcome]}。",
            key=f"renewal.centre_result:{app.pk}:{stage}:{evaluation.pk}",
        )
        return app
    to, changes = _apply_outcome(actor, locked, outcome, total, evaluation, re_evaluation, reason, today)
    app = _move(
        locked, to=to, actor=actor, action="renewals.application.outcome", changes={**evaluated, **changes}
    )
    title, body = _outcome_message(app)
    _notify_institution(
        app, kind="renewal.outcome", title=title, body=body, key=f"renewal.outcome:{app.pk}:{stage}"
    )
    return app


@transaction.atomic
def renewal_bureau_review(
    *,
    actor: Any,
    application: RenewalApplication | int,
    approve: bool,
    opinion: str,
    row_version: int | None,
    today: dt.date | None = None,
) -> RenewalApplication:
    """Two-step renewal (seed 004 四(一) "评估结果报市人力社保局审核后,由市人力社保局出具延续备案回执"):
    the bureau holding the filing confirms the centre's result (the REN-4 outcome takes effect, receipt or
    rectification notice in the bureau's name) or returns it to the centre with its opinion."""
    app = _visible(actor, application)
    _require_decider(actor, app)
    if app.status != S.BUREAU_REVIEW:
        raise IllegalTransition(f"申请当前状态为「{app.get_status_display()}」,没有待审核的评估结果")
    opinion = checked_text(opinion, "opinion", "审核意见", limit=2000, required=not approve)
    today = _today(today)
    locked = lock_version(app, row_version)
    re_evaluation = locked.re_evaluation_id is not None
    if not approve:
        to = S.RE_EVALUATING if re_evaluation else S.EVALUATING
        app = _move(
            locked,
            to=to,
            actor=actor,
            action="renewals.application.bureau_return",
            changes={"bureau_opinion": opinion, "centre_outcome": ""},
        )
        notify(
            recipients=selectors.authority_users(app.evaluation_centre_id),
            kind="renewal.bureau_return",
            title=f"延续备案评估结果被退回:{app.institution.name}(备案 {app.filing.number})",
            body=opinion,
            link=_link(app),
            obj=app,
            dedupe_key=f"renewal.bureau_return:{app.pk}:{app.row_version}",
        )
        return app
    evaluation = locked.re_evaluation if re_evaluation else locked.evaluation
    total = locked.re_evaluation_total if re_evaluation else locked.evaluation_total
    outcome = domain.Outcome(locked.centre_outcome)
    to, changes = _apply_outcome(
        actor, locked, outcome, Decimal(total), evaluation, re_evaluation, locked.centre_note, today
    )
    changes["bureau_opinion"] = opinion
    app = _move(locked, to=to, actor=actor, action="renewals.application.bureau_review", changes=changes)
    title, body = _outcome_message(app)
    stage = "re" if re_evaluation else "first"
    _notify_institution(
        app, kind="renewal.outcome", title=title, body=body, key=f"renewal.outcome:{app.pk}:{stage}"
    )
    return app


# --------------------------------------------------------------------------------------------- termination


@transaction.atomic
def renewal_start_termination(
    *,
    actor: Any,
    application: RenewalApplication | int,
    notice: str,
    row_version: int | None = None,
    today: dt.date | None = None,
):
    """REN-4 + seed 004 整改通知书 ("若逾期未整改或未按要求完成整改,将视情况…终止…备案"): once the renewal's
    rectification deadline has passed without a re-evaluation, the authority holding the filing starts
    the termination procedure of the supervision app (notice, statement window in working days, decision).
    """
    from dudao.supervision import selectors as supervision_selectors
    from dudao.supervision.models import FilingTermination
    from dudao.supervision.services.terminations import RENEWAL_GROUND, termination_link
    from dudao.supervision.transitions import OPEN_TERMINATION_STATUSES

    app = _visible(actor, application)
    _require_decider(actor, app)
    today = _today(today)
    locked = lock_version(app, row_version)
    if locked.status != S.RECTIFYING:
        raise IllegalTransition(
            f"申请当前状态为「{locked.get_status_display()}」,只有整改中的延续备案可以启动终止备案程序"
        )
    if not domain.renewal_rectification_missed(locked.rectification_deadline, today):
        raise IllegalTransition(
            f"整改期限至 {locked.rectification_deadline:%Y-%m-%d},尚未届满,期满后方可启动终止备案程序",
            code="rectification_open",
        )
    notice = checked_text(notice, "notice", "告知内容", limit=4000, required=True)
    filing = Filing.objects.select_for_update().get(pk=locked.filing_id)
    if filing.status in CLOSED_FILING:
        raise IllegalTransition(f"备案{filing.get_status_display()},不能终止")
    if FilingTermination.objects.filter(filing=filing, status__in=OPEN_TERMINATION_STATUSES).exists():
        raise Conflict("该备案已有正在办理的终止备案程序", code="duplicate")
    days = supervision_selectors.policy_for(locked.authority_id).termination_statement_workdays
    due = workdays_selectors.calendar().add_workdays(today, days)
    row = FilingTermination(
        authority_id=locked.authority_id,
        institution_id=locked.institution_id,
        filing=filing,
        renewal=locked,
        ground=RENEWAL_GROUND,
        notice=notice,
        notified_by=actor,
        notified_at=timezone.now(),
        statement_due_on=due.date,
        statement_due_provisional=due.provisional,
    )
    try:
        row.full_clean()
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from None
    row.save(force_insert=True)
    audit.record(actor=actor, action="supervision.termination.start", obj=row, after=audit.snapshot(row))
    notify(
        recipients=institution_users(locked.institution_id),
        kind="termination.notified",
        title=f"拟终止备案告知:备案 {filing.number},请于 {due.date.isoformat()} 前陈述申辩",
        body=notice,
        link=termination_link(row),
        obj=row,
        dedupe_key=f"termination.notified:{row.pk}",
    )
    return row


def renewal_close_terminated(*, actor: Any, termination: Any) -> RenewalApplication:
    """Called by the termination decision (inside its transaction): the renewal that ended in the missed
    rectification closes as not renewed, with the termination as its reason."""
    locked = RenewalApplication.objects.select_for_update().get(pk=termination.renewal_id)
    if locked.status != S.RECTIFYING:
        return locked
    return _move(
        locked,
        to=S.REFUSED,
        actor=actor,
        action="renewals.application.terminated",
        changes={
            "decided_at": timezone.now(),
            "decided_by": actor,
            "outcome_reason": f"整改期限届满未完成整改,备案已终止:{termination.decision_note}"[:2000],
            "filing_closed_at": timezone.now(),
        },
    )


# --------------------------------------------------------------------------------------------- daily job


def renewals_close_expired(*, today: dt.date | None = None) -> dict[str, int]:
    """Daily: a refused renewal ends the filing at its expiry (REN-4) → set the filing `expired`.

    The registry service is called on behalf of the user who recorded the refusal (the registry has no
    system actor); a filing already expired or terminated is only marked done. Idempotent.
    """
    today = _today(today)
    done = skipped = 0
    due = (
        RenewalApplication.objects.filter(
            status=S.REFUSED, filing_closed_at__isnull=True, filing__valid_until__lt=today
        )
        .select_related("filing", "decided_by")
        .order_by("id")
    )
    for app in due:
        try:
            with transaction.atomic():
                filing = Filing.objects.select_for_update().get(pk=app.filing_id)
                if filing.status not in CLOSED_FILING:
                    registry_services.filing_set_status(
                        actor=app.decided_by,
                        filing=filing,
                        status="expired",
                        reason=f"延续备案不予延续,备案有效期于 {filing.valid_until:%Y-%m-%d} 届满",  # REN-4
                        row_version=filing.row_version,
                    )
                before = audit.snapshot(app, ["filing_closed_at"])
                RenewalApplication.objects.filter(pk=app.pk).update(
                    filing_closed_at=timezone.now(), row_version=F("row_version") + 1
                )
                audit.record(
                    actor=None,
                    action="renewals.application.close_filing",
                    obj=app,
                    before=before,
                    after={"filing_closed_at": timezone.now().isoformat(), "note": "备案到期"},
                )
                done += 1
        except (PermissionDenied, NotFound, IllegalTransition, Conflict, ValidationFailed):
            skipped += 1  # e.g. the deciding user lost the role: reported, retried tomorrow
    return {"closed": done, "skipped": skipped}


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
