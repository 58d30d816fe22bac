"""Registry writers: every mutation of authorities, occupations, institutions, filings, scopes, venues,
batches and regions goes through these functions (permission check, full_clean, audit, row_version).

Order of refusals: an object outside the actor's data scope → NotFound; in scope but the role may not
write → PermissionDenied; stale `row_version` → Conflict; bad input → ValidationFailed. Nothing is
written in any of these cases.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import (
    Conflict,
    IllegalTransition,
    PermissionDenied,
    ValidationFailed,
)
from dudao.common.excel import Column, ImportFailed, RowError, read_rows
from dudao.common.transitions import TransitionTable, check_transition
from dudao.common.writes import (
    check_fields,
    clean,
    fail,
    lock_version,
    parse_date,
    parse_datetime,
    pk_of,
    ref_or_fail,
    require_perm,
    save_changed,
    text,
    visible_or_404,
)
from dudao.people import domain as people_domain
from dudao.people.models import Examiner, ExaminerCard, ExaminerCardScope

from . import domain, selectors
from .models import Authority, Batch, Filing, FilingScope, Institution, Occupation, Region, Venue
from .permissions import INSTITUTION_CONTACT_FIELDS, user_region_prefix

DATA_DIR = Path(__file__).resolve().parent / "data"
# Where the shipped occupation codes come from (DOMAIN.md OCC-1: public lists, medium confidence). Users see
# this text; the default applies when occupations.csv leaves `source` empty.
OCC1_SOURCE = "公开名录(中等可信度,使用前请核对)"
# Sources written by earlier releases of the reference data: replaced on the next load-reference.
SHIPPED_SOURCES_BEFORE = frozenset({"DOMAIN.md OCC-1 (public lists, medium confidence)"})


# ---------------------------------------------------------------------------------------------------------
# ---------------------------------------------------------------------------------------------------------
# Occupations (OCC-1)
OCCUPATION_FIELDS = ("code", "name", "verified", "source", "is_active")


def _occupation_values(values: dict[str, Any], *, exclude_pk: int | None = None) -> dict[str, Any]:
    if "code" in values:
        values["code"] = domain.validate_occupation_code(text(values["code"]))
        clash = Occupation.objects.filter(code=values["code"]).exclude(pk=exclude_pk).first()
        if clash:
            raise fail("code", f"职业编码 {values['code']} 已存在(职业「{clash.name}」)")
    if "name" in values:
        values["name"] = text(values["name"])
        if not values["name"]:
            raise fail("name", "请填写职业名称")
    if "source" in values:
        values["source"] = text(values["source"])
    return values


@transaction.atomic
def occupation_create(
    *, actor, code: str, name: str, verified: bool = False, source: str = "", is_active: bool = True
) -> Occupation:
    """Add an occupation to the catalogue; a verified code must say where it was verified (OCC-1)."""
    require_perm(actor, "registry.add_occupation")
    with transaction.atomic():
        values = _occupation_values({"code": code, "name": name, "source": source})
        if verified and not values["source"]:
            raise fail("source", "已核实的职业编码须注明编码来源")
        occupation = Occupation(**values, verified=bool(verified), is_active=bool(is_active))
        clean(occupation)
        occupation.save()
        audit.record(
            actor=actor, action="registry.occupation.create", obj=occupation, after=audit.snapshot(occupation)
        )
    return occupation


@transaction.atomic
def occupation_update(*, actor, occupation: Occupation | int, row_version: int, **changes: Any) -> Occupation:
    """Change an occupation (code, name, verified flag and source, active)."""
    check_fields(changes, OCCUPATION_FIELDS)
    target = visible_or_404(Occupation.objects.all(), occupation)
    require_perm(actor, "registry.change_occupation", target)
    with transaction.atomic():
        obj = lock_version(target, row_version)
        before = audit.snapshot(obj)
        values = _occupation_values(dict(changes), exclude_pk=obj.pk)
        if values.get("verified", obj.verified) and not values.get("source", obj.source):
            raise fail("source", "已核实的职业编码须注明编码来源")
        save_changed(obj, values, actor=actor, action="registry.occupation.update", before=before)
    return obj


# ---------------------------------------------------------------------------------------------------------
# Authorities
AUTHORITY_FIELDS = ("code", "name", "region", "parent", "card_issuer_code", "contact_phone", "is_active")


def _authority_values(actor, values: dict[str, Any], *, current: Authority | None = None) -> dict[str, Any]:
    if "code" in values:
        values["code"] = text(values["code"])
        if not values["code"]:
            raise fail("code", "请填写机构编码")
        clash = (
            Authority.objects.filter(code=values["code"]).exclude(pk=current.pk if current else None).first()
        )
        if clash:
            raise fail("code", f"机构编码 {values['code']} 已被「{clash.name}」使用")
    if "name" in values:
        values["name"] = text(values["name"])
    if "region" in values:
        values["region"] = ref_or_fail(Region.objects.all(), values["region"], "region", "所在区划不存在")
        if values["region"] is None:
            raise fail("region", "请选择所在区划")
        prefix = user_region_prefix(actor)
        if not actor.is_superuser and not (prefix and values["region"].code.startswith(prefix)):
            raise fail("region", f"区划「{values['region'].name}」不在您的管辖范围内")
    if "parent" in values:
        values["parent"] = ref_or_fail(
            selectors.authorities_for(actor), values["parent"], "parent", "上级机构不存在或不在您的管辖范围内"
        )
    region = values.get("region", current.region if current else None)
    parent = values.get("parent", current.parent if current else None)
    if parent is not None and region is not None:
        if current is not None and _is_descendant_or_self(parent, current):
            raise fail("parent", "上级机构不能是本机构或其下级机构")
        if not region.code.startswith(parent.region.prefix):
            raise fail("parent", f"上级机构「{parent.name}」的辖区不包含区划「{region.name}」")
    if "card_issuer_code" in values:
        values["card_issuer_code"] = text(values["card_issuer_code"])
        if values["card_issuer_code"] and not re.fullmatch(r"[0-9]{2}", values["card_issuer_code"]):
            # SUP-3: the issuing-authority code is the province prefix of GB/T 2260.
            raise fail("card_issuer_code", "证卡发证机关代码应为 2 位数字(省级区划代码前两位)")
    if "contact_phone" in values:
        values["contact_phone"] = text(values["contact_phone"])
    return values


def _is_descendant_or_self(candidate: Authority, root: Authority) -> bool:
    seen: set[int] = set()
    node: Authority | None = candidate
    while node is not None and node.pk not in seen:
        if node.pk == root.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


@transaction.atomic
def authority_create(
    *,
    actor,
    code: str,
    name: str,
    region: Region | str,
    parent: Authority | int | None = None,
    card_issuer_code: str = "",
    contact_phone: str = "",
    is_active: bool = True,
) -> Authority:
    """Add an authority in the actor's region (or below); provincial ones default the SUP-3 issuer code."""
    require_perm(actor, "registry.add_authority")
    with transaction.atomic():
        values = _authority_values(
            actor,
            {
                "code": code,
                "name": name,
                "region": region,
                "parent": parent,
                "card_issuer_code": card_issuer_code,
                "contact_phone": contact_phone,
            },
        )
        if not values["card_issuer_code"] and values["region"].kind == Region.Kind.PROVINCE:
            # SUP-3: the issuing-authority code is the GB/T 2260 province prefix.
            values["card_issuer_code"] = values["region"].code[:2]
        authority = Authority(**values, is_active=bool(is_active))
        clean(authority)
        authority.save()
        audit.record(
            actor=actor, action="registry.authority.create", obj=authority, after=audit.snapshot(authority)
        )
    return authority


@transaction.atomic
def authority_update(*, actor, authority: Authority | int, row_version: int, **changes: Any) -> Authority:
    """Change an authority the actor oversees."""
    check_fields(changes, AUTHORITY_FIELDS)
    target = visible_or_404(selectors.authorities_for(actor).select_related("region"), authority)
    require_perm(actor, "registry.change_authority", target)
    with transaction.atomic():
        obj = lock_version(target, row_version)
        before = audit.snapshot(obj)
        values = _authority_values(actor, dict(changes), current=obj)
        save_changed(obj, values, actor=actor, action="registry.authority.update", before=before)
    return obj


# ---------------------------------------------------------------------------------------------------------
# Institutions (INST-1)
INSTITUTION_FIELDS = (
    "name",
    "kind",
    "uscc",
    "region",
    "authority",
    "parent_org_name",
    "address",
    "legal_representative",
    "contact_name",
    "contact_phone",
    "is_active",
)
_PHONE_RE = re.compile(r"^[0-9+()\-\s转]{5,32}$")


def _institution_values(
    actor, values: dict[str, Any], *, current: Institution | None = None
) -> dict[str, Any]:
    for name in (
        "name",
        "parent_org_name",
        "address",
        "legal_representative",
        "contact_name",
        "contact_phone",
    ):
        if name in values:
            values[name] = text(values[name])
    if "name" in values and not values["name"]:
        raise fail("name", "请填写机构名称")
    if values.get("contact_phone") and not _PHONE_RE.match(values["contact_phone"]):
        raise fail("contact_phone", "联系电话格式不正确")
    if "kind" in values and values["kind"] not in Institution.Kind.values:
        raise fail("kind", f"机构类型「{values['kind']}」无效")
    if "uscc" in values:
        values["uscc"] = domain.validate_uscc(text(values["uscc"]))
        clash = (
            Institution.objects.filter(uscc=values["uscc"])
            .exclude(pk=current.pk if current else None)
            .first()
        )
        if clash:
            raise fail("uscc", f"统一社会信用代码 {values['uscc']} 已被机构「{clash.name}」使用", "duplicate")
    if "authority" in values:
        values["authority"] = ref_or_fail(
            selectors.authorities_for(actor).select_related("region"),
            values["authority"],
            "authority",
            "主管机构不存在或不在您的管辖范围内",
        )
        if values["authority"] is None:
            raise fail("authority", "请选择主管(备案)机构")
    if "region" in values:
        values["region"] = ref_or_fail(Region.objects.all(), values["region"], "region", "所在区划不存在")
        if values["region"] is None:
            raise fail("region", "请选择所在区划")
    region = values.get("region", current.region if current else None)
    authority = values.get("authority", current.authority if current else None)
    if region is not None and authority is not None and not region.code.startswith(authority.region.prefix):
        raise fail("region", f"所在区划「{region.name}」不在主管机构「{authority.name}」的辖区内")
    kind = values.get("kind", current.kind if current else None)
    if values.get("parent_org_name") and kind != Institution.Kind.SOCIAL_ORG:
        raise fail("parent_org_name", "只有社会培训评价组织可填写上级全国性组织")  # INST-1
    return values


@transaction.atomic
def institution_create(
    *,
    actor,
    name: str,
    kind: str,
    uscc: str,
    region: Region | str,
    authority: Authority | int | None = None,
    parent_org_name: str = "",
    address: str = "",
    legal_representative: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    is_active: bool = True,
) -> Institution:
    """Register an evaluation institution in the actor's region (INST-1); USCC checked and unique."""
    require_perm(actor, "registry.add_institution")
    if authority in (None, "") and getattr(actor, "authority_id", None) and not actor.is_superuser:
        authority = actor.authority_id
    with transaction.atomic():
        values = _institution_values(
            actor,
            {
                "name": name,
                "kind": kind,
                "uscc": uscc,
                "region": region,
                "authority": authority,
                "parent_org_name": parent_org_name,
                "address": address,
                "legal_representative": legal_representative,
                "contact_name": contact_name,
                "contact_phone": contact_phone,
            },
        )
        institution = Institution(**values, is_active=bool(is_active))
        clean(institution)
        try:
            with transaction.atomic():
                institution.save()
        except IntegrityError:  # a concurrent insert won the unique USCC
            raise fail("uscc", f"统一社会信用代码 {values['uscc']} 已被使用", "duplicate") from None
        audit.record(
            actor=actor,
            action="registry.institution.create",
            obj=institution,
            after=audit.snapshot(institution),
        )
    return institution


@transaction.atomic
def institution_update(
    *, actor, institution: Institution | int, row_version: int, **changes: Any
) -> Institution:
    """Change an institution; its own admin may change only the contact fields."""
    check_fields(changes, INSTITUTION_FIELDS)
    target = visible_or_404(
        selectors.institutions_for(actor).select_related("region", "authority__region"), institution
    )
    if not actor.has_perm("registry.change_institution", target):
        require_perm(actor, "registry.change_institution_contact", target)
        forbidden = sorted(
            name
            for name, value in changes.items()
            if name not in INSTITUTION_CONTACT_FIELDS
            and getattr(target, name) != value
            and pk_of(getattr(target, name)) != pk_of(value)
        )
        if forbidden:
            raise PermissionDenied("评价机构管理员只能修改地址、联系人、联系电话和法定代表人")
        changes = {k: v for k, v in changes.items() if k in INSTITUTION_CONTACT_FIELDS}
    with transaction.atomic():
        obj = lock_version(target, row_version)
        before = audit.snapshot(obj)
        values = _institution_values(actor, dict(changes), current=obj)
        save_changed(obj, values, actor=actor, action="registry.institution.update", before=before)
    return obj


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


# ---------------------------------------------------------------------------------------------------------
# Venues
VENUE_FIELDS = ("name", "address", "room_count", "capacity", "camera_count", "is_active")


def _venue_values(values: dict[str, Any]) -> dict[str, Any]:
    for name in ("name", "address"):
        if name in values:
            values[name] = text(values[name])
    if "name" in values and not values["name"]:
        raise fail("name", "请填写场所名称")
    for name, label in (("room_count", "考场数"), ("capacity", "容纳人数"), ("camera_count", "摄像头数")):
        if name in values:
            try:
                values[name] = int(values[name])
            except (TypeError, ValueError):
                raise fail(name, f"{label}应为整数") from None
            if values[name] < (1 if name == "room_count" else 0):
                raise fail(name, f"{label}不能小于 {1 if name == 'room_count' else 0}")
    return values


@transaction.atomic
def venue_create(
    *,
    actor,
    institution: Institution | int,
    name: str,
    address: str = "",
    room_count: int = 1,
    capacity: int = 30,
    camera_count: int = 0,
    is_active: bool = True,
) -> Venue:
    """Add an evaluation site (考核场所) to an institution."""
    target = visible_or_404(selectors.institutions_for(actor), institution)
    require_perm(actor, "registry.add_venue", target)
    with transaction.atomic():
        values = _venue_values(
            {
                "name": name,
                "address": address,
                "room_count": room_count,
                "capacity": capacity,
                "camera_count": camera_count,
            }
        )
        venue = Venue(institution=target, **values, is_active=bool(is_active))
        clean(venue)
        venue.save()
        audit.record(actor=actor, action="registry.venue.create", obj=venue, after=audit.snapshot(venue))
    return venue


@transaction.atomic
def venue_update(*, actor, venue: Venue | int, row_version: int, **changes: Any) -> Venue:
    """Change an evaluation site."""
    check_fields(changes, VENUE_FIELDS)
    target = visible_or_404(selectors.venues_for(actor).select_related("institution"), venue)
    require_perm(actor, "registry.change_venue", target)
    with transaction.atomic():
        obj = lock_version(target, row_version)
        before = audit.snapshot(obj)
        save_changed(
            obj, _venue_values(dict(changes)), actor=actor, action="registry.venue.update", before=before
        )
    return obj


# ---------------------------------------------------------------------------------------------------------
# Batches (INST-3, EXAM-2, EXAM-3)
BATCH_FIELDS = (
    "occupation",
    "work_type",
    "levels",
    "starts_at",
    "ends_at",
    "venue",
    "candidate_count",
    "examiners",
    "team_leader",
)
EDITABLE_BATCH_STATUSES = (Batch.Status.PLANNED, Batch.Status.ONGOING)


def _examiners_with_cards(ids: Sequence[int]) -> dict[int, Examiner]:
    card_scopes = Prefetch("scopes", queryset=ExaminerCardScope.objects.select_related("occupation"))
    cards = Prefetch("cards", queryset=ExaminerCard.objects.prefetch_related(card_scopes))
    qs = Examiner.objects.filter(pk__in=ids).select_related("person").prefetch_related(cards)
    return {e.pk: e for e in qs}


def _examiner_problem(
    examiner: Examiner,
    occupation: Occupation,
    work_type: str,
    levels: Sequence[int],
    first: dt.date,
    last: dt.date,
) -> str | None:
    """EXAM-2/3 through people.domain: some card valid on the first and last day covering the batch."""
    if not examiner.is_active:
        return "不在册"
    reasons: list[str] = []
    for card in examiner.cards.all():
        facts = people_domain.CardFacts(
            status=card.status,
            issued_on=card.issued_on,
            valid_until=card.valid_until,
            renewal_trained_on=card.renewal_trained_on,
        )
        state = people_domain.examiner_card_state(facts, first)
        if state == people_domain.STATE_VALID:
            state = people_domain.examiner_card_state(facts, last)
        scopes = [
            people_domain.Scope(occupation=s.occupation.code, work_type=s.work_type, levels=tuple(s.levels))
            for s in card.scopes.all()
        ]
        decision = people_domain.can_examine(state, scopes, occupation.code, work_type, levels, first)
        if decision.ok:
            return None
        reasons.append(f"证卡 {card.number}:{domain.without_rule_ids(decision.reason)}")
    if not reasons:
        return "没有考评员证卡"  # EXAM-2
    return ";".join(reasons)


def examiner_problems(
    examiner_ids: Sequence[int],
    *,
    occupation: Occupation,
    work_type: str,
    levels: Sequence[int],
    first: dt.date,
    last: dt.date,
) -> dict[int, str | None]:
    """Read-only: why each examiner may not examine this batch (None = may), as batch_create would say."""
    found = _examiners_with_cards(list(examiner_ids))
    return {
        pk: _examiner_problem(examiner, occupation, work_type, levels, first, last)
        for pk, examiner in found.items()
    }


def _check_examiners(
    examiner_ids: Sequence[Any],
    team_leader: Any,
    occupation: Occupation,
    work_type: str,
    levels: Sequence[int],
    first: dt.date,
    last: dt.date,
) -> tuple[list[Examiner], Examiner | None]:
    try:
        ids = list(dict.fromkeys(int(pk_of(e)) for e in examiner_ids))
    except (TypeError, ValueError):
        raise fail("examiners", "考评人员格式不正确") from None
    found = _examiners_with_cards(ids)
    problems = []
    for pk in ids:
        examiner = found.get(pk)
        if examiner is None:
            problems.append(f"考评员 #{pk} 不存在")
            continue
        problem = _examiner_problem(examiner, occupation, work_type, levels, first, last)
        if problem:
            problems.append(f"考评员 {examiner.person.name}:{problem}")
    if problems:
        raise ValidationFailed(problems[0], detail={"examiners": problems})
    leader = None
    if team_leader not in (None, ""):
        try:
            leader = found.get(int(pk_of(team_leader)))
        except (TypeError, ValueError):
            leader = None
        if leader is None:
            raise fail("team_leader", "考评组长须是本批次的考评人员之一")
    return [found[pk] for pk in ids], leader


def _batch_checks(*, institution: Institution, values: dict[str, Any]) -> domain.FilingSpec:
    """Everything a batch must satisfy; returns the covering filing (INST-3)."""
    starts_at, ends_at = values["starts_at"], values["ends_at"]
    spec = domain.BatchSpec(
        occupation_id=values["occupation"].pk,
        occupation_label=values["occupation"].name,
        work_type=values["work_type"],
        levels=tuple(values["levels"]),
        starts_at=timezone.localtime(starts_at),
        ends_at=timezone.localtime(ends_at),
    )
    # One query: the institution's filings LEFT JOIN their scope entries (indexed on institution, filing).
    return domain.check_batch_in_scope(spec, selectors.filing_specs_for_institution(institution.pk))


def _batch_values(values: dict[str, Any], institution: Institution) -> dict[str, Any]:
    if "occupation" in values:
        values["occupation"] = ref_or_fail(
            Occupation.objects.filter(is_active=True),
            values["occupation"],
            "occupation",
            "职业不存在或已停用",
        )
        if values["occupation"] is None:
            raise fail("occupation", "请选择职业")
    if "work_type" in values:
        values["work_type"] = text(values["work_type"])
    if "levels" in values:
        values["levels"] = domain.validate_levels(values["levels"])
    for name in ("starts_at", "ends_at"):
        if name in values:
            if not isinstance(values[name], dt.datetime):
                raise fail(name, "时间格式应为 YYYY-MM-DD HH:MM")
            values[name] = parse_datetime(values[name], name)
    if "venue" in values:
        values["venue"] = ref_or_fail(
            Venue.objects.filter(institution=institution),
            values["venue"],
            "venue",
            "考核场所不属于该评价机构",
        )
        if values["venue"] is None:
            raise fail("venue", "请选择考核场所")
        if not values["venue"].is_active:
            raise fail("venue", f"考核场所「{values['venue'].name}」已停用")
    if "candidate_count" in values:
        try:
            values["candidate_count"] = int(values["candidate_count"] or 0)
        except (TypeError, ValueError):
            raise fail("candidate_count", "考生人数应为整数") from None
        if values["candidate_count"] < 0:
            raise fail("candidate_count", "考生人数不能为负数")
    return values


def _new_batch_code(day: dt.date) -> str:
    prefix = f"PC{day:%Y%m%d}"
    # A range instead of LIKE 'prefix%': uses the unique index on code on SQLite and PostgreSQL alike.
    existing = Batch.objects.filter(code__gte=prefix, code__lt=prefix + "~").values_list("code", flat=True)
    return domain.batch_code(day, domain.next_batch_seq(existing, day))


@transaction.atomic
def batch_create(
    *,
    actor,
    institution: Institution | int,
    occupation: Occupation | int,
    levels: Sequence[int],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    venue: Venue | int,
    work_type: str = "",
    candidate_count: int = 0,
    examiners: Sequence[Any] = (),
    team_leader: Any = None,
    code: str = "",
) -> Batch:
    """Schedule an evaluation batch inside the institution's filed scope (INST-3) with qualified examiners."""
    target = visible_or_404(selectors.institutions_for(actor), institution)
    require_perm(actor, "registry.add_batch", target)
    values = _batch_values(
        {
            "occupation": occupation,
            "work_type": work_type,
            "levels": levels,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "venue": venue,
            "candidate_count": candidate_count,
        },
        target,
    )
    filing = _batch_checks(institution=target, values=values)
    local_start = timezone.localtime(values["starts_at"])
    chosen, leader = _check_examiners(
        examiners,
        team_leader,
        values["occupation"],
        values["work_type"],
        values["levels"],
        local_start.date(),
        timezone.localtime(values["ends_at"]).date(),
    )
    code = text(code)
    if code and Batch.objects.filter(code=code).exists():
        raise fail("code", f"批次编号 {code} 已存在", "duplicate")
    with transaction.atomic():
        for _attempt in range(5):
            batch = Batch(
                institution=target,
                filing_id=filing.id,
                team_leader=leader,
                code=code or _new_batch_code(local_start.date()),
                **values,
            )
            clean(batch)
            try:
                with transaction.atomic():
                    batch.save()
                break
            except IntegrityError:
                if code:  # a hand-given code taken concurrently: the user must choose another
                    raise fail("code", f"批次编号 {code} 已存在", "duplicate") from None
        else:  # pragma: no cover - five concurrent writers on the same day
            raise Conflict("批次编号生成冲突,请重试")
        batch.examiners.set(chosen)
        after = {**audit.snapshot(batch), "examiners": [e.pk for e in chosen]}
        audit.record(actor=actor, action="registry.batch.create", obj=batch, after=after)
    return batch


@transaction.atomic
def batch_update(*, actor, batch: Batch | int, row_version: int, **changes: Any) -> Batch:
    """Change a planned or ongoing batch; INST-3 and the examiner checks are run again."""
    check_fields(changes, BATCH_FIELDS)
    target = visible_or_404(selectors.batches_for(actor).select_related("institution", "occupation"), batch)
    require_perm(actor, "registry.change_batch", target)
    with transaction.atomic():
        obj = lock_version(target, row_version)
        if obj.status not in EDITABLE_BATCH_STATUSES:
            raise IllegalTransition(f"批次状态为「{obj.get_status_display()}」,不能修改")
        institution = target.institution
        before = {**audit.snapshot(obj), "examiners": sorted(obj.examiners.values_list("pk", flat=True))}
        values = _batch_values(
            {k: v for k, v in changes.items() if k not in ("examiners", "team_leader")}, institution
        )
        merged = {
            "occupation": values.get("occupation", obj.occupation),
            "work_type": values.get("work_type", obj.work_type),
            "levels": values.get("levels", obj.levels),
            "starts_at": values.get("starts_at", obj.starts_at),
            "ends_at": values.get("ends_at", obj.ends_at),
        }
        filing = _batch_checks(institution=institution, values=merged)
        examiner_ids = changes.get("examiners", list(obj.examiners.values_list("pk", flat=True)))
        leader_in = changes.get("team_leader", obj.team_leader_id)
        chosen, leader = _check_examiners(
            examiner_ids,
            leader_in,
            merged["occupation"],
            merged["work_type"],
            merged["levels"],
            timezone.localtime(merged["starts_at"]).date(),
            timezone.localtime(merged["ends_at"]).date(),
        )
        values["filing_id"] = filing.id
        values["team_leader"] = leader
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        for name in changed:
            setattr(obj, name, values[name])
        clean(obj)
        examiners_changed = sorted(e.pk for e in chosen) != before["examiners"]
        if changed or examiners_changed:
            obj.row_version += 1
            obj.save(update_fields=[*changed, "row_version", "updated_at"])
            if examiners_changed:
                obj.examiners.set(chosen)
            after = {**audit.snapshot(obj), "examiners": sorted(e.pk for e in chosen)}
            audit.record(actor=actor, action="registry.batch.update", obj=obj, before=before, after=after)
    return obj


@transaction.atomic
def batch_cancel(*, actor, batch: Batch | int, reason: str, row_version: int | None = None) -> Batch:
    """Cancel a planned or ongoing batch, with the reason."""
    target = visible_or_404(selectors.batches_for(actor).select_related("institution"), batch)
    require_perm(actor, "registry.change_batch", target)
    reason = text(reason)
    if not reason:
        raise fail("reason", "请填写取消原因")
    with transaction.atomic():
        obj = lock_version(target, row_version)
        if obj.status not in EDITABLE_BATCH_STATUSES:
            raise IllegalTransition(f"批次状态为「{obj.get_status_display()}」,不能取消")
        before = audit.snapshot(obj)
        save_changed(
            obj,
            {"status": Batch.Status.CANCELLED, "cancel_reason": reason[:255]},
            actor=actor,
            action="registry.batch.cancel",
            before=before,
        )
    return obj


# ---------------------------------------------------------------------------------------------------------
# Regions (GB/T 2260) and reference data
REGION_COLUMNS = (
    Column(
        "code",
        "区划代码",
        required=True,
        max_length=6,
        help="GB/T 2260 六位代码,请设为文本格式;xx0000 为省级、xxxx00 为地市级,其余为区县级",
    ),
    Column("name", "名称", required=True, max_length=64, help="如 南昌市、东湖区"),
)
# Reading uses columns that accept anything: empty or over-long cells are then reported by _region_plan
# together with every other bad row, instead of read_rows stopping at the first kind of problem.
_REGION_READ_COLUMNS = (Column("code", "区划代码"), Column("name", "名称"))
# Files exported from other systems often carry the English headers of the shipped regions.csv.
_REGION_READ_COLUMNS_EN = (Column("code", "code"), Column("name", "name"))
_REGION_HEADERS = {"code": ("code", "区划代码", "代码"), "name": ("name", "名称", "区划名称")}
_REGION_LEVEL = {"province": 0, "city": 1, "district": 2}
_REGION_NAME_MAX = 64


def _region_file_error(message: str) -> ImportFailed:
    return ImportFailed(message, errors=[RowError(0, "", message)])


def _region_rows_xlsx(data: bytes) -> list[tuple[int, str, str]]:
    try:
        rows = read_rows(data, _REGION_READ_COLUMNS)
    except ImportFailed as exc:
        if not exc.errors or any(e.row != 1 for e in exc.errors):
            raise
        try:  # header problems only: perhaps the English headers code,name
            rows = read_rows(data, _REGION_READ_COLUMNS_EN)
        except ImportFailed:
            raise exc from None
    for column in REGION_COLUMNS:
        if all(row[column.key] is None for _n, row in rows):  # the column is missing (or wholly empty)
            message = f"缺少必填列「{column.header}」"
            raise ImportFailed(f"表头有误:{message}", errors=[RowError(1, column.header, message)])
    return [(number, text(row["code"]), text(row["name"])) for number, row in rows]


def _region_rows_csv(data: bytes) -> list[tuple[int, str, str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            decoded = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _region_file_error("文件编码无法识别,请保存为 UTF-8 编码的 CSV 或 .xlsx")
    reader = csv.reader(io.StringIO(decoded))
    header = [h.strip().lower() for h in next(reader, [])]
    positions: dict[str, int] = {}
    for key, names in _REGION_HEADERS.items():
        for index, cell in enumerate(header):
            if cell in names and key not in positions:
                positions[key] = index
    if set(positions) != {"code", "name"}:
        raise ImportFailed(
            "表头有误:第 1 行应为 区划代码,名称(或 code,name)",
            errors=[RowError(1, "", "第 1 行应为表头 区划代码,名称(或 code,name)")],
        )
    result = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {key: row[i].strip() if i < len(row) else "" for key, i in positions.items()}
        result.append((number, cells["code"], cells["name"]))
    return result


def _parse_region_rows(data: bytes, filename: str) -> list[tuple[int, str, str]]:
    """(Excel/CSV row number, code, name) from an .xlsx (区划代码,名称) or a CSV (UTF-8/GBK) file."""
    max_bytes = int(getattr(settings, "DUDAO_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
    if len(data) > max_bytes:
        raise _region_file_error(f"文件过大:{len(data) / 1048576:.1f} MB,上限为 {max_bytes / 1048576:.1f} MB")
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xls")) or data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0":
        rows = _region_rows_xlsx(data)
    else:
        rows = _region_rows_csv(data)
    if not rows:
        raise _region_file_error("文件没有数据行:请从第 2 行开始填写")
    return rows


def _region_plan(
    rows: Sequence[tuple[int, str, str]], *, actor, known: Mapping[str, tuple[str, str | None]]
) -> list[tuple[int, str, str, str]]:
    """Check every row (format, duplicates, scope, parent) and order them parents first.

    Returns (row, code, name, kind); raises ImportFailed listing every bad row (nothing is written).
    `known` maps the codes already stored to (name, parent code).
    """
    errors: list[RowError] = []
    code_header, name_header = REGION_COLUMNS[0].header, REGION_COLUMNS[1].header
    restricted = actor is not None and not actor.is_superuser
    prefix = user_region_prefix(actor) if restricted else None
    first_row: dict[str, int] = {}
    planned: list[tuple[int, str, str, str]] = []
    for number, code, name in rows:
        bad = False
        try:
            kind = domain.region_kind(code)
        except ValidationFailed:
            errors.append(RowError(number, code_header, f"区划代码「{code}」应为 6 位数字"))
            kind, bad = "", True
        if not name:
            errors.append(RowError(number, name_header, "必填项不能为空"))
            bad = True
        elif len(name) > _REGION_NAME_MAX:
            errors.append(RowError(number, name_header, f"名称不能超过 {_REGION_NAME_MAX} 个字"))
            bad = True
        if kind and code in first_row:
            errors.append(RowError(number, code_header, f"区划代码 {code} 与第 {first_row[code]} 行重复"))
            bad = True
        elif kind:
            first_row[code] = number
        if kind and restricted:
            if not (prefix and code.startswith(prefix)):
                errors.append(RowError(number, code_header, f"区划 {code} 不在您的管辖范围内"))
                bad = True
            elif kind == "province" and known.get(code, ("", None))[0] != name:
                # Provinces are shipped reference data (GB/T 2260): only a superuser may add or rename one.
                errors.append(RowError(number, code_header, "省级区划由系统维护,不能导入或修改"))
                bad = True
        if not bad:
            planned.append((number, code, name, kind))
    available = set(known) | {code for _n, code, _name, _kind in planned}
    for number, code, _name, kind in planned:
        candidates = domain.region_parent_candidates(code)
        if kind != "province" and not any(c in available for c in candidates):
            message = f"上级区划 {candidates[-1]} 不存在,请先导入或在本文件中一并填写"
            errors.append(RowError(number, code_header, message))
    if errors:
        errors.sort(key=lambda e: e.row)
        raise ImportFailed(f"导入失败:{len({e.row for e in errors})} 行有错误,未导入任何数据", errors=errors)
    return sorted(planned, key=lambda r: (_REGION_LEVEL[r[3]], r[1]))


def _apply_regions(planned: Sequence[tuple[int, str, str, str]], known: dict[str, tuple[str, str | None]]):
    """Create or rename regions (parents first; kind and parent follow from the code)."""
    creates: list[Region] = []
    updates: list[Region] = []
    created_cities: list[str] = []
    renamed: dict[str, list[str]] = {}
    for _number, code, name, kind in planned:
        parent = next((c for c in domain.region_parent_candidates(code) if c in known), None)
        if code not in known:
            creates.append(Region(code=code, name=name, kind=kind, parent_id=parent))
            if kind == "city":
                created_cities.append(code)
        elif known[code] != (name, parent):
            if known[code][0] != name:
                renamed[code] = [known[code][0], name]
            updates.append(Region(code=code, name=name, kind=kind, parent_id=parent))
        known[code] = (name, parent)
    Region.objects.bulk_create(creates, batch_size=500)
    Region.objects.bulk_update(updates, ["name", "kind", "parent"], batch_size=500)
    for city in created_cities:
        # Districts imported before their city hung under the province: move them under the new city.
        Region.objects.filter(kind=Region.Kind.DISTRICT, code__startswith=city[:4]).exclude(
            parent_id=city
        ).update(parent_id=city)
    counts = {
        "created": len(creates),
        "updated": len(updates),
        "unchanged": len(planned) - len(creates) - len(updates),
    }
    return counts, {"created_codes": [r.code for r in creates], "renamed": renamed}


def _known_regions() -> dict[str, tuple[str, str | None]]:
    rows = Region.objects.values_list("code", "name", "parent_id")
    return {code: (name, parent) for code, name, parent in rows}


def _import_regions(
    rows: Sequence[tuple[int, str, str]], *, actor, label: str, restrict: bool = True
) -> dict[str, int]:
    known = _known_regions()
    planned = _region_plan(rows, actor=actor if restrict else None, known=known)
    counts, changes = _apply_regions(planned, known)
    if counts["created"] or counts["updated"]:
        audit.record(
            actor=actor,
            action="registry.regions.import",
            object_type="registry.region",
            object_label=label[:255],
            after={**counts, **changes},
        )
    return counts


@transaction.atomic
def regions_import(*, actor, data: bytes, filename: str = "regions.csv") -> dict[str, int]:
    """Import cities/districts (区划代码,名称; .xlsx or CSV) inside the actor's region; all or nothing.

    Idempotent: rows already stored unchanged count as `unchanged`. `actor=None` is the operator at the
    console (`dudao import-regions`), who is not limited to a region. Bad rows → ImportFailed listing
    every problem with its row number.
    """
    if actor is not None:
        require_perm(actor, "registry.import_region")
    rows = _parse_region_rows(data, filename)
    with transaction.atomic():
        return _import_regions(rows, actor=actor, label=filename or "regions")


def _reference_occupations() -> list[tuple[str, str, str]]:
    """(code, name, source) of the shipped occupations (data/occupations.csv)."""
    with open(DATA_DIR / "occupations.csv", encoding="utf-8") as fh:
        return [
            (r["code"].strip(), r["name"].strip(), (r.get("source") or "").strip() or OCC1_SOURCE)
            for r in csv.DictReader(fh)
        ]


@transaction.atomic
def reference_load(*, actor=None) -> dict[str, dict[str, int]]:
    """Load shipped reference data (34 provinces, OCC-1's sourced occupations); idempotent and audited."""
    with transaction.atomic():
        data = (DATA_DIR / "regions.csv").read_bytes()
        regions = _import_regions(
            _parse_region_rows(data, "regions.csv"),
            actor=actor,
            label="reference regions.csv",
            restrict=False,  # shipped data: provinces included, whoever runs the loader
        )
        occ = {"created": 0, "updated": 0, "unchanged": 0}
        for code, name, source in _reference_occupations():
            wanted = {"name": name, "verified": True, "source": source}
            current = Occupation.objects.filter(code=code).first()
            if current is not None and current.source and current.source not in SHIPPED_SOURCES_BEFORE:
                # A source an administrator wrote (e.g. after checking the 大典) is kept; only shipped
                # texts (blank or an earlier release's wording) are replaced.
                wanted["source"] = current.source
            if current is None:
                obj = Occupation(code=domain.validate_occupation_code(code), **wanted)
                clean(obj)
                obj.save()
                occ["created"] += 1
                audit.record(
                    actor=actor, action="registry.occupation.create", obj=obj, after=audit.snapshot(obj)
                )
            elif any(getattr(current, k) != v for k, v in wanted.items()):
                before = audit.snapshot(current)
                for k, v in wanted.items():
                    setattr(current, k, v)
                current.row_version += 1
                current.save(update_fields=[*wanted, "row_version", "updated_at"])
                occ["updated"] += 1
                audit.record(
                    actor=actor,
                    action="registry.occupation.update",
                    obj=current,
                    before=before,
                    after=audit.snapshot(current),
                )
            else:
                occ["unchanged"] += 1
    return {"regions": regions, "occupations": occ}
