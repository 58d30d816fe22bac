"""Renewal services, an authority's renewal settings (years, document prefixes, the two-step centre).
Re-exported by dudao.renewals.services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from dudao.common import audit
from dudao.common.errors import (
    PermissionDenied,
    ValidationFailed,
    validation_error_from_django,
)
from dudao.common.refs import not_visible
from dudao.common.writes import check_version, checked_text

from . import domain
from .models import (
    RenewalConfig,
)
from .permissions import (
    can_configure,
)

# --------------------------------------------------------------------------------------------- settings


KEEP: Any = object()  # renewal_config_save: leave the two-step setting as saved


def _centre(authority: Any, value: Any) -> Any:
    """Two-step renewal: the evaluating centre is another active authority (empty = one step)."""
    from dudao.registry.models import Authority

    if value in (None, ""):
        return None
    try:
        centre = Authority.objects.get(pk=int(getattr(value, "pk", value)), is_active=True)
    except (Authority.DoesNotExist, TypeError, ValueError):
        raise not_visible("evaluation_centre", "评估机构") from None
    if centre.pk == authority.pk:
        message = "评估机构不能是本机构(两步办理由中心评估、本局审核)"
        raise ValidationFailed(message, detail={"evaluation_centre": [message]})
    return centre


@transaction.atomic
def renewal_config_save(
    *,
    actor: Any,
    authority: Any,
    renewal_years: int,
    receipt_prefix: str = domain.DEFAULT_RECEIPT_PREFIX,
    notice_prefix: str = domain.DEFAULT_NOTICE_PREFIX,
    filing_prefix: str | None = None,
    evaluation_centre: Any = KEEP,
    row_version: int | None = None,
) -> RenewalConfig:
    """Save an authority's renewal settings (its own admin or a superuser); audited."""
    if not can_configure(actor, authority):
        raise PermissionDenied("只有本机构管理员可以修改延续备案设置")
    config = RenewalConfig.objects.select_for_update().filter(authority_id=authority.pk).first()
    if config is not None:
        check_version(config, row_version)
    before = audit.snapshot(config) if config else None
    config = config or RenewalConfig(authority=authority)
    config.renewal_years = renewal_years
    config.receipt_prefix = checked_text(receipt_prefix, "receipt_prefix", "回执文号前缀", limit=32)
    config.notice_prefix = checked_text(notice_prefix, "notice_prefix", "整改通知书文号前缀", limit=32)
    if filing_prefix is not None:  # None / KEEP: the saved value stays (callers that do not show it)
        config.filing_prefix = (
            checked_text(filing_prefix, "filing_prefix", "新备案回执文号前缀", limit=32, required=False)
            or domain.DEFAULT_FILING_RECEIPT_PREFIX
        )
    if evaluation_centre is not KEEP:
        config.evaluation_centre = _centre(authority, evaluation_centre)
    if config.pk:
        config.row_version += 1
    try:
        config.full_clean()
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from None
    config.save()
    audit.record(
        actor=actor, action="renewals.config.save", obj=config, before=before, after=audit.snapshot(config)
    )
    return config
