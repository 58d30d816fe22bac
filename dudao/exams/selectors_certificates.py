"""Reads of results and certificates: scoped lists for staff, and the public look-up (CERT-2)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db import connections, router
from django.db.models import Q, QuerySet
from django.utils import timezone

from dudao.accounts.permissions import is_authority_user, is_institution_user, is_superuser
from dudao.common import pii
from dudao.common.errors import ApplicationError, NotFound, ValidationFailed
from dudao.people import domain as people_domain
from dudao.registry.permissions import user_region_prefix

from .domain.publication import mask_name, publicity_live
from .models import Certificate, ExamResult, ResultPublication

PUBLIC_LIMIT = 20
LOOKUP_MESSAGE = "请至少填写姓名、身份证号、证书编号中的两项"


class BadLookup(ApplicationError):
    """A public look-up the contract refuses with 400 (issue 11: any two of the three, else 400)."""

    code = "bad_lookup"
    status = 400


def certificates_for(user: Any) -> QuerySet[Certificate]:
    """The authority its region's institutions' certificates, an institution its own, superusers all."""
    qs = Certificate.objects.select_related("institution")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if is_superuser(user):
        return qs
    if is_authority_user(user):
        prefix = user_region_prefix(user)
        return qs.filter(institution__region__code__startswith=prefix) if prefix else qs.none()
    if is_institution_user(user):
        return qs.filter(institution_id=user.institution_id)
    return qs.none()


def certificate_get(user: Any, number: Any) -> Certificate:
    """One certificate in the user's scope by its number; out of scope and missing are the same 404."""
    cert = (
        certificates_for(user)
        .filter(number=str(number or "").strip().upper())
        .select_related("registration")
        .first()
    )
    if cert is None:
        raise NotFound("证书不存在或无权查看")
    return cert


def search_certificates(
    qs: QuerySet[Certificate],
    *,
    q: str = "",
    number: str = "",
    name: str = "",
    status: str = "",
    plan: int | None = None,
) -> QuerySet[Certificate]:
    if number:
        qs = qs.filter(number__startswith=number.strip().upper())
    if name:
        qs = qs.filter(name=name.strip())
    if q:
        q = q.strip()
        qs = qs.filter(Q(number__startswith=q.upper()) | Q(name__startswith=q))
    if status:
        qs = qs.filter(status=status)
    if plan:
        qs = qs.filter(registration__plan_id=plan)
    return qs


# What the look-up shows (CERT-2): the page and the API read nothing else of a found certificate.
PUBLIC_FIELDS = (
    "id",
    "number",
    "name",
    "id_number_masked",
    "occupation_code",
    "occupation_name",
    "level",
    "institution_name",
    "issued_on",
    "status",
    "voided_at",
)


def public_lookup(*, name: Any = "", id_number: Any = "", number: Any = "") -> list[Certificate]:
    """CERT-2: certificates matching at least two of name, ID number and certificate number (all given ones
    must match); voided certificates included (shown as voided). ValidationFailed with fewer than two.

    The certificates hold PUBLIC_FIELDS only (any other field is read from the database on access)."""
    name = str(name or "").strip()
    id_raw = str(id_number or "").strip()
    number = str(number or "").strip().upper()
    if sum(bool(v) for v in (name, id_raw, number)) < 2:
        raise BadLookup(LOOKUP_MESSAGE, detail={"query": [LOOKUP_MESSAGE]})
    values = {"name": name, "number": number}
    indexes: list[str] = []
    if id_raw:
        try:
            rid = people_domain.parse_resident_id(id_raw)
        except ValidationFailed as exc:  # a malformed number: its Chinese message, as a 400
            raise BadLookup(exc.message, detail={"id_number": [exc.message]}) from None
        indexes = pii.blind_index_candidates(rid.number)
        values.update((f"index{i}", value) for i, value in enumerate(indexes))
    alias = router.db_for_read(Certificate)
    compiler, converters, sql, slots = _lookup_query(alias, bool(name), bool(number), len(indexes))
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [values[slot] for slot in slots])
        rows = cursor.fetchall()
    if converters:  # e.g. SQLite's dates: as the queryset would convert them
        rows = compiler.apply_converters(rows, converters)
    return [Certificate.from_db(alias, PUBLIC_FIELDS, row) for row in rows]


_SLOT = "\x00slot:"  # a parameter value no input can hold (NUL): marks where each input goes


@functools.lru_cache(maxsize=32)
def _lookup_query(
    alias: str, by_name: bool, by_number: bool, indexes: int
) -> tuple[Any, list, str, list[str]]:
    """The look-up's SQL for one shape of query (which keys, how many blind-index candidates), built by the
    ORM once per process: compiling it cost more than running it (issue 11 Performance). Returns the
    compiler and its converters (they convert the rows' values as a queryset would), the SQL and, for each
    parameter, the name of the input that fills it."""
    qs = Certificate.objects.using(alias)
    if by_name:
        qs = qs.filter(name=f"{_SLOT}name")
    if by_number:
        qs = qs.filter(number=f"{_SLOT}number")
    if indexes:
        qs = qs.filter(person__id_number_index__in=[f"{_SLOT}index{i}" for i in range(indexes)])
    query = qs.order_by("-issued_on", "number").values_list(*PUBLIC_FIELDS)[:PUBLIC_LIMIT].query
    compiler = query.get_compiler(alias)
    sql, params = compiler.as_sql()
    slots = [str(p).removeprefix(_SLOT) for p in params]
    if any(not str(p).startswith(_SLOT) for p in params):  # every parameter must be one of ours
        raise RuntimeError(f"public_lookup: unexpected parameters {params!r}")
    converters = compiler.get_converters([column for column, _, _ in compiler.select[: compiler.col_count]])
    return compiler, converters, sql, slots


def publicity_list(plan_pk: Any, today: dt.date | None = None) -> tuple[Any, list[dict[str, Any]]]:
    """EXAM-9 公示: the published plan and its passed candidates, masked (name, ID number), while the 公示
    window runs; (publication, []) after it closed; NotFound before publication or for an unknown plan."""
    publication = (
        ResultPublication.objects.filter(plan_id=_int_or_none(plan_id=plan_pk))
        .select_related("plan__batch__institution", "plan__batch__occupation")
        .first()
    )
    if publication is None:
        raise NotFound("该计划的成绩尚未公示")
    if not publicity_live(publication.publicity_ends_on, today or timezone.localdate()):
        return publication, []
    rows = (
        ExamResult.objects.filter(registration__plan_id=publication.plan_id, passed=True)
        .select_related("registration__person")
        .order_by("registration__level", "registration__number")
    )
    return publication, [
        {
            "name": mask_name(r.registration.person.name),
            "id_number_masked": r.registration.person.id_number_masked,
            "level": r.registration.level,
        }
        for r in rows
    ]


def _int_or_none(*, plan_id: Any) -> int | None:
    try:
        return int(plan_id)
    except (TypeError, ValueError):
        return None
