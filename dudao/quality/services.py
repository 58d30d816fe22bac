"""Writers of quality reports (QUAL-1): each change and its audit event in one transaction (DESIGN).

draft → published → closed. A draft's figures are recomputed from the platform's records at will; from
publication they are frozen, and each institution confirms its row or requests a correction with a
reason by the confirmation deadline (DUDAO_QUALITY_CONFIRM_WORKDAYS working days after the day of
publication, CAL-2: the last day is open, the next day closed). The authority accepts or rejects each
correction request; an accepted one is put right by a corrected report that points to this one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import Role, User
from dudao.accounts.permissions import AUTHORITY_ROLES
from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied
from dudao.common.writes import (
    check_version,
    checked_text,
    fail,
    lock,
    parse_date,
    require,
    save_fields,
    save_new,
)
from dudao.notifications.services import notify
from dudao.workdays import selectors as workdays

from . import domain, permissions, selectors
from .models import QualityReport, QualityResponse

S = QualityReport.Status
R = QualityResponse.Status
MAX_REASON_CHARS = 1000
DENIED_MANAGE = "只有发布该通报的委派机构可以进行此操作"


def _figures(report: QualityReport, prefix: str, today: dt.date) -> list[dict]:
    inputs = selectors.gather_inputs(prefix, report.period_start, report.period_end, today)
    return [row.as_json() for row in domain.report(inputs)]


def _link(report: QualityReport) -> str:
    return f"/quality/{report.pk}/"


def _institution_users(ids: list[int]) -> Any:
    return User.objects.filter(
        institution_id__in=ids, role__in=[Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF], is_active=True
    )


def _summary(report: QualityReport) -> dict[str, Any]:
    """What the audit trail keeps of a report (the rows are in the report itself)."""
    return {
        "number": report.number,
        "authority_id": report.authority_id,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "status": report.status,
        "institutions": len(report.figures),
        "confirm_by": report.confirm_by,
        "row_version": report.row_version,
    }


def _next_number(authority_id: int, year: int) -> str:
    n = QualityReport.objects.filter(authority_id=authority_id, created_at__year=year).count() + 1
    return f"质通〔{year}〕{n}号"


def report_create(
    *, actor: Any, period_start: Any, period_end: Any, previous: QualityReport | None = None
) -> QualityReport:
    """A draft report of the actor's authority for the period, computed now (QUAL-1). `previous`: the
    published report this one corrects (same authority and period)."""
    require(permissions.may_create(actor), "只有委派机构的工作人员可以编制质量通报")
    if previous is not None:
        require(permissions.may_manage(actor, previous), DENIED_MANAGE)
        if previous.status == S.DRAFT:
            raise IllegalTransition("草稿通报可以直接重新统计,无需更正版")
        period_start, period_end = previous.period_start, previous.period_end
    start = parse_date(period_start, "period_start", "统计开始日期")
    end = parse_date(period_end, "period_end", "统计截止日期")
    problem = domain.check_period(start, end)
    if problem:
        raise fail("period_start" if problem.startswith("统计开始日期") else "period_end", problem)
    today = timezone.localdate()
    if start > today:
        raise fail("period_start", "统计开始日期不能晚于今天")
    with transaction.atomic():
        report = QualityReport(
            authority=actor.authority,
            period_start=start,
            period_end=end,
            number=_next_number(actor.authority_id, today.year),
            status=S.DRAFT,
            computed_at=timezone.now(),
            previous=previous,
            created_by=actor,
        )
        report.set_figures(_figures(report, actor.authority.region.prefix, today))
        save_new(report)
        audit.record(
            actor=actor,
            action="quality.report.create",
            obj=report,
            after=_summary(report) | {"previous": previous.pk if previous else None},
        )
    return report


def _locked_managed(actor: Any, report: QualityReport, row_version: Any) -> QualityReport:
    require(permissions.may_manage(actor, report), DENIED_MANAGE)
    locked = lock(report)
    check_version(locked, row_version)
    return locked


def report_recompute(*, actor: Any, report: QualityReport, row_version: Any) -> QualityReport:
    """Recompute a draft's figures from the current records; a published report is immutable."""
    with transaction.atomic():
        locked = _locked_managed(actor, report, row_version)
        if locked.status != S.DRAFT:
            raise IllegalTransition("通报已发布,指标数据不能再修改;如需更正,请生成更正版")
        before = _summary(locked)
        locked.set_figures(_figures(locked, locked.authority.region.prefix, timezone.localdate()))
        locked.computed_at = timezone.now()
        save_fields(locked, ["figures", "institution_keys", "computed_at"])
        audit.record(
            actor=actor, action="quality.report.recompute", obj=locked, before=before, after=_summary(locked)
        )
    return locked


def report_publish(*, actor: Any, report: QualityReport, row_version: Any) -> QualityReport:
    """Publish a draft: the rows are frozen and the institutions' confirmation deadline is set."""
    with transaction.atomic():
        locked = _locked_managed(actor, report, row_version)
        if locked.status != S.DRAFT:
            raise IllegalTransition("只有草稿状态的通报可以发布")
        if not locked.figures:
            raise fail("figures", "本地区没有评价机构,不能发布通报")
        before = _summary(locked)
        now = timezone.now()
        due = workdays.calendar().add_workdays(
            timezone.localdate(now), settings.DUDAO_QUALITY_CONFIRM_WORKDAYS
        )
        locked.status, locked.published_at, locked.published_by = S.PUBLISHED, now, actor
        locked.confirm_by, locked.confirm_by_provisional = due.date, due.provisional
        save_fields(
            locked, ["status", "published_at", "published_by", "confirm_by", "confirm_by_provisional"]
        )
        audit.record(
            actor=actor, action="quality.report.publish", obj=locked, before=before, after=_summary(locked)
        )
        notify(
            recipients=_institution_users([r["institution_id"] for r in locked.figures]),
            kind="quality.published",
            title=f"{locked.authority.name}发布质量通报{locked.number},请于{locked.confirm_by:%Y-%m-%d}前确认本机构数据",
            link=_link(locked),
            obj=locked,
        )
    return locked


def report_close(*, actor: Any, report: QualityReport, row_version: Any) -> QualityReport:
    """Close a published report once the deadline has passed (or every institution has answered) and no
    correction request waits for a decision."""
    with transaction.atomic():
        locked = _locked_managed(actor, report, row_version)
        if locked.status != S.PUBLISHED:
            raise IllegalTransition("只有已发布的通报可以办结")
        answers = QualityResponse.objects.filter(report=locked)
        if answers.filter(status=R.REQUESTED).exists():
            raise Conflict("还有机构的更正申请未审核,请先审核")
        if not deadline_passed(locked) and answers.count() < len(locked.figures):
            raise Conflict(f"机构确认期限({locked.confirm_by:%Y-%m-%d})未到,且还有机构未确认")
        before = _summary(locked)
        locked.status, locked.closed_at = S.CLOSED, timezone.now()
        save_fields(locked, ["status", "closed_at"])
        audit.record(
            actor=actor, action="quality.report.close", obj=locked, before=before, after=_summary(locked)
        )
    return locked


def deadline_passed(report: QualityReport, today: dt.date | None = None) -> bool:
    """True from the day after the confirmation deadline (the deadline day itself is still open)."""
    return report.confirm_by is not None and (today or timezone.localdate()) > report.confirm_by


def _reason(value: Any, field: str, label: str) -> str:
    return checked_text(" ".join(str(value or "").split()), field, label, limit=MAX_REASON_CHARS)


def _respond(actor: Any, report: QualityReport, status: str, reason: str) -> QualityResponse:
    if not permissions.may_respond(actor, report):
        raise PermissionDenied("只有通报中列出的评价机构可以确认本机构的数据")
    with transaction.atomic():
        locked = lock(report)
        if locked.status != S.PUBLISHED:
            raise IllegalTransition("该通报不在确认期内")
        if deadline_passed(locked):
            raise IllegalTransition(f"确认期限已过({locked.confirm_by:%Y-%m-%d}为最后一天)")
        if QualityResponse.objects.filter(report=locked, institution_id=actor.institution_id).exists():
            raise Conflict("本机构已经确认或申请更正,不能重复提交")
        answer = QualityResponse(
            report=locked,
            institution_id=actor.institution_id,
            status=status,
            reason=reason,
            responded_by=actor,
            responded_at=timezone.now(),
        )
        save_new(answer)
        if status == R.REQUESTED:
            notify(
                recipients=User.objects.filter(
                    authority_id=locked.authority_id, role__in=AUTHORITY_ROLES, is_active=True
                ),
                kind="quality.correction_requested",
                title=f"{actor.institution.name}申请更正质量通报{locked.number}中的数据",
                link=_link(locked),
                obj=locked,
            )
        audit.record(
            actor=actor,
            action=f"quality.response.{'confirm' if status == R.CONFIRMED else 'request_correction'}",
            obj=answer,
            after={
                "report": locked.number,
                "institution_id": actor.institution_id,
                "status": status,
                "reason": reason,
            },
        )
    return answer


def response_confirm(*, actor: Any, report: QualityReport) -> QualityResponse:
    """The institution confirms its row by the deadline."""
    return _respond(actor, report, R.CONFIRMED, "")


def response_request_correction(*, actor: Any, report: QualityReport, reason: Any) -> QualityResponse:
    """The institution asks for a correction of its row, with a reason, by the deadline."""
    return _respond(actor, report, R.REQUESTED, _reason(reason, "reason", "更正理由"))


def response_decide(
    *, actor: Any, report: QualityReport, response: Any, action: str, reason: Any
) -> QualityResponse:
    """The authority accepts or rejects a correction request with a reason."""
    require(permissions.may_manage(actor, report), DENIED_MANAGE)
    if action not in ("accept", "reject"):
        raise fail("action", "请选择采纳或不采纳")
    text = _reason(reason, "reason", "审核意见")
    with transaction.atomic():
        try:
            answer = QualityResponse.objects.select_for_update().get(pk=int(response), report=report)
        except (QualityResponse.DoesNotExist, TypeError, ValueError, OverflowError):
            raise fail("response", "未找到该机构的更正申请") from None
        if answer.status != R.REQUESTED:
            raise IllegalTransition("该更正申请已审核")
        before = {"status": answer.status}
        answer.status = R.ACCEPTED if action == "accept" else R.REJECTED
        answer.decision_reason, answer.decided_by, answer.decided_at = text, actor, timezone.now()
        save_fields(answer, ["status", "decision_reason", "decided_by", "decided_at"])
        notify(
            recipients=_institution_users([answer.institution_id]),
            kind="quality.correction_decided",
            title=f"质量通报{report.number}的更正申请{'已采纳' if action == 'accept' else '未采纳'}",
            body=text,
            link=_link(report),
            obj=report,
        )
        audit.record(
            actor=actor,
            action=f"quality.response.{action}",
            obj=answer,
            before=before,
            after={"status": answer.status, "decision_reason": text, "report": report.number},
        )
    return answer
