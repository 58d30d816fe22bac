"""Supervisor cards and what both card kinds share: numbers, dates, lost / re-issue / revoke."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q

from dudao.common import audit
from dudao.common.errors import (
    Conflict,
    IllegalTransition,
)
from dudao.common.writes import (
    check_version,
    fail,
    lock,
    parse_date,
    require,
    save_fields,
    save_new,
    text,
)
from dudao.registry.models import Authority

from .. import domain
from ..models import (
    CardPattern,
    CardStatus,
    Examiner,
    Supervisor,
    SupervisorCard,
)
from ..permissions import (
    can_change_supervisor,
)
from ..selectors import today

# --------------------------------------------------------------------------------------- cards (shared)


def _card_kind(holder) -> str:
    if isinstance(holder, Examiner):
        return CardPattern.Kind.EXAMINER
    return (
        CardPattern.Kind.SUPERVISOR_EXTERNAL
        if holder.kind == Supervisor.Kind.EXTERNAL
        else CardPattern.Kind.SUPERVISOR_INTERNAL
    )


def card_issuer_for(authority: Authority | None) -> Authority | None:
    """SUP-3: external cards are issued by a provincial-or-higher centre: the nearest authority up the
    chain (the supervisor's own first) that has a card issuer code."""
    seen = set()
    while authority is not None and authority.pk not in seen:
        if authority.card_issuer_code:
            return authority
        seen.add(authority.pk)
        authority = authority.parent
    return None


def _resolve_issuer(supervisor: Supervisor, issuer: Authority | None) -> Authority | None:
    if supervisor.kind != Supervisor.Kind.EXTERNAL:
        if issuer is not None:
            raise fail("issuer", "内部质量督导员证卡由评价机构或行业部门颁发,无需选择发证机构")
        return None
    if issuer is not None:
        chain, node = set(), supervisor.authority
        while node is not None and node.pk not in chain:
            chain.add(node.pk)
            node = node.parent
        if issuer.pk not in chain:
            raise fail("issuer", "发证机构须为督导员的委派机构或其上级机构")
        return issuer
    found = card_issuer_for(supervisor.authority)
    if found is None:
        raise fail("number", "委派机构及其上级机构均未设置证卡发证机关代码,请先在委派机构中设置")  # SUP-3
    return found


def validate_card_number(
    *, kind: str, number: str, issued_on: dt.date, issuer: Authority | None = None
) -> str:
    """SUP-3: the external rule (issuer code and year checked); other kinds by their CardPattern row."""
    if kind == CardPattern.Kind.SUPERVISOR_EXTERNAL:
        return domain.validate_external_card_number(
            number, issuer_code=issuer.card_issuer_code if issuer is not None else "", issued_on=issued_on
        )
    regex = CardPattern.objects.filter(kind=kind).values_list("regex", flat=True).first()
    return domain.validate_card_number_pattern(number, kind=kind, regex=regex)


def _card_dates(issued_on: Any, valid_until: Any) -> tuple[dt.date, dt.date]:
    issued_on = parse_date(issued_on, "issued_on", "发证日期")
    if issued_on > today():
        raise fail("issued_on", "发证日期不能晚于今天")
    if valid_until is None:
        valid_until = domain.default_card_valid_until(issued_on)
    valid_until = parse_date(valid_until, "valid_until", "有效期至")
    if valid_until < issued_on:
        raise fail("valid_until", "有效期至不能早于发证日期")
    return issued_on, valid_until


def _ensure_number_free(model, number: str) -> None:
    if model.objects.filter(number=number).exists():
        raise Conflict(
            f"证卡号「{number}」已被使用",
            code="duplicate_card_number",
            detail={"number": [f"证卡号「{number}」已被使用"]},
        )


def _ensure_no_live_card(cards, issued_on: dt.date) -> None:
    """One live card per holder: a lost card goes through re-issue, a valid one must expire or be revoked."""
    live = cards.filter(
        Q(status__in=[CardStatus.LOST, CardStatus.REISSUING])
        | Q(status=CardStatus.VALID, valid_until__gte=issued_on)
    ).first()
    if live is not None:
        raise Conflict(
            f"已持有证卡「{live.number}」({live.get_status_display()},"
            f"有效期至 {live.valid_until.isoformat()}),请先办理挂失补办或吊销后再发新证",
            code="card_exists",
        )


def _card_set_status(card, *, actor, to: str, reason: str, row_version: int | None, entity: str):
    card = lock(card)
    check_version(card, row_version)
    if to not in CardStatus.values or to == CardStatus.REPLACED:
        raise fail("to", "目标状态无效(补发新证请使用补发操作)")
    domain.check_card_transition(card.status, to)
    reason = text(reason)
    if to == CardStatus.REVOKED and not reason:
        raise fail("reason", "吊销证卡须填写原因")
    before = audit.snapshot(card)
    card.status = to
    card.status_reason = reason[:255]
    save_fields(card, ["status", "status_reason"])
    audit.record(
        actor=actor, action=f"{entity}.status_{to}", obj=card, before=before, after=audit.snapshot(card)
    )
    return card


def _card_replace_old(card, *, actor, entity: str) -> None:
    before = audit.snapshot(card)
    card.status = CardStatus.REPLACED
    save_fields(card, ["status"])
    audit.record(
        actor=actor, action=f"{entity}.status_replaced", obj=card, before=before, after=audit.snapshot(card)
    )


# --------------------------------------------------------------------------------------- supervisor cards


def _require_supervisor_active(supervisor: Supervisor) -> None:
    if supervisor.status != Supervisor.Status.ACTIVE:
        raise IllegalTransition(f"督导员状态为「{supervisor.get_status_display()}」,不能办理证卡")


@transaction.atomic
def supervisor_card_issue(
    *,
    actor,
    supervisor: Supervisor,
    number: str,
    issued_on: dt.date,
    valid_until: dt.date | None = None,
    issuer: Authority | None = None,
) -> SupervisorCard:
    """Issue a supervisor card (SUP-3): number validated for its kind and unique; one live card per holder."""
    supervisor = lock(supervisor)
    require(can_change_supervisor(actor, supervisor))
    _require_supervisor_active(supervisor)
    issued_on, valid_until = _card_dates(issued_on, valid_until)
    issuer = _resolve_issuer(supervisor, issuer)
    number = validate_card_number(
        kind=_card_kind(supervisor), number=number, issued_on=issued_on, issuer=issuer
    )
    _ensure_number_free(SupervisorCard, number)
    _ensure_no_live_card(supervisor.cards.all(), issued_on)
    card = SupervisorCard(
        supervisor=supervisor, number=number, issuer=issuer, issued_on=issued_on, valid_until=valid_until
    )
    save_new(card)
    audit.record(actor=actor, action="people.supervisor_card.issue", obj=card, after=audit.snapshot(card))
    return card


@transaction.atomic
def supervisor_card_set_status(
    *, actor, card: SupervisorCard, to: str, reason: str = "", row_version: int | None = None
) -> SupervisorCard:
    """Report lost, found again, start re-issue, or revoke a supervisor card."""
    require(can_change_supervisor(actor, card.supervisor))
    return _card_set_status(
        card, actor=actor, to=to, reason=reason, row_version=row_version, entity="people.supervisor_card"
    )


@transaction.atomic
def supervisor_card_replace(
    *,
    actor,
    card: SupervisorCard,
    number: str,
    issued_on: dt.date,
    valid_until: dt.date | None = None,
    row_version: int | None = None,
) -> SupervisorCard:
    """Complete a re-issue: a new card (new number) replaces the one being re-issued; the old one is void."""
    card = lock(card)
    supervisor = card.supervisor
    require(can_change_supervisor(actor, supervisor))
    check_version(card, row_version)
    if card.status != CardStatus.REISSUING:
        raise IllegalTransition("只有「补办中」的证卡才能补发新证,请先挂失并申请补办")
    issued_on, valid_until = _card_dates(issued_on, valid_until or card.valid_until)
    issuer = card.issuer if supervisor.kind == Supervisor.Kind.EXTERNAL else None
    if supervisor.kind == Supervisor.Kind.EXTERNAL and issuer is None:
        issuer = _resolve_issuer(supervisor, None)
    number = validate_card_number(
        kind=_card_kind(supervisor), number=number, issued_on=issued_on, issuer=issuer
    )
    _ensure_number_free(SupervisorCard, number)
    _card_replace_old(card, actor=actor, entity="people.supervisor_card")
    new = SupervisorCard(
        supervisor=supervisor,
        number=number,
        issuer=issuer,
        issued_on=issued_on,
        valid_until=valid_until,
        replaces=card,
    )
    save_new(new)
    audit.record(actor=actor, action="people.supervisor_card.reissue", obj=new, after=audit.snapshot(new))
    return new


# ------------------------------------------------------------------------------------ card number rules


def _card_pattern_values(actor: Any, kind: str, regex: str, description: str) -> dict[str, str]:
    allowed = actor is not None and actor.has_perm("people.change_cardpattern")
    require(allowed, "只有系统管理员可以修改证卡编码规则")
    if kind not in CardPattern.Kind.values:
        raise fail("kind", f"无效的证卡类型「{kind}」")
    values = {"regex": (regex or "").strip(), "description": text(description)}
    message = domain.validate_regex(values["regex"])
    if message:
        raise fail("regex", message)
    return values


@transaction.atomic
def card_pattern_create(*, actor: Any, kind: str, regex: str, description: str = "") -> CardPattern:
    """The number rule of a card kind that has none yet (SUP-3; the admin's 证卡编码规则). Audited."""
    values = _card_pattern_values(actor, kind, regex, description)
    if CardPattern.objects.filter(kind=kind).exists():
        raise fail("kind", f"「{CardPattern.Kind(kind).label}」已有编码规则,请修改原有规则")
    row = CardPattern(kind=kind, **values)
    save_new(row)
    audit.record(actor=actor, action="people.card_pattern.create", obj=row, after=audit.snapshot(row))
    return row


@transaction.atomic
def card_pattern_update(
    *, actor: Any, pattern: CardPattern, regex: str, description: str = "", row_version: Any
) -> CardPattern:
    """Change a card kind's number rule (the `row_version` read: one locking policy); the regex must
    compile. Audited when something changed."""
    values = _card_pattern_values(actor, pattern.kind, regex, description)
    row = lock(pattern)
    check_version(row, row_version)
    before = audit.snapshot(row)
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return row
    for name in changed:
        setattr(row, name, values[name])
    save_fields(row, changed)
    audit.record(
        actor=actor, action="people.card_pattern.update", obj=row, before=before, after=audit.snapshot(row)
    )
    return row
