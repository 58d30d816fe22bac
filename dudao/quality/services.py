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
from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import Role, User
from dudao.accounts.permissions import AUTHORITY_ROLES
from dudao.common import audit
from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied
from dudao.common.transitions import check_transition, transition
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
from dudao.scorecards import domain as scorecard_domain
from dudao.scorecards import selectors as scorecard_selectors
from dudao.scorecards import services as scorecard_services
from dudao.scorecards.models import Evaluation
from dudao.supervision.models import NumberSequence
from dudao.workdays import selectors as workdays

from . import domain, permissions, selectors
from .models import CampaignEntry, QualityCampaign, QualityReport, QualityResponse
from .transitions import CAMPAIGN_TRANSITIONS

S = QualityReport.Status
R = QualityResponse.Status
MAX_REASON_CHARS = 1000
DENIED_MANAGE = "只有发布该通报的委派机构可以进行此操作"


def _figures(report: QualityReport, prefix: str, today: dt.date) -> list[dict]:
    """The ranked indicator rows; each carries the results of the authority's closed yearly inspection of
    the period's year (QUAL-3 feeding QUAL-1) under "campaign" (None when the institution was not in it)."""
    inputs = selectors.gather_inputs(prefix, report.period_start, report.period_end, today)
    campaign = selectors.campaign_results_for_report(report.authority_id, report.period_end.year)
    return [row.as_json() | {"campaign": campaign.get(row.institution_id)} for row in domain.report(inputs)]


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
    """The next 通报 number of the authority for the year, race-free: a row of the shared NumberSequence
    table is locked to issue it (concurrent creators queue up and never share a number). A sequence that
    does not exist yet starts after the reports numbered before it existed (one per report, by count)."""
    key = f"quality-report:{authority_id}:{year}"
    issued = QualityReport.objects.filter(authority_id=authority_id, created_at__year=year).count()
    NumberSequence.objects.bulk_create([NumberSequence(key=key, last=issued)], ignore_conflicts=True)
    seq = NumberSequence.objects.select_for_update().get(key=key)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"质通〔{year}〕{seq.last}号"


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


# ------------------------------------------------------------------ yearly inspection campaign (QUAL-3)

C = QualityCampaign.Status
FORM_ID = "QC-STATION"  # FORM-A
DENIED_CAMPAIGN = "只有组织该年度质量检查的委派机构可以进行此操作"
DENIED_SELF = "只有本机构的用户可以填写本机构的自查"
MAX_SEED_CHARS = 64


def _campaign_summary(c: QualityCampaign) -> dict[str, Any]:
    return {
        "authority_id": c.authority_id,
        "year": c.year,
        "title": c.title,
        "status": c.status,
        "self_workdays": c.self_workdays,
        "self_due": c.self_due,
        "sample_size": c.sample_size,
        "sample_seed": c.sample_seed,
        "row_version": c.row_version,
    }


def _positive(value: Any, field: str, label: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise fail(field, f"{label}应为整数") from None
    if not low <= number <= high:
        raise fail(field, f"{label}应在 {low} 到 {high} 之间")
    return number


def campaign_create(*, actor: Any, year: Any, title: Any = "", self_workdays: Any = 10) -> QualityCampaign:
    """A draft yearly inspection of the actor's authority (one a year) with the current `QC-STATION`."""
    require(permissions.may_create_campaign(actor), "只有委派机构的工作人员可以组织年度质量检查")
    today = timezone.localdate()
    year_no = _positive(year, "year", "检查年度", domain.EARLIEST_YEAR, today.year + 1)
    days = _positive(self_workdays, "self_workdays", "自查期限", 1, 60)
    name = checked_text(title, "title", "名称", limit=128, required=False) or (
        f"{year_no}年度职业技能鉴定质量检查"
    )
    scorecard_services.form_versions_ensure_shipped()
    form_version = scorecard_selectors.form_version_get(FORM_ID)
    with transaction.atomic():
        if QualityCampaign.objects.filter(authority_id=actor.authority_id, year=year_no).exists():
            raise Conflict(f"本机构{year_no}年度的质量检查已经建立")
        campaign = QualityCampaign(
            authority=actor.authority,
            year=year_no,
            title=name,
            form_version=form_version,
            self_workdays=days,
            created_by=actor,
        )
        try:
            with transaction.atomic():
                save_new(campaign)
        except IntegrityError:
            raise Conflict(f"本机构{year_no}年度的质量检查已经建立") from None
        audit.record(
            actor=actor, action="quality.campaign.create", obj=campaign, after=_campaign_summary(campaign)
        )
    return campaign


def _locked_campaign(actor: Any, campaign: Any, row_version: Any) -> QualityCampaign:
    require(permissions.may_manage_campaign(actor, campaign), DENIED_CAMPAIGN)
    locked = lock(QualityCampaign, campaign.pk)
    check_version(locked, row_version)
    return locked


def campaign_open(*, actor: Any, campaign: QualityCampaign, row_version: Any) -> QualityCampaign:
    """Open the campaign: every active institution of the region is in it and self-inspects by the
    deadline, `self_workdays` working days after the day of opening (CAL-2)."""
    with transaction.atomic():
        locked = _locked_campaign(actor, campaign, row_version)
        check_transition(CAMPAIGN_TRANSITIONS, locked, C.OPEN, actor, noun="年度质量检查")
        institutions = list(selectors.institutions_in(locked.authority.region.prefix))
        if not institutions:
            raise fail("institutions", "本地区没有评价机构,不能启动年度质量检查")
        now = timezone.now()
        due = workdays.calendar().add_workdays(timezone.localdate(now), locked.self_workdays)
        CampaignEntry.objects.bulk_create(
            [CampaignEntry(campaign=locked, institution=i) for i in institutions]
        )
        transition(
            locked,
            C.OPEN,
            actor=actor,
            table=CAMPAIGN_TRANSITIONS,
            action="quality.campaign.open",
            noun="年度质量检查",
            changes={"opened_at": now, "self_due": due.date, "self_due_provisional": due.provisional},
            extra={"institutions": len(institutions)},
        )
        notify(
            recipients=_institution_users([i.pk for i in institutions]),
            kind="quality.campaign_opened",
            title=f"{locked.authority.name}启动{locked.title},请于{due.date:%Y-%m-%d}前完成本机构自查",
            link="/quality/campaigns/self/",
            obj=locked,
        )
    return locked


def self_late(campaign: QualityCampaign, today: dt.date | None = None) -> bool:
    """True from the day after the self-inspection deadline (the deadline day itself is on time)."""
    return campaign.self_due is not None and (today or timezone.localdate()) > campaign.self_due


def _clean_answers(form: Any, saved: dict[str, Any], answers: Any) -> dict[str, Any]:
    """The saved answers updated with `answers`, each checked by the scorecards engine (unknown items and
    values that do not fit their item are refused, 422)."""
    if not isinstance(answers, dict):
        raise fail("answers", "自查答案应为以项目编号为键的对象")
    merged = {**saved, **answers}
    scorecard_domain.partial_score(form, merged)
    return merged


def _locked_entry(actor: Any, entry: CampaignEntry) -> CampaignEntry:
    if not permissions.may_self_inspect(actor, entry):
        raise PermissionDenied(DENIED_SELF)
    locked = lock(CampaignEntry, entry.pk)
    campaign = locked.campaign
    if campaign.status not in (C.OPEN, C.INSPECTING):
        raise IllegalTransition(f"年度质量检查当前状态为「{campaign.get_status_display()}」,不能填写自查")
    if locked.self_submitted_at is not None:
        raise IllegalTransition("本机构自查已提交,不能再修改")
    return locked


def self_save(*, actor: Any, entry: CampaignEntry, answers: Any) -> CampaignEntry:
    """Save the institution's answers so far (each checked by the scorecards engine)."""
    with transaction.atomic():
        locked = _locked_entry(actor, entry)
        form = locked.campaign.form_version.form
        locked.answers = _clean_answers(form, locked.answers, answers)
        save_fields(locked, ["answers"])
        audit.record(
            actor=actor,
            action="quality.campaign.self_save",
            obj=locked,
            after={"campaign": locked.campaign_id, "answered": len(locked.answers)},
        )
    return locked


def self_submit(*, actor: Any, entry: CampaignEntry, answers: Any = None) -> CampaignEntry:
    """Submit the self-inspection: every item answered, scored by the scorecards engine (FORM-A); after
    the deadline it is still taken but marked late."""
    with transaction.atomic():
        locked = _locked_entry(actor, entry)
        campaign = locked.campaign
        form = campaign.form_version.form
        if answers is not None:
            locked.answers = _clean_answers(form, locked.answers, answers)
        result = scorecard_domain.score(form, locked.answers)  # AnswersInvalid (422) names each gap
        locked.self_total = result.total.quantize(domain.CENT)
        locked.self_band = result.band
        locked.self_submitted_at, locked.self_submitted_by = timezone.now(), actor
        locked.self_late = self_late(campaign)
        save_fields(
            locked,
            ["answers", "self_total", "self_band", "self_submitted_at", "self_submitted_by", "self_late"],
        )
        audit.record(
            actor=actor,
            action="quality.campaign.self_submit",
            obj=locked,
            after={
                "campaign": campaign.pk,
                "institution_id": locked.institution_id,
                "self_total": locked.self_total,
                "self_band": locked.self_band,
                "self_late": locked.self_late,
            },
        )
    return locked


def _card_check(entry: CampaignEntry, today: dt.date) -> list[dict]:
    return selectors.examiner_card_check(entry.institution_id, entry.campaign.year, today)


def campaign_sample(
    *, actor: Any, campaign: QualityCampaign, row_version: Any, size: Any = None, seed: Any = ""
) -> QualityCampaign:
    """Draw the institutions for external inspection (all when `size` is empty) reproducibly from `seed`,
    once the self-inspection deadline has passed or every institution has submitted; the examiners' cards
    of the drawn institutions are checked at the same time (QUAL-3)."""
    count = None if size in (None, "") else _positive(size, "size", "抽查家数", 1, 10000)
    text = checked_text(seed, "seed", "随机种子", limit=MAX_SEED_CHARS, required=False)
    with transaction.atomic():
        locked = _locked_campaign(actor, campaign, row_version)
        check_transition(CAMPAIGN_TRANSITIONS, locked, C.INSPECTING, actor, noun="年度质量检查")
        entries = list(CampaignEntry.objects.filter(campaign=locked).select_for_update())
        waiting = sum(1 for e in entries if e.self_submitted_at is None)
        if waiting and not self_late(locked):
            raise Conflict(
                f"自查期限({locked.self_due:%Y-%m-%d})未到,且还有 {waiting} 家机构未提交自查,暂不能抽查"
            )
        if count is not None and not text:
            raise fail("seed", "按比例抽查时请填写随机种子,以便复核")
        drawn = set(domain.sample([e.institution_id for e in entries], count, text))
        today, now = timezone.localdate(), timezone.now()
        for entry in entries:
            if entry.institution_id in drawn:
                entry.sampled = True
                entry.card_check = _card_check(entry, today)
                entry.card_checked_at = now
                save_fields(entry, ["sampled", "card_check", "card_checked_at"])
        transition(
            locked,
            C.INSPECTING,
            actor=actor,
            table=CAMPAIGN_TRANSITIONS,
            action="quality.campaign.sample",
            noun="年度质量检查",
            changes={"sample_size": count, "sample_seed": text, "sampled_at": now},
            extra={"sampled": sorted(drawn)},
        )
    return locked


def entry_inspect(*, actor: Any, entry: CampaignEntry, members: Any = ()) -> CampaignEntry:
    """Start the external inspection of a drawn institution: an evaluation with `QC-STATION` opened in the
    scorecards app (the actor leads it), filled and signed there."""
    campaign = entry.campaign
    require(permissions.may_manage_campaign(actor, campaign), DENIED_CAMPAIGN)
    with transaction.atomic():
        locked = lock(CampaignEntry, entry.pk)
        if locked.campaign.status != C.INSPECTING:
            raise IllegalTransition(
                f"年度质量检查当前状态为「{locked.campaign.get_status_display()}」,不能开始外查"
            )
        if not locked.sampled:
            raise Conflict("该机构未被抽中,不在外查范围内")
        if locked.evaluation_id and locked.evaluation.status != "cancelled":
            raise Conflict(f"该机构的外查已经开始(评估 {locked.evaluation_id} 号)")
        evaluation = scorecard_services.evaluation_open(
            actor=actor,
            institution=locked.institution,
            form_id=FORM_ID,
            purpose=Evaluation.Purpose.ANNUAL_INSPECTION,
            leader=actor,
            members=members,
            note=f"{campaign.title}外查",
        )
        locked.evaluation = evaluation
        save_fields(locked, ["evaluation"])
        audit.record(
            actor=actor,
            action="quality.campaign.inspect",
            obj=locked,
            after={
                "campaign": campaign.pk,
                "institution_id": locked.institution_id,
                "evaluation": evaluation.pk,
            },
        )
    return locked


def campaign_close(*, actor: Any, campaign: QualityCampaign, row_version: Any) -> QualityCampaign:
    """Close the campaign once every drawn institution's external evaluation is signed."""
    with transaction.atomic():
        locked = _locked_campaign(actor, campaign, row_version)
        check_transition(CAMPAIGN_TRANSITIONS, locked, C.CLOSED, actor, noun="年度质量检查")
        open_ones = [
            e.institution.name
            for e in CampaignEntry.objects.filter(campaign=locked, sampled=True).select_related(
                "institution", "evaluation"
            )
            if e.evaluation is None or e.evaluation.status != "signed"
        ]
        if open_ones:
            raise Conflict(f"以下机构的外查尚未完成签署:{'、'.join(open_ones)}")
        transition(
            locked,
            C.CLOSED,
            actor=actor,
            table=CAMPAIGN_TRANSITIONS,
            action="quality.campaign.close",
            noun="年度质量检查",
            changes={"closed_at": timezone.now()},
        )
    return locked
