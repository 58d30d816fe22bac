"""Authorities (委派机构): create and update within the actor's region."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from dudao.common import audit
from dudao.common.writes import (
    check_fields,
    clean,
    fail,
    lock_version,
    ref_or_fail,
    require_perm,
    save_changed,
    text,
    visible_or_404,
)

from .. import selectors
from ..models import Authority, Region
from ..permissions import user_region_prefix

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
