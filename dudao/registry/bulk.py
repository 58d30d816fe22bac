"""Registry bulk writers: many institutions, occupations or venues in one go, with the single-row services'
rules (INST-1 USCC by python-stdnum and unique, region inside the authority's jurisdiction, the actor's
scope and permission, one-line fields, model field checks) and one audit event per row.

Input rows are `(row_number, {key: value})` with the import columns' keys (registry.excel); references are
given as codes (region code, authority code, institution USCC). Every problem of every row is collected;
`BulkRefused` lists them and nothing is written. `dry_run=True` checks without writing. Callers run these
inside their transaction (excel imports, `dudao import`); the functions are atomic themselves too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from dudao.common import audit
from dudao.common.bulk import BulkResult, Problems, build, existing, field_errors, insert
from dudao.common.errors import PermissionDenied, ValidationFailed
from dudao.common.writes import text

from . import domain, selectors
from .models import Authority, Institution, Occupation, Region, Venue

Rows = Sequence[tuple[int, Mapping[str, Any]]]


def _require(actor, perm: str, obj: Any = None) -> None:
    if actor is None or not actor.has_perm(perm, obj):
        raise PermissionDenied()


def _merge(problems: Problems, row: int, errors: Mapping[str, list[str]], values: Mapping[str, Any]) -> None:
    for field, messages in errors.items():
        for message in messages:
            problems.add(row, field if field != "__all__" else "", message, values.get(field))


# ---------------------------------------------------------------------------------------------------------
# Institutions (INST-1): institution_create's rules, row by row, every problem reported.
_INSTITUTION_TEXT = (
    "name",
    "parent_org_name",
    "address",
    "legal_representative",
    "contact_name",
    "contact_phone",
)


_KINDS = frozenset(Institution.Kind.values)


def _visible_authorities(actor) -> dict[str, Authority]:
    return {a.code: a for a in selectors.authorities_for(actor).select_related("region")}


def _default_authority(actor, by_code: dict[str, Authority]) -> Authority | None:
    """institution_create: a blank authority is the actor's own (not for a superuser)."""
    if actor.is_superuser or not getattr(actor, "authority_id", None):
        return None
    return next((a for a in by_code.values() if a.pk == actor.authority_id), None)


def _institution_row(
    number: int,
    row: Mapping[str, Any],
    *,
    problems: Problems,
    authorities: dict[str, Authority],
    default_authority: Authority | None,
    regions: dict[str, str],
    taken: dict[str, str],
    first_row: dict[str, int],
) -> Institution | None:
    values = {name: text(row.get(name)) for name in _INSTITUTION_TEXT}
    count = len(problems.items)

    def fail(field: str, message: str, value: Any = None) -> None:
        problems.add(number, field, message, row.get(field) if value is None else value)

    if not values["name"]:
        fail("name", "请填写机构名称")
    if values["contact_phone"] and not domain.INSTITUTION_PHONE_RE.match(values["contact_phone"]):
        fail("contact_phone", domain.INSTITUTION_PHONE_MESSAGE)
    kind = text(row.get("kind"))
    if kind not in _KINDS:
        fail("kind", f"机构类型「{kind}」无效" if kind else "请选择机构类型")
    uscc = ""
    try:
        uscc = domain.validate_uscc(text(row.get("uscc")))
    except ValidationFailed as exc:
        fail("uscc", exc.message)
    else:
        if uscc in taken:
            fail("uscc", f"统一社会信用代码 {uscc} 已被机构「{taken[uscc]}」使用")
        elif uscc in first_row:
            fail("uscc", f"统一社会信用代码 {uscc} 与第 {first_row[uscc]} 行重复")
        else:
            first_row[uscc] = number
    code = text(row.get("authority"))
    authority = authorities.get(code) if code else default_authority
    if authority is None:
        fail(
            "authority",
            f"主管机构编码「{code}」不存在或不在您的管辖范围内" if code else "请选择主管(备案)机构",
        )
    region_code = text(row.get("region"))
    if not region_code:
        fail("region", "请选择所在区划")
    elif region_code not in regions:
        fail("region", "所在区划不存在")
    elif authority is not None and not region_code.startswith(authority.region.prefix):
        fail("region", f"所在区划「{regions[region_code]}」不在主管机构「{authority.name}」的辖区内")
    if not domain.parent_org_allowed(kind, values["parent_org_name"]):
        fail("parent_org_name", domain.PARENT_ORG_MESSAGE)
    obj = build(
        Institution,
        {
            **values,
            "kind": kind,
            "uscc": uscc or text(row.get("uscc")),
            "region_id": region_code or None,
            "is_active": True if row.get("is_active") is None else bool(row.get("is_active")),
        },
        {"authority": authority},
    )
    flagged = {p.field for p in problems.items[count:]}
    _merge(problems, number, field_errors(obj, exclude=flagged), row)
    return None if problems.has(number) else obj


@transaction.atomic
def institutions_create(*, actor, rows: Rows, dry_run: bool = False) -> BulkResult:
    """institution_create for every row (INST-1); all or nothing; one audit event per institution."""
    _require(actor, "registry.add_institution")
    problems = Problems()
    authorities = _visible_authorities(actor)
    default_authority = _default_authority(actor, authorities)
    regions = dict(Region.objects.values_list("code", "name"))
    taken = existing(
        Institution, "uscc", (domain.normalise_uscc(text(r.get("uscc"))) for _n, r in rows), also="name"
    )
    first_row: dict[str, int] = {}
    objects = []
    for number, row in rows:
        obj = _institution_row(
            number,
            row,
            problems=problems,
            authorities=authorities,
            default_authority=default_authority,
            regions=regions,
            taken=taken,
            first_row=first_row,
        )
        if obj is not None:
            objects.append(obj)
    problems.raise_if_any()
    if not dry_run:
        insert(Institution, objects)
        audit.record_many(actor=actor, action="registry.institution.create", objects=objects)
    return BulkResult(rows=len(rows), created=len(objects), objects=objects)


# ---------------------------------------------------------------------------------------------------------
# Occupations (OCC-1)
@transaction.atomic
def occupations_create(*, actor, rows: Rows, dry_run: bool = False) -> BulkResult:
    """occupation_create for every row: code format and unique, name, a verified code names its source."""
    _require(actor, "registry.add_occupation")
    problems = Problems()
    codes = []
    for _n, row in rows:
        try:
            codes.append(domain.validate_occupation_code(text(row.get("code"))))
        except ValidationFailed:
            continue
    taken = existing(Occupation, "code", codes, also="name")
    first_row: dict[str, int] = {}
    objects = []
    for number, row in rows:
        count = len(problems.items)
        code = ""
        try:
            code = domain.validate_occupation_code(text(row.get("code")))
        except ValidationFailed as exc:
            problems.add_error(number, exc, row, "code")
        else:
            if code in taken:
                problems.add(number, "code", f"职业编码 {code} 已存在(职业「{taken[code]}」)", code)
            elif code in first_row:
                problems.add(number, "code", f"职业编码 {code} 与第 {first_row[code]} 行重复", code)
            else:
                first_row[code] = number
        name, source = text(row.get("name")), text(row.get("source"))
        if not name:
            problems.add(number, "name", "请填写职业名称")
        verified = bool(row.get("verified"))
        if verified and not source:
            problems.add(number, "source", "已核实的职业编码须注明编码来源")
        obj = Occupation(
            code=code or text(row.get("code")),
            name=name,
            verified=verified,
            source=source,
            is_active=True if row.get("is_active") is None else bool(row.get("is_active")),
        )
        flagged = {p.field for p in problems.items[count:]}
        _merge(problems, number, field_errors(obj, exclude=flagged), row)
        if not problems.has(number):
            objects.append(obj)
    problems.raise_if_any()
    if not dry_run:
        insert(Occupation, objects)
        audit.record_many(actor=actor, action="registry.occupation.create", objects=objects)
    return BulkResult(rows=len(rows), created=len(objects), objects=objects)


# ---------------------------------------------------------------------------------------------------------
# Venues
@transaction.atomic
def venues_create(*, actor, rows: Rows, dry_run: bool = False) -> BulkResult:
    """venue_create for every row: the institution (by USCC) visible to the actor, who may add its venues."""
    problems = Problems()
    usccs = {domain.normalise_uscc(text(r.get("institution_uscc"))) for _n, r in rows}
    visible = {
        i.uscc: i
        for i in selectors.institutions_for(actor).filter(uscc__in=sorted(usccs)).select_related("authority")
    }
    allowed: dict[int, bool] = {}
    objects = []
    for number, row in rows:
        count = len(problems.items)
        uscc = domain.normalise_uscc(text(row.get("institution_uscc")))
        institution = visible.get(uscc)
        if institution is None:
            message = (
                f"评价机构「{uscc}」不存在或不在您的管辖范围内" if uscc else "请填写评价机构统一社会信用代码"
            )
            problems.add(number, "institution_uscc", message, row.get("institution_uscc"))
        else:
            if institution.pk not in allowed:
                allowed[institution.pk] = actor.has_perm("registry.add_venue", institution)
            if not allowed[institution.pk]:
                raise PermissionDenied(f"没有为评价机构「{institution.name}」添加考核场所的权限")
        name = text(row.get("name"))
        if not name:
            problems.add(number, "name", "请填写场所名称")
        counts: dict[str, int] = {}
        for field, label, minimum in domain.VENUE_COUNTS:
            value = row.get(field)
            if value is None:
                counts[field] = {"room_count": 1, "capacity": 30, "camera_count": 0}[field]
                continue
            try:
                counts[field] = domain.venue_count(value, label, minimum)
            except ValueError as exc:
                problems.add(number, field, str(exc), value)
        obj = Venue(
            institution=institution,
            name=name,
            address=text(row.get("address")),
            **counts,
            is_active=True if row.get("is_active") is None else bool(row.get("is_active")),
        )
        flagged = {p.field for p in problems.items[count:]}
        _merge(problems, number, field_errors(obj, exclude=flagged), row)
        if not problems.has(number):
            objects.append(obj)
    problems.raise_if_any()
    if not dry_run:
        insert(Venue, objects)
        audit.record_many(actor=actor, action="registry.venue.create", objects=objects)
    return BulkResult(rows=len(rows), created=len(objects), objects=objects)
