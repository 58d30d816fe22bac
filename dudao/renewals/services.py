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
from dudao.common.writes import checked_text, lock_version, parse_date
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
    RenewalApplication,
    RenewalAttachment,
    RenewalConfig,
)
from .permissions import (
    can_apply,
    can_decide,
    can_evaluate,
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


# The end of a filing and new filing applications live in their own modules (one aggregate each); callers
# keep reaching every service through this module.
from .services_filings import (  # noqa: E402, F401
    OPEN_FILING,
    filing_application_decide,
    filing_application_record_site,
    filing_application_resubmit,
    filing_application_review,
    filing_application_submit,
    filing_application_withdraw,
)
from .services_settings import KEEP, renewal_config_save  # noqa: E402, F401
from .services_termination import (  # noqa: E402, F401
    renewal_close_terminated,
    renewal_start_termination,
    renewals_close_expired,
)
