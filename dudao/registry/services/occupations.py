"""Occupations (OCC-1): create and update."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dudao.common import audit
from dudao.common.writes import (
    check_fields,
    clean,
    fail,
    lock_version,
    require_perm,
    save_changed,
    text,
    visible_or_404,
)

from .. import domain
from ..models import Occupation

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
