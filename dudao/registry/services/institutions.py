"""Institutions (INST-1): create, update, contact details."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from dudao.common import audit
from dudao.common.errors import (
    PermissionDenied,
)
from dudao.common.writes import (
    check_fields,
    clean,
    fail,
    lock_version,
    pk_of,
    ref_or_fail,
    require_perm,
    save_changed,
    text,
    visible_or_404,
)

from .. import domain, selectors
from ..models import Authority, Institution, Region
from ..permissions import INSTITUTION_CONTACT_FIELDS

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
    *domain.COMPLAINT_CHANNEL_FIELDS,
    "is_active",
)
_PHONE_RE = domain.INSTITUTION_PHONE_RE


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
        *domain.COMPLAINT_CHANNEL_FIELDS,
    ):
        if name in values:
            values[name] = text(values[name])
    channel = domain.complaint_channel_problems(values)
    if channel:
        field, messages = next(iter(channel.items()))
        raise fail(field, messages[0])
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
    complaint_phone: str = "",
    complaint_mailbox: str = "",
    complaint_email: str = "",
    complaint_page_url: str = "",
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
                "complaint_phone": complaint_phone,
                "complaint_mailbox": complaint_mailbox,
                "complaint_email": complaint_email,
                "complaint_page_url": complaint_page_url,
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
            raise PermissionDenied("评价机构管理员只能修改地址、联系人、联系电话、法定代表人和投诉举报渠道")
        changes = {k: v for k, v in changes.items() if k in INSTITUTION_CONTACT_FIELDS}
    with transaction.atomic():
        obj = lock_version(target, row_version)
        before = audit.snapshot(obj)
        values = _institution_values(actor, dict(changes), current=obj)
        save_changed(obj, values, actor=actor, action="registry.institution.update", before=before)
    return obj
