"""Examiners and examiner cards (EXAM-2, EXAM-10): create, update, status, scopes, training."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from dudao.accounts.permissions import (
    is_authority_user,
)
from dudao.common import audit
from dudao.common.errors import (
    Conflict,
    IllegalTransition,
    validation_error_from_django,
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
from dudao.registry.models import Authority, Occupation

from .. import domain
from ..models import (
    CardPattern,
    CardStatus,
    Examiner,
    ExaminerCard,
    ExaminerCardScope,
    Person,
)
from ..permissions import (
    can_change_examiner,
    can_manage_examiner_target,
)
from ..selectors import card_facts, today
from .base import UNSET
from .cards import (
    _card_dates,
    _card_replace_old,
    _card_set_status,
    _ensure_no_live_card,
    _ensure_number_free,
    validate_card_number,
)
from .persons import _resolve_person

# --------------------------------------------------------------------------------------- examiners


def _default_examiner_authority(actor, authority: Authority | None) -> Authority | None:
    if authority is None and is_authority_user(actor):
        return actor.authority
    return authority


@transaction.atomic
def examiner_create(
    *,
    actor,
    person: Person | None = None,
    person_data: Mapping[str, Any] | None = None,
    authority: Authority | None = None,
    senior: bool = False,
) -> Examiner:
    """Register an examiner managed by an authority; the person may be registered inline."""
    authority = _default_examiner_authority(actor, authority)
    if authority is None:
        raise fail("authority", "请选择管理机构")
    require(can_manage_examiner_target(actor, authority=authority))
    person, _ = _resolve_person(actor=actor, person=person, person_data=person_data, registered_by=authority)
    if Examiner.objects.filter(person=person).exists():
        raise Conflict("该人员已登记为考评员", code="duplicate_examiner")
    examiner = Examiner(person=person, authority=authority, senior=bool(senior))
    save_new(examiner)
    audit.record(actor=actor, action="people.examiner.create", obj=examiner, after=audit.snapshot(examiner))
    return examiner


@transaction.atomic
def examiner_update(
    *, actor, examiner: Examiner, row_version: int, senior: Any = UNSET, authority: Any = UNSET
) -> Examiner:
    """Change whether the examiner is senior, or the managing authority (inside the actor's region)."""
    examiner = lock(examiner)
    require(can_change_examiner(actor, examiner))
    check_version(examiner, row_version)
    before = audit.snapshot(examiner)
    changed = []
    if senior is not UNSET:
        examiner.senior = bool(senior)
        changed.append("senior")
    if authority is not UNSET:
        if authority is None:
            raise fail("authority", "请选择管理机构")
        require(can_manage_examiner_target(actor, authority=authority), "不能将考评员转到本机构管辖范围之外")
        examiner.authority = authority
        changed.append("authority")
    if not changed:
        return examiner
    save_fields(examiner, changed)
    audit.record(
        actor=actor,
        action="people.examiner.update",
        obj=examiner,
        before=before,
        after=audit.snapshot(examiner),
    )
    return examiner


@transaction.atomic
def examiner_set_status(
    *, actor, examiner: Examiner, to: str, reason: str = "", row_version: int | None = None
) -> Examiner:
    """Take an examiner off the register (EXAM-10 sanctions) or back on."""
    examiner = lock(examiner)
    require(can_change_examiner(actor, examiner))
    check_version(examiner, row_version)
    if to not in ("active", "inactive"):
        raise fail("to", "目标状态应为 active(在册)或 inactive(不在册)")
    active = to == "active"
    if examiner.is_active == active:
        raise IllegalTransition("考评员已是该状态")
    if not active and not text(reason):
        raise fail("reason", "请填写原因")
    before = audit.snapshot(examiner)
    examiner.is_active = active
    save_fields(examiner, ["is_active"])
    after = audit.snapshot(examiner)
    after["reason"] = text(reason)
    audit.record(actor=actor, action=f"people.examiner.status_{to}", obj=examiner, before=before, after=after)
    return examiner


# --------------------------------------------------------------------------------------- examiner cards


def _resolve_scopes(scopes: Iterable[Any]) -> list[tuple[Occupation, str, tuple[int, ...]]]:
    """EXAM-3 scope entries: (occupation code or Occupation, work type, levels) → validated rows."""
    entries: list[tuple[Any, str, Any]] = []
    for item in scopes or []:
        if isinstance(item, Mapping):
            entries.append((item.get("occupation"), text(item.get("work_type")), item.get("levels") or []))
        else:
            occupation, work_type, levels = item
            entries.append((occupation, text(work_type), levels))
    if not entries:
        raise fail("scopes", "请至少填写一项考评范围(职业及等级)")
    codes = {e[0] for e in entries if isinstance(e[0], str)}
    found = {o.code: o for o in Occupation.objects.filter(code__in=codes)}
    result: list[tuple[Occupation, str, tuple[int, ...]]] = []
    seen: set[tuple[int, str]] = set()
    for occupation, work_type, levels in entries:
        if isinstance(occupation, str):
            code = occupation.strip()
            occupation = found.get(code)
            if occupation is None:
                raise fail("scopes", f"职业编码「{code}」不存在")
        if not isinstance(occupation, Occupation):
            raise fail("scopes", "请选择职业")
        if not occupation.is_active:
            raise fail("scopes", f"职业「{occupation}」已停用")
        levels = domain.validate_levels(levels, field="scopes")
        key = (occupation.pk, work_type)
        if key in seen:
            raise fail("scopes", f"考评范围中职业「{occupation}」重复")
        seen.add(key)
        result.append((occupation, work_type, levels))
    return result


def _write_scopes(card: ExaminerCard, scopes: list[tuple[Occupation, str, tuple[int, ...]]]) -> None:
    rows = [ExaminerCardScope(card=card, occupation=o, work_type=w, levels=list(lv)) for o, w, lv in scopes]
    for row in rows:
        try:
            row.full_clean(exclude=["card"])
        except DjangoValidationError as exc:
            raise validation_error_from_django(exc) from None
    ExaminerCardScope.objects.bulk_create(rows)


def _scopes_snapshot(scopes: list[tuple[Occupation, str, tuple[int, ...]]]) -> list[dict[str, Any]]:
    return [{"occupation": o.code, "work_type": w, "levels": list(lv)} for o, w, lv in scopes]


def _require_examiner_active(examiner: Examiner) -> None:
    if not examiner.is_active:
        raise IllegalTransition("考评员不在册,不能办理证卡")


@transaction.atomic
def examiner_card_issue(
    *,
    actor,
    examiner: Examiner,
    number: str,
    issued_on: dt.date,
    scopes: Iterable[Any],
    valid_until: dt.date | None = None,
) -> ExaminerCard:
    """Issue an examiner card: 3-year validity by default (EXAM-2) and its occupation/level scope (EXAM-3)."""
    examiner = lock(examiner)
    require(can_change_examiner(actor, examiner))
    _require_examiner_active(examiner)
    issued_on, valid_until = _card_dates(issued_on, valid_until)
    number = validate_card_number(kind=CardPattern.Kind.EXAMINER, number=number, issued_on=issued_on)
    resolved = _resolve_scopes(scopes)
    _ensure_number_free(ExaminerCard, number)
    _ensure_no_live_card(examiner.cards.all(), issued_on)
    card = ExaminerCard(examiner=examiner, number=number, issued_on=issued_on, valid_until=valid_until)
    save_new(card)
    _write_scopes(card, resolved)
    after = audit.snapshot(card)
    after["scopes"] = _scopes_snapshot(resolved)
    audit.record(actor=actor, action="people.examiner_card.issue", obj=card, after=after)
    return card


@transaction.atomic
def examiner_card_set_scopes(
    *, actor, card: ExaminerCard, scopes: Iterable[Any], row_version: int
) -> ExaminerCard:
    """Replace the occupations and levels on a card (EXAM-3)."""
    card = lock(card)
    require(can_change_examiner(actor, card.examiner))
    check_version(card, row_version)
    resolved = _resolve_scopes(scopes)
    before = audit.snapshot(card)
    before["scopes"] = [
        {"occupation": s.occupation.code, "work_type": s.work_type, "levels": s.levels}
        for s in card.scopes.select_related("occupation").order_by("id")
    ]
    card.scopes.all().delete()
    _write_scopes(card, resolved)
    save_fields(card, [])
    after = audit.snapshot(card)
    after["scopes"] = _scopes_snapshot(resolved)
    audit.record(actor=actor, action="people.examiner_card.set_scopes", obj=card, before=before, after=after)
    return card


@transaction.atomic
def examiner_card_renew_training(
    *, actor, card: ExaminerCard, trained_on: dt.date, row_version: int | None = None
) -> ExaminerCard:
    """Record renewal training (EXAM-2): validity extended 3 years; refused once the qualification lapsed."""
    card = lock(card)
    require(can_change_examiner(actor, card.examiner))
    check_version(card, row_version)
    trained_on = parse_date(trained_on, "trained_on", "培训日期")
    if trained_on > today():
        raise fail("trained_on", "培训日期不能晚于今天")
    new_valid_until = domain.renewal_after_training(card_facts(card), trained_on)
    before = audit.snapshot(card)
    card.renewal_trained_on = trained_on
    card.valid_until = new_valid_until
    save_fields(card, ["renewal_trained_on", "valid_until"])
    audit.record(
        actor=actor,
        action="people.examiner_card.renew_training",
        obj=card,
        before=before,
        after=audit.snapshot(card),
    )
    return card


@transaction.atomic
def examiner_card_set_status(
    *, actor, card: ExaminerCard, to: str, reason: str = "", row_version: int | None = None
) -> ExaminerCard:
    """Report lost, found again, start re-issue, or revoke an examiner card (EXAM-2, EXAM-10)."""
    require(can_change_examiner(actor, card.examiner))
    return _card_set_status(
        card, actor=actor, to=to, reason=reason, row_version=row_version, entity="people.examiner_card"
    )


@transaction.atomic
def examiner_card_replace(
    *,
    actor,
    card: ExaminerCard,
    number: str,
    issued_on: dt.date,
    valid_until: dt.date | None = None,
    row_version: int | None = None,
) -> ExaminerCard:
    """Complete a re-issue: the new card keeps the validity, training date and scope of the old one."""
    card = lock(card)
    require(can_change_examiner(actor, card.examiner))
    check_version(card, row_version)
    if card.status != CardStatus.REISSUING:
        raise IllegalTransition("只有「补办中」的证卡才能补发新证,请先挂失并申请补办")
    issued_on, valid_until = _card_dates(issued_on, valid_until or card.valid_until)
    number = validate_card_number(kind=CardPattern.Kind.EXAMINER, number=number, issued_on=issued_on)
    _ensure_number_free(ExaminerCard, number)
    scopes = [(s.occupation, s.work_type, tuple(s.levels)) for s in card.scopes.select_related("occupation")]
    _card_replace_old(card, actor=actor, entity="people.examiner_card")
    new = ExaminerCard(
        examiner=card.examiner,
        number=number,
        issued_on=issued_on,
        valid_until=valid_until,
        renewal_trained_on=card.renewal_trained_on,
        replaces=card,
    )
    save_new(new)
    _write_scopes(new, scopes)
    after = audit.snapshot(new)
    after["scopes"] = _scopes_snapshot(scopes)
    audit.record(actor=actor, action="people.examiner_card.reissue", obj=new, after=after)
    return new
