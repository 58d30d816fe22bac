"""Renewal services, the end of a filing: termination after a missed rectification (REN-4) and the daily
close of expired applications. Re-exported by dudao.renewals.services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dudao.common import audit
from dudao.common.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    validation_error_from_django,
)
from dudao.common.writes import checked_text, lock_version
from dudao.notifications.recipients import institution_users
from dudao.notifications.services import notify
from dudao.registry import services as registry_services
from dudao.registry.models import Filing
from dudao.workdays import selectors as workdays_selectors

from . import domain
from .models import (
    RenewalApplication,
)
from .services import CLOSED_FILING, S, _move, _require_decider, _today, _visible

# --------------------------------------------------------------------------------------------- termination


@transaction.atomic
def renewal_start_termination(
    *,
    actor: Any,
    application: RenewalApplication | int,
    notice: str,
    row_version: int | None = None,
    today: dt.date | None = None,
):
    """REN-4 + seed 004 整改通知书 ("若逾期未整改或未按要求完成整改,将视情况…终止…备案"): once the renewal's
    rectification deadline has passed without a re-evaluation, the authority holding the filing starts
    the termination procedure of the supervision app (notice, statement window in working days, decision).
    """
    from dudao.supervision import selectors as supervision_selectors
    from dudao.supervision.models import FilingTermination
    from dudao.supervision.services.terminations import RENEWAL_GROUND, termination_link
    from dudao.supervision.transitions import OPEN_TERMINATION_STATUSES

    app = _visible(actor, application)
    _require_decider(actor, app)
    today = _today(today)
    locked = lock_version(app, row_version)
    if locked.status != S.RECTIFYING:
        raise IllegalTransition(
            f"申请当前状态为「{locked.get_status_display()}」,只有整改中的延续备案可以启动终止备案程序"
        )
    if not domain.renewal_rectification_missed(locked.rectification_deadline, today):
        raise IllegalTransition(
            f"整改期限至 {locked.rectification_deadline:%Y-%m-%d},尚未届满,期满后方可启动终止备案程序",
            code="rectification_open",
        )
    notice = checked_text(notice, "notice", "告知内容", limit=4000, required=True)
    filing = Filing.objects.select_for_update().get(pk=locked.filing_id)
    if filing.status in CLOSED_FILING:
        raise IllegalTransition(f"备案{filing.get_status_display()},不能终止")
    if FilingTermination.objects.filter(filing=filing, status__in=OPEN_TERMINATION_STATUSES).exists():
        raise Conflict("该备案已有正在办理的终止备案程序", code="duplicate")
    days = supervision_selectors.policy_for(locked.authority_id).termination_statement_workdays
    due = workdays_selectors.calendar().add_workdays(today, days)
    row = FilingTermination(
        authority_id=locked.authority_id,
        institution_id=locked.institution_id,
        filing=filing,
        renewal=locked,
        ground=RENEWAL_GROUND,
        notice=notice,
        notified_by=actor,
        notified_at=timezone.now(),
        statement_due_on=due.date,
        statement_due_provisional=due.provisional,
    )
    try:
        row.full_clean()
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from None
    row.save(force_insert=True)
    audit.record(actor=actor, action="supervision.termination.start", obj=row, after=audit.snapshot(row))
    notify(
        recipients=institution_users(locked.institution_id),
        kind="termination.notified",
        title=f"拟终止备案告知:备案 {filing.number},请于 {due.date.isoformat()} 前陈述申辩",
        body=notice,
        link=termination_link(row),
        obj=row,
        dedupe_key=f"termination.notified:{row.pk}",
    )
    return row


def renewal_close_terminated(*, actor: Any, termination: Any) -> RenewalApplication:
    """Called by the termination decision (inside its transaction): the renewal that ended in the missed
    rectification closes as not renewed, with the termination as its reason."""
    locked = RenewalApplication.objects.select_for_update().get(pk=termination.renewal_id)
    if locked.status != S.RECTIFYING:
        return locked
    return _move(
        locked,
        to=S.REFUSED,
        actor=actor,
        action="renewals.application.terminated",
        changes={
            "decided_at": timezone.now(),
            "decided_by": actor,
            "outcome_reason": f"整改期限届满未完成整改,备案已终止:{termination.decision_note}"[:2000],
            "filing_closed_at": timezone.now(),
        },
    )


# --------------------------------------------------------------------------------------------- daily job


def renewals_close_expired(*, today: dt.date | None = None) -> dict[str, int]:
    """Daily: a refused renewal ends the filing at its expiry (REN-4) → set the filing `expired`.

    The registry service is called on behalf of the user who recorded the refusal (the registry has no
    system actor); a filing already expired or terminated is only marked done. Idempotent.
    """
    today = _today(today)
    done = skipped = 0
    due = (
        RenewalApplication.objects.filter(
            status=S.REFUSED, filing_closed_at__isnull=True, filing__valid_until__lt=today
        )
        .select_related("filing", "decided_by")
        .order_by("id")
    )
    for app in due:
        try:
            with transaction.atomic():
                filing = Filing.objects.select_for_update().get(pk=app.filing_id)
                if filing.status not in CLOSED_FILING:
                    registry_services.filing_set_status(
                        actor=app.decided_by,
                        filing=filing,
                        status="expired",
                        reason=f"延续备案不予延续,备案有效期于 {filing.valid_until:%Y-%m-%d} 届满",  # REN-4
                        row_version=filing.row_version,
                    )
                before = audit.snapshot(app, ["filing_closed_at"])
                RenewalApplication.objects.filter(pk=app.pk).update(
                    filing_closed_at=timezone.now(), row_version=F("row_version") + 1
                )
                audit.record(
                    actor=None,
                    action="renewals.application.close_filing",
                    obj=app,
                    before=before,
                    after={"filing_closed_at": timezone.now().isoformat(), "note": "备案到期"},
                )
                done += 1
        except (PermissionDenied, NotFound, IllegalTransition, Conflict, ValidationFailed):
            skipped += 1  # e.g. the deciding user lost the role: reported, retried tomorrow
    return {"closed": done, "skipped": skipped}
