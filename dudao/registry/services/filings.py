"""Filings (INST-2) and their scopes: create, update, status, scope add / update / end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import (
    IllegalTransition,
)
from dudao.common.transitions import TransitionTable, check_transition
from dudao.common.writes import (
    check_fields,
    clean,
    fail,
    lock_version,
    parse_date,
    ref_or_fail,
    require_perm,
    save_changed,
    text,
    visible_or_404,
)

from .. import domain, selectors
from ..models import Authority, Filing, FilingScope, Institution, Occupation

# ---------------------------------------------------------------------------------------------------------
# Filings (INST-2) and scopes
FILING_FIELDS = ("number", "valid_from", "valid_until", "note", "authority")


def _may_change_filing(user: Any, filing: Filing) -> bool:
    return user.has_perm("registry.change_filing", filing)


# status → {next status: who may take the step}. Expired and terminated are final; renewal makes a new filing.
FILING_TRANSITIONS: TransitionTable = {
    "active": dict.fromkeys(("suspended", "rectifying", "expired", "terminated"), _may_change_filing),
    "suspended": dict.fromkeys(("active", "rectifying", "expired", "terminated"), _may_change_filing),
    "rectifying": dict.fromkeys(("active", "suspended", "expired", "terminated"), _may_change_filing),
    "expired": {},
    "terminated": {},
}
FILING_REASON_REQUIRED = frozenset({"suspended", "rectifying", "terminated"})


def _check_overlap(
    institution_id: int, valid_from: dt.date, valid_until: dt.date, status: str, exclude_pk: int | None = None
) -> None:
    """INST-2: one open filing per institution and period (expired/terminated ones do not count)."""
    if status in domain.CLOSED_FILING_STATUSES:
        return
    others = (
        Filing.objects.filter(institution_id=institution_id)
        .exclude(status__in=domain.CLOSED_FILING_STATUSES)
        .exclude(pk=exclude_pk)
        .order_by("valid_from")
    )
    for other in others:
        if domain.filing_periods_overlap(valid_from, valid_until, other.valid_from, other.valid_until):
            raise fail(
                "valid_from",
                f"与现有备案 {other.number} 的有效期重叠"
                f"({other.valid_from:%Y-%m-%d} 至 {other.valid_until:%Y-%m-%d})",
                "overlap",
            )


def _filing_number(value: Any, exclude_pk: int | None = None) -> str:
    number = text(value)
    if not number:
        raise fail("number", "请填写备案编号")
    clash = Filing.objects.filter(number=number).exclude(pk=exclude_pk).select_related("institution").first()
    if clash:
        raise fail("number", f"备案编号 {number} 已存在(机构「{clash.institution.name}」)", "duplicate")
    return number


@transaction.atomic
def filing_create(
    *,
    actor,
    institution: Institution | int,
    number: str,
    valid_from: dt.date,
    valid_until: dt.date,
    authority: Authority | int | None = None,
    status: str = Filing.Status.ACTIVE,
    note: str = "",
    scopes: Sequence[Mapping[str, Any]] = (),
) -> Filing:
    """Record a filing of an institution (INST-2); refused if it overlaps another open filing."""
    target = visible_or_404(selectors.institutions_for(actor).select_related("authority"), institution)
    require_perm(actor, "registry.add_filing", target)
    if status not in Filing.Status.values:
        raise fail("status", f"备案状态「{status}」无效")
    valid_from, valid_until = parse_date(valid_from, "valid_from"), parse_date(valid_until, "valid_until")
    domain.validate_period(valid_from, valid_until)
    with transaction.atomic():
        # Lock the institution: two concurrent filings for it are checked one after the other.
        Institution.objects.select_for_update().filter(pk=target.pk).first()
        number = _filing_number(number)
        if authority in (None, ""):
            filing_authority = target.authority
        else:
            filing_authority = ref_or_fail(
                selectors.authorities_for(actor), authority, "authority", "备案机关不存在或不在您的管辖范围内"
            )
        _check_overlap(target.pk, valid_from, valid_until, status)
        filing = Filing(
            institution=target,
            authority=filing_authority,
            number=number,
            valid_from=valid_from,
            valid_until=valid_until,
            status=status,
            note=text(note),
        )
        clean(filing)
        filing.save()
        audit.record(actor=actor, action="registry.filing.create", obj=filing, after=audit.snapshot(filing))
        for scope in scopes:
            _scope_add(actor=actor, filing=filing, **scope)
    return filing


@transaction.atomic
def filing_update(*, actor, filing: Filing | int, row_version: int, **changes: Any) -> Filing:
    """Change a filing's number, validity period, note or authority; the overlap rule is re-checked."""
    check_fields(changes, FILING_FIELDS)
    target = visible_or_404(selectors.filings_for(actor).select_related("institution"), filing)
    require_perm(actor, "registry.change_filing", target)
    with transaction.atomic():
        Institution.objects.select_for_update().filter(pk=target.institution_id).first()
        obj = lock_version(target, row_version)
        before = audit.snapshot(obj)
        values = dict(changes)
        if "number" in values:
            values["number"] = _filing_number(values["number"], exclude_pk=obj.pk)
        if "note" in values:
            values["note"] = text(values["note"])
        if "authority" in values:
            values["authority"] = ref_or_fail(
                selectors.authorities_for(actor),
                values["authority"],
                "authority",
                "备案机关不存在或不在您的管辖范围内",
            )
            if values["authority"] is None:
                raise fail("authority", "请选择备案机关")
        for name in ("valid_from", "valid_until"):
            if name in values:
                values[name] = parse_date(values[name], name)
        valid_from = values.get("valid_from", obj.valid_from)
        valid_until = values.get("valid_until", obj.valid_until)
        domain.validate_period(valid_from, valid_until)
        _check_overlap(obj.institution_id, valid_from, valid_until, obj.status, exclude_pk=obj.pk)
        save_changed(obj, values, actor=actor, action="registry.filing.update", before=before)
    return obj


@transaction.atomic
def filing_set_status(
    *, actor, filing: Filing | int, status: str, reason: str = "", row_version: int | None = None
) -> Filing:
    """Move a filing along INST-2's statuses (suspend, rectify, resume, expire, terminate) with a reason."""
    target = visible_or_404(selectors.filings_for(actor).select_related("institution"), filing)
    require_perm(actor, "registry.change_filing", target)
    with transaction.atomic():
        obj = lock_version(target, row_version)
        if status not in Filing.Status.values:
            raise fail("status", f"备案状态「{status}」无效")
        check_transition(FILING_TRANSITIONS, obj, status, actor, noun="备案")
        reason = text(reason)
        if status in FILING_REASON_REQUIRED and not reason:
            raise fail("reason", f"变更为「{Filing.Status(status).label}」须填写原因")
        before = audit.snapshot(obj)
        save_changed(
            obj,
            {"status": status, "status_reason": reason[:255]},
            actor=actor,
            action="registry.filing.set_status",
            before=before,
        )
    return obj


def _scope_add(
    *,
    actor,
    filing: Filing,
    occupation: Occupation | int,
    levels: Sequence[int],
    work_type: str = "",
    start_date: dt.date | None = None,
) -> FilingScope:
    if filing.status in domain.CLOSED_FILING_STATUSES:
        raise IllegalTransition(f"备案状态为「{filing.get_status_display()}」,不能增加认定范围")
    occ = ref_or_fail(
        Occupation.objects.filter(is_active=True), occupation, "occupation", "职业不存在或已停用"
    )
    if occ is None:
        raise fail("occupation", "请选择职业")
    level_list = domain.validate_levels(levels)
    start = filing.valid_from if start_date in (None, "") else parse_date(start_date, "start_date")
    if not filing.valid_from <= start <= filing.valid_until:
        raise fail(
            "start_date",
            f"起始日期应在备案有效期({filing.valid_from:%Y-%m-%d} 至 {filing.valid_until:%Y-%m-%d})内",
        )
    work_type = text(work_type)
    # One open entry per occupation / work type / level: a duplicate would make REN-5 drops ambiguous.
    for other in FilingScope.objects.filter(
        filing=filing, occupation=occ, work_type=work_type, ended_on=None
    ):
        common = set(other.levels) & set(level_list)
        if common:
            raise fail(
                "levels",
                f"职业「{occ.name}」{work_type}的等级 {domain.level_names(common)} 已在认定范围内",
                "duplicate",
            )
    scope = FilingScope(
        filing=filing, occupation=occ, work_type=work_type, levels=level_list, start_date=start
    )
    clean(scope)
    scope.save()
    audit.record(actor=actor, action="registry.scope.add", obj=scope, after=audit.snapshot(scope))
    return scope


@transaction.atomic
def filing_scope_add(
    *,
    actor,
    filing: Filing | int,
    occupation: Occupation | int,
    levels: Sequence[int],
    work_type: str = "",
    start_date: dt.date | None = None,
) -> FilingScope:
    """Add an occupation (+ work type) with levels to a filing's scope (认定范围)."""
    target = visible_or_404(selectors.filings_for(actor).select_related("institution"), filing)
    require_perm(actor, "registry.add_filingscope", target)
    with transaction.atomic():
        return _scope_add(
            actor=actor,
            filing=target,
            occupation=occupation,
            levels=levels,
            work_type=work_type,
            start_date=start_date,
        )


@transaction.atomic
def filing_scope_update(*, actor, scope: FilingScope | int, row_version: int, **changes: Any) -> FilingScope:
    """Correct an open scope entry's work type, levels or start date."""
    check_fields(changes, ("work_type", "levels", "start_date"))
    target = visible_or_404(selectors.scopes_for(actor).select_related("filing__institution"), scope)
    require_perm(actor, "registry.change_filingscope", target)
    with transaction.atomic():
        obj = lock_version(target, row_version)
        if obj.ended_on is not None:
            raise IllegalTransition("该认定范围已终止,不能修改")
        before = audit.snapshot(obj)
        values = dict(changes)
        if "levels" in values:
            values["levels"] = domain.validate_levels(values["levels"])
        if "work_type" in values:
            values["work_type"] = text(values["work_type"])
        if "start_date" in values:
            values["start_date"] = parse_date(values["start_date"], "start_date")
            filing = target.filing
            if not filing.valid_from <= values["start_date"] <= filing.valid_until:
                raise fail("start_date", "起始日期应在备案有效期内")
        save_changed(obj, values, actor=actor, action="registry.scope.update", before=before)
    return obj


@transaction.atomic
def filing_scope_end(
    *, actor, scope: FilingScope | int, ended_on: dt.date | None = None, row_version: int | None = None
) -> FilingScope:
    """End a scope entry (REN-5 drop): from `ended_on` (default today) no new batch may use it."""
    target = visible_or_404(selectors.scopes_for(actor).select_related("filing__institution"), scope)
    require_perm(actor, "registry.change_filingscope", target)
    end = timezone.localdate() if ended_on in (None, "") else parse_date(ended_on, "ended_on")
    with transaction.atomic():
        obj = lock_version(target, row_version)
        if obj.ended_on is not None:
            raise IllegalTransition(f"该认定范围已于 {obj.ended_on:%Y-%m-%d} 终止")
        if end < obj.start_date:
            raise fail("ended_on", f"终止日期不能早于起始日期 {obj.start_date:%Y-%m-%d}")
        before = audit.snapshot(obj)
        save_changed(obj, {"ended_on": end}, actor=actor, action="registry.scope.end", before=before)
    return obj
