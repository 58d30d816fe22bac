"""Rules for registering a person, shared by people.services (one person) and people.bulk (many):
who may register with which owner (data scope), the name and resident-ID checks (python-stdnum), and the
audit snapshot that leaves out what would rebuild the ID number (SEC-3)."""

from __future__ import annotations

from typing import Any

from dudao.accounts.permissions import (
    is_authority_user,
    is_institution_admin,
    is_superuser,
    region_prefix_covers,
)
from dudao.common import audit
from dudao.common.errors import PermissionDenied, ValidationFailed
from dudao.common.refs import not_visible
from dudao.registry.models import Authority, Institution
from dudao.registry.selectors import institutions_for

from . import domain
from .models import Person
from .selectors import today


def person_audit(person: Person) -> dict[str, Any]:
    """Audit snapshot of a person (SEC-3): birth year instead of the date, the phone masked."""
    data = audit.snapshot(person)
    data["birth_year"] = person.birth_year
    data["phone"] = domain.mask_phone(person.phone)
    return data


def check_employer_visible(actor, employer: Institution | None, field: str = "employer_id") -> None:
    """SEC-3: a person's employer decides who else reads the person; it must be in the actor's scope."""
    visible = (
        employer is None or is_superuser(actor) or institutions_for(actor).filter(pk=employer.pk).exists()
    )
    if not visible:
        raise not_visible(field, "评价机构")


def person_scope_for_create(actor, *, employer: Institution | None, registered_by: Authority | None):
    """Who may register a person, and with which owner (data scope) — see docs/permissions-people.md."""
    if is_superuser(actor):
        return employer, registered_by
    if is_authority_user(actor):
        registered_by = registered_by or actor.authority
        if not region_prefix_covers(actor, registered_by.region_id):
            raise PermissionDenied("只能在本机构辖区内登记人员")
        check_employer_visible(actor, employer)
        return employer, registered_by
    if is_institution_admin(actor):
        if employer is not None and employer.pk != actor.institution_id:
            raise PermissionDenied("只能登记本机构的人员")
        if registered_by is not None:
            raise PermissionDenied("评价机构不能指定登记机构")
        return actor.institution, None
    raise PermissionDenied("没有登记人员的权限")


def parse_person_fields(
    name: Any, id_number: Any
) -> tuple[str, domain.ResidentId | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["请填写姓名"]
    elif len(name) > 64:
        errors["name"] = ["姓名不能超过 64 个字"]
    rid = None
    try:
        rid = domain.parse_resident_id(id_number, today=today())
    except ValidationFailed as exc:
        errors.update(exc.detail)
    return name, rid, errors
