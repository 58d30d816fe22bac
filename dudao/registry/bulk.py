"""Registry bulk writers: many institutions, occupations, venues, filings (with scopes) or batches in one
go, with the single-row services' rules (INST-1 USCC by python-stdnum and unique, region inside the
authority's jurisdiction, INST-2 periods, INST-3 batches in the filed scope with qualified examiners, the
actor's scope and permission, one-line fields, model field checks) and one audit event per record.

Input rows are `(row_number, {key: value})` with the import columns' keys (registry.excel); references are
given as codes (region code, authority code, institution USCC). Every problem of every row is collected;
`BulkRefused` lists them and nothing is written. `dry_run=True` checks without writing. Callers run these
inside their transaction (excel imports, `dudao import`); the functions are atomic themselves too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone

from dudao.common import audit
from dudao.common.bulk import BulkResult, Problems, build, chunks, existing, field_errors, insert
from dudao.common.errors import PermissionDenied, ValidationFailed
from dudao.common.writes import parse_date, parse_datetime, pk_of, text

from . import domain, selectors, services
from .models import Authority, Batch, Filing, FilingScope, Institution, Occupation, Region, Venue

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


def _date(problems: Problems, number: int, row: Mapping[str, Any], key: str, label: str):
    try:
        return parse_date(row.get(key), key, label)
    except ValidationFailed as exc:
        problems.add_error(number, exc, row, key)
        return None


def _visible_institutions(actor, rows: Rows, key: str = "institution_uscc") -> dict[str, Institution]:
    usccs = sorted({domain.normalise_uscc(text(r.get(key))) for _n, r in rows} - {""})
    found: dict[str, Institution] = {}
    for chunk in chunks(usccs, 900):
        qs = selectors.institutions_for(actor).filter(uscc__in=chunk).select_related("authority")
        found.update({i.uscc: i for i in qs})
    return found


def _institution(
    problems: Problems, number: int, row: Mapping[str, Any], visible: dict[str, Institution], perm: str, actor
) -> Institution | None:
    """The row's institution (by USCC) inside the actor's scope, on which the actor holds `perm`."""
    uscc = domain.normalise_uscc(text(row.get("institution_uscc")))
    institution = visible.get(uscc)
    if institution is None:
        message = (
            f"评价机构「{uscc}」不存在或不在您的管辖范围内" if uscc else "请填写评价机构统一社会信用代码"
        )
        problems.add(number, "institution_uscc", message, row.get("institution_uscc"))
        return None
    if not actor.has_perm(perm, institution):
        problems.add(number, "institution_uscc", f"没有为评价机构「{institution.name}」办理此项的权限", uscc)
        return None
    return institution


# ---------------------------------------------------------------------------------------------------------
# Filings with their scopes (INST-2)
def _filing_scopes(
    problems: Problems,
    number: int,
    row: Mapping[str, Any],
    filing: Filing,
    occupations: dict[str, Occupation],
) -> list[FilingScope]:
    """_scope_add's rules for each scope entry of a new filing (reported on the `scopes` column)."""
    scopes: list[FilingScope] = []
    entries = list(row.get("scopes") or ())
    if entries and filing.status in domain.CLOSED_FILING_STATUSES:
        problems.add(number, "scopes", f"备案状态为「{filing.get_status_display()}」,不能增加认定范围")
        return scopes
    open_entries: list[tuple[int, str, set[int]]] = []

    def fail(message: str, value: Any = None) -> None:
        problems.add(number, "scopes", message, value)

    for entry in entries:
        code = text(entry.get("occupation"))
        occupation = occupations.get(code)
        if occupation is None or not occupation.is_active:
            fail("职业不存在或已停用" if code else "请选择职业", code)
            continue
        try:
            levels = domain.validate_levels(entry.get("levels") or [])
        except ValidationFailed as exc:
            fail(exc.message, entry.get("levels"))
            continue
        start = filing.valid_from
        if entry.get("start_date") not in (None, ""):
            try:
                start = parse_date(entry.get("start_date"), "start_date")
            except ValidationFailed as exc:
                fail(exc.message, entry.get("start_date"))
                continue
        if filing.valid_from and filing.valid_until and not filing.valid_from <= start <= filing.valid_until:
            fail(
                f"起始日期应在备案有效期({filing.valid_from:%Y-%m-%d} 至 {filing.valid_until:%Y-%m-%d})内",
                start,
            )
            continue
        work_type = text(entry.get("work_type"))
        common = next(
            (
                taken & set(levels)
                for occ_id, wt, taken in open_entries
                if occ_id == occupation.pk and wt == work_type and taken & set(levels)
            ),
            None,
        )
        if common:
            fail(
                f"职业「{occupation.name}」{work_type}的等级 {domain.level_names(common)} 已在认定范围内",
                code,
            )
            continue
        open_entries.append((occupation.pk, work_type, set(levels)))
        scope = FilingScope(
            filing=filing, occupation=occupation, work_type=work_type, levels=levels, start_date=start
        )
        for messages in field_errors(scope, exclude=["filing"]).values():
            for message in messages:
                fail(message, code)
        scopes.append(scope)
    return scopes


@transaction.atomic
def filings_create(*, actor, rows: Rows, dry_run: bool = False) -> BulkResult:
    """filing_create with its scopes for every row (INST-2: number unique, period, no overlapping open filing
    of the institution in the database or the input); all or nothing; one `registry.filing.create` event per
    filing and one `registry.scope.add` per scope entry.

    Keys: `institution_uscc`, `number`, `valid_from`, `valid_until`, `status`, `authority` (code; blank =
    the institution's), `note`, `scopes` ([{"occupation": code, "levels", "work_type", "start_date"}])."""
    problems = Problems()
    visible = _visible_institutions(actor, rows)
    authorities = _visible_authorities(actor)
    codes = {text(e.get("occupation")) for _n, r in rows for e in (r.get("scopes") or ())}
    occupations = {o.code: o for o in Occupation.objects.filter(code__in=sorted(codes))}
    wanted = sorted({text(r.get("number")) for _n, r in rows} - {""})
    numbers: dict[str, str] = {}
    for chunk in chunks(wanted, 900):
        numbers.update(Filing.objects.filter(number__in=chunk).values_list("number", "institution__name"))
    institution_ids = sorted({i.pk for i in visible.values()})
    open_periods: dict[int, list[tuple[Any, Any, str]]] = {}
    for chunk in chunks(institution_ids, 900):
        for iid, vfrom, vuntil, num in (
            Filing.objects.filter(institution_id__in=chunk)
            .exclude(status__in=domain.CLOSED_FILING_STATUSES)
            .order_by("valid_from")
            .values_list("institution_id", "valid_from", "valid_until", "number")
        ):
            open_periods.setdefault(iid, []).append((vfrom, vuntil, num))
    first_row: dict[str, int] = {}
    built: list[tuple[Filing, list[FilingScope]]] = []
    for number, row in rows:
        count = len(problems.items)
        institution = _institution(problems, number, row, visible, "registry.add_filing", actor)
        status = text(row.get("status")) or Filing.Status.ACTIVE
        if status not in Filing.Status.values:
            problems.add(number, "status", f"备案状态「{status}」无效", status)
        valid_from = _date(problems, number, row, "valid_from", "日期")
        valid_until = _date(problems, number, row, "valid_until", "日期")
        if valid_from and valid_until:
            try:
                domain.validate_period(valid_from, valid_until)
            except ValidationFailed as exc:
                problems.add_error(number, exc, row, "valid_until")
        filing_number = text(row.get("number"))
        if not filing_number:
            problems.add(number, "number", "请填写备案编号")
        elif filing_number in numbers:
            message = f"备案编号 {filing_number} 已存在(机构「{numbers[filing_number]}」)"
            problems.add(number, "number", message, filing_number)
        elif filing_number in first_row:
            message = f"备案编号 {filing_number} 与第 {first_row[filing_number]} 行重复"
            problems.add(number, "number", message, filing_number)
        else:
            first_row[filing_number] = number
        code = text(row.get("authority"))
        authority = institution.authority if institution is not None else None
        if code:
            authority = authorities.get(code)
            if authority is None:
                problems.add(number, "authority", "备案机关不存在或不在您的管辖范围内", code)
        if institution is None:
            continue
        if (
            valid_from
            and valid_until
            and valid_from <= valid_until
            and status in Filing.Status.values
            and status not in domain.CLOSED_FILING_STATUSES
        ):
            periods = open_periods.setdefault(institution.pk, [])
            for other_from, other_until, other_number in periods:
                if domain.filing_periods_overlap(valid_from, valid_until, other_from, other_until):
                    problems.add(
                        number,
                        "valid_from",
                        f"与现有备案 {other_number} 的有效期重叠"
                        f"({other_from:%Y-%m-%d} 至 {other_until:%Y-%m-%d})",
                        valid_from,
                    )
                    break
            else:
                periods.append((valid_from, valid_until, filing_number))
        filing = Filing(
            institution=institution,
            authority=authority,
            number=filing_number,
            valid_from=valid_from,
            valid_until=valid_until,
            status=status,
            note=text(row.get("note")),
        )
        flagged = {p.field for p in problems.items[count:]}
        _merge(problems, number, field_errors(filing, exclude=flagged), row)
        scopes = (
            _filing_scopes(problems, number, row, filing, occupations) if valid_from and valid_until else []
        )
        built.append((filing, scopes))
    problems.raise_if_any()
    filings = [f for f, _s in built]
    if not dry_run:
        insert(Filing, filings)
        audit.record_many(actor=actor, action="registry.filing.create", objects=filings)
        scopes = [s for _f, entries in built for s in entries]
        insert(FilingScope, scopes)
        audit.record_many(actor=actor, action="registry.scope.add", objects=scopes)
    return BulkResult(rows=len(rows), created=len(filings), objects=filings)


# ---------------------------------------------------------------------------------------------------------
# Batches (INST-3, EXAM-2/3)
def _ids(value: Any) -> list[int] | None:
    try:
        return list(dict.fromkeys(int(pk_of(e)) for e in value or ()))
    except (TypeError, ValueError):
        return None


def _insert_team_links(batches: list[Batch], teams: list[list[Any]]) -> None:
    """The batch–examiner link rows that `batch.examiners.set(team)` inserts (no fields of their own)."""
    through = Batch.examiners.through
    connection = connections[router.db_for_write(through)]
    quote = connection.ops.quote_name
    table = quote(through._meta.db_table)
    batch_col = quote(through._meta.get_field("batch").column)
    examiner_col = quote(through._meta.get_field("examiner").column)
    sql = f"INSERT INTO {table} ({batch_col}, {examiner_col}) VALUES (%s, %s)"  # noqa: S608 - quoted names
    pairs = [(b.pk, e.pk) for b, team in zip(batches, teams, strict=True) for e in team]
    with connection.cursor() as cursor:
        for chunk in chunks(pairs, 5000):
            cursor.executemany(sql, chunk)


@transaction.atomic
def batches_create(*, actor, rows: Rows, dry_run: bool = False) -> BulkResult:
    """batch_create for every row: inside the institution's filed scope (INST-3), venue of the institution
    and in use, every examiner qualified (EXAM-2/3), the leader one of them, code unique (generated
    `PC{yyyymmdd}{seq}` when blank); all or nothing; one `registry.batch.create` event per batch.

    Keys: `institution_uscc`, `occupation` (code), `work_type`, `levels`, `starts_at`, `ends_at`, `venue`
    (id), `candidate_count`, `examiners` (ids), `team_leader` (id), `code`."""
    problems = Problems()
    visible = _visible_institutions(actor, rows)
    codes = {text(r.get("occupation")) for _n, r in rows}
    occupations = {o.code: o for o in Occupation.objects.filter(code__in=sorted(codes - {""}))}
    venue_ids = sorted({v for _n, r in rows for v in (_ids([r.get("venue")]) or []) if r.get("venue")})
    venues = Venue.objects.in_bulk(venue_ids)
    examiner_ids = sorted({pk for _n, r in rows for pk in (_ids(r.get("examiners")) or [])})
    found = services.examiners_with_cards(examiner_ids)
    specs: dict[int, list[domain.FilingSpec]] = {}
    given = existing(Batch, "code", (text(r.get("code")) for _n, r in rows))
    first_row: dict[str, int] = {}
    built: list[tuple[int, Batch, list[Any]]] = []
    for number, row in rows:
        count = len(problems.items)

        def fail(key: str, message: str, value: Any = None, number: int = number, row=row) -> None:
            problems.add(number, key, message, row.get(key) if value is None else value)

        institution = _institution(problems, number, row, visible, "registry.add_batch", actor)
        code = text(row.get("occupation"))
        occupation = occupations.get(code)
        if occupation is None or not occupation.is_active:
            fail("occupation", "职业不存在或已停用" if code else "请选择职业")
        levels: list[int] = []
        try:
            levels = domain.validate_levels(row.get("levels") or [])
        except ValidationFailed as exc:
            problems.add_error(number, exc, row, "levels")
        times = {}
        for key in ("starts_at", "ends_at"):
            value = row.get(key)
            if not isinstance(value, dt.datetime):
                fail(key, "时间格式应为 YYYY-MM-DD HH:MM")
            else:
                times[key] = parse_datetime(value, key)
        venue = None
        venue_pk = _ids([row.get("venue")]) if row.get("venue") not in (None, "") else None
        if venue_pk is None:
            fail("venue", "请选择考核场所")
        else:
            venue = venues.get(venue_pk[0])
            if venue is None or (institution is not None and venue.institution_id != institution.pk):
                fail("venue", "考核场所不属于该评价机构")
                venue = None
            elif not venue.is_active:
                fail("venue", f"考核场所「{venue.name}」已停用")
        candidate_count = 0
        try:
            candidate_count = int(row.get("candidate_count") or 0)
        except (TypeError, ValueError):
            fail("candidate_count", "考生人数应为整数")
        else:
            if candidate_count < 0:
                fail("candidate_count", "考生人数不能为负数")
        ids = _ids(row.get("examiners"))
        if ids is None:
            fail("examiners", "考评人员格式不正确")
        if problems.has(number) or institution is None or occupation is None:
            continue
        work_type = text(row.get("work_type"))
        local_start, local_end = timezone.localtime(times["starts_at"]), timezone.localtime(times["ends_at"])
        if institution.pk not in specs:
            specs[institution.pk] = selectors.filing_specs_for_institution(institution.pk)
        spec = domain.BatchSpec(
            occupation_id=occupation.pk,
            occupation_label=occupation.name,
            work_type=work_type,
            levels=tuple(levels),
            starts_at=local_start,
            ends_at=local_end,
        )
        filing = None
        try:
            filing = domain.check_batch_in_scope(spec, specs[institution.pk])
        except ValidationFailed as exc:
            problems.add_error(number, exc, row, "occupation")
        team, messages = [], []
        for pk in ids or []:
            examiner = found.get(pk)
            if examiner is None:
                messages.append(f"编号为 {pk} 的考评员不存在")
                continue
            problem = services.examiner_problem(
                examiner, occupation, work_type, levels, local_start.date(), local_end.date()
            )
            if problem:
                messages.append(f"考评员 {examiner.person.name}:{problem}")
            team.append(examiner)
        for message in messages:
            fail("examiners", message, "")
        leader = None
        if row.get("team_leader") not in (None, ""):
            leader_pk = _ids([row.get("team_leader")])
            leader = found.get(leader_pk[0]) if leader_pk and leader_pk[0] in (ids or []) else None
            if leader is None:
                fail("team_leader", "考评组长须是本批次的考评人员之一")
        batch_code = text(row.get("code"))
        if batch_code in given:
            fail("code", f"批次编号 {batch_code} 已存在")
        elif batch_code in first_row:
            fail("code", f"批次编号 {batch_code} 与第 {first_row[batch_code]} 行重复")
        elif batch_code:
            first_row[batch_code] = number
        if filing is None:
            continue
        batch = Batch(
            institution=institution,
            filing_id=filing.id,
            team_leader=leader,
            code=batch_code,
            occupation=occupation,
            work_type=work_type,
            levels=levels,
            starts_at=times["starts_at"],
            ends_at=times["ends_at"],
            venue=venue,
            candidate_count=candidate_count,
        )
        flagged = {p.field for p in problems.items[count:]}
        _merge(problems, number, field_errors(batch, exclude={"code", *flagged}), row)
        built.append((number, batch, team))
    problems.raise_if_any()
    # Generated codes (batch_create's _new_batch_code): after the day's highest, in row order.
    days = sorted({timezone.localtime(b.starts_at).date() for _n, b, _t in built if not b.code})
    taken: dict[dt.date, set[str]] = {}
    for day in days:
        prefix = f"PC{day:%Y%m%d}"
        taken[day] = set(
            Batch.objects.filter(code__gte=prefix, code__lt=prefix + "~").values_list("code", flat=True)
        ) | {b.code for _n, b, _t in built if b.code.startswith(prefix)}
    for _n, batch, _t in built:
        if not batch.code:
            day = timezone.localtime(batch.starts_at).date()
            batch.code = domain.batch_code(day, domain.next_batch_seq(taken[day], day))
            taken[day].add(batch.code)
    batches = [b for _n, b, _t in built]
    teams = [t for _n, _b, t in built]
    if not dry_run:
        insert(Batch, batches)
        _insert_team_links(batches, teams)
        afters = [
            {**audit.snapshot(b), "examiners": [e.pk for e in team]}
            for b, team in zip(batches, teams, strict=True)
        ]
        audit.record_many(actor=actor, action="registry.batch.create", objects=batches, after=afters)
    return BulkResult(rows=len(rows), created=len(batches), objects=batches)
