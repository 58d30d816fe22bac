"""The report's life (QUAL-1): scope, publication, the confirmation deadline on both sides, corrections,
immutability once published, closing, and an audit event for every write."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.common.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from dudao.common.models import AuditEvent
from dudao.notifications.models import Message
from dudao.quality import services
from dudao.quality.models import QualityReport, QualityResponse
from tests.clock import TODAY

from . import support as s

START = dt.date(2026, 1, 1)


@pytest.fixture
def report(institution, second_institution, other_institution, auth_admin):
    s.batch(institution, dt.date(2026, 6, 1))
    s.batch(second_institution, dt.date(2026, 6, 2))
    s.batch(other_institution, dt.date(2026, 6, 3))
    return services.report_create(actor=auth_admin, period_start=START, period_end=TODAY)


def publish(report, actor):
    return services.report_publish(actor=actor, report=report, row_version=report.row_version)


def test_a_report_holds_the_institutions_of_the_authority_region_only(
    report, institution, second_institution
):
    assert {r["institution_id"] for r in report.figures} == {institution.pk, second_institution.pk}
    assert report.status == "draft" and report.number == "质通〔2026〕1号"
    assert AuditEvent.objects.filter(action="quality.report.create", object_id=str(report.pk)).count() == 1


def test_only_authority_users_create(inst_admin, db):
    with pytest.raises(PermissionDenied):
        services.report_create(actor=inst_admin, period_start=START, period_end=TODAY)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-03-01", "2026-02-28", "period_end"),
        ("0001-01-01", "0001-12-31", "period_start"),
        ("2026-12-04", "2026-12-31", "period_start"),
        ("x", "y", "period_start"),
    ],
)
def test_bad_periods_are_refused(auth_admin, start, end, field):
    with pytest.raises(ValidationFailed) as exc:
        services.report_create(actor=auth_admin, period_start=start, period_end=end)
    assert field in exc.value.detail


def test_period_may_start_today_not_tomorrow(auth_admin):
    assert (
        services.report_create(actor=auth_admin, period_start=TODAY, period_end=TODAY).period_start == TODAY
    )


def test_publish_sets_the_deadline_in_working_days(report, auth_admin):
    published = publish(report, auth_admin)
    # Thu 2026-12-03 + 5 working days (CAL-2): Fri 4, Mon 7, Tue 8, Wed 9, Thu 10
    assert published.status == "published" and published.confirm_by == dt.date(2026, 12, 10)
    assert published.confirm_by_provisional is False


def test_the_confirmation_days_are_a_setting(report, auth_admin, settings):
    settings.DUDAO_QUALITY_CONFIRM_WORKDAYS = 1
    assert publish(report, auth_admin).confirm_by == dt.date(2026, 12, 4)


def test_a_published_report_is_immutable(report, auth_admin, institution):
    published = publish(report, auth_admin)
    frozen = list(published.figures)
    s.batch(institution, dt.date(2026, 7, 1))  # new data after publication
    with pytest.raises(IllegalTransition):
        services.report_recompute(actor=auth_admin, report=published, row_version=published.row_version)
    with pytest.raises(IllegalTransition):
        publish(published, auth_admin)
    assert QualityReport.objects.get(pk=published.pk).figures == frozen


def test_a_draft_is_recomputed_from_the_current_records(report, auth_admin, institution):
    s.batch(institution, dt.date(2026, 7, 1))
    fresh = services.report_recompute(actor=auth_admin, report=report, row_version=report.row_version)
    assert fresh.row_of(institution.pk)["batches"] == 2
    with pytest.raises(Conflict):  # the version read before the recompute is stale
        services.report_recompute(actor=auth_admin, report=fresh, row_version=report.row_version)


def test_another_authority_may_not_manage(report, other_authority_user):
    with pytest.raises(PermissionDenied):
        publish(report, other_authority_user)


def test_institutions_answer_only_published_reports(report, inst_admin):
    with pytest.raises(PermissionDenied):
        services.response_confirm(actor=inst_admin, report=report)


def test_last_day_open(report, auth_admin, inst_admin, time_machine):
    published = publish(report, auth_admin)
    time_machine.move_to(dt.datetime(2026, 12, 10, 23, 30, tzinfo=dt.UTC) - dt.timedelta(hours=8))
    answer = services.response_confirm(actor=inst_admin, report=published)
    assert answer.status == "confirmed"
    assert AuditEvent.objects.filter(action="quality.response.confirm").count() == 1


def test_next_day_closed(report, auth_admin, inst_admin, time_machine):
    published = publish(report, auth_admin)
    time_machine.move_to(dt.datetime(2026, 12, 11, 0, 5, tzinfo=dt.UTC) - dt.timedelta(hours=8))
    with pytest.raises(IllegalTransition) as exc:
        services.response_request_correction(actor=inst_admin, report=published, reason="考生人数有误")
    assert "确认期限已过" in exc.value.message
    assert not QualityResponse.objects.exists()


def test_one_answer_per_institution(report, auth_admin, inst_admin):
    published = publish(report, auth_admin)
    services.response_confirm(actor=inst_admin, report=published)
    with pytest.raises(Conflict):
        services.response_request_correction(actor=inst_admin, report=published, reason="有误")


def test_a_correction_needs_a_reason(report, auth_admin, inst_admin):
    published = publish(report, auth_admin)
    with pytest.raises(ValidationFailed):
        services.response_request_correction(actor=inst_admin, report=published, reason="  ")


def test_the_authority_decides_corrections_then_closes(
    report, auth_admin, inst_admin, second_user, time_machine
):
    published = publish(report, auth_admin)
    asked = services.response_request_correction(
        actor=inst_admin, report=published, reason="6月1日批次已取消"
    )
    services.response_confirm(actor=second_user, report=published)
    with pytest.raises(Conflict):  # a request waits for a decision
        services.report_close(actor=auth_admin, report=published, row_version=published.row_version)
    with pytest.raises(ValidationFailed):
        services.response_decide(
            actor=auth_admin, report=published, response=asked.pk, action="accept", reason=""
        )
    decided = services.response_decide(
        actor=auth_admin, report=published, response=asked.pk, action="accept", reason="核实属实,将发布更正版"
    )
    assert decided.status == "accepted"
    with pytest.raises(IllegalTransition):
        services.response_decide(
            actor=auth_admin, report=published, response=asked.pk, action="reject", reason="再议"
        )
    closed = services.report_close(actor=auth_admin, report=published, row_version=published.row_version)
    assert closed.status == "closed"
    corrected = services.report_create(actor=auth_admin, period_start=None, period_end=None, previous=closed)
    assert corrected.previous_id == closed.pk and corrected.period_start == START
    assert corrected.number == "质通〔2026〕2号"
    kinds = sorted(Message.objects.values_list("recipient__username", "kind"))
    assert ("auth_admin", "quality.correction_requested") in kinds
    assert ("ext_sup", "quality.correction_requested") not in kinds
    assert ("inst_admin", "quality.published") in kinds and ("inst2", "quality.published") in kinds
    assert ("inst_admin", "quality.correction_decided") in kinds and (
        "inst2",
        "quality.correction_decided",
    ) not in kinds
    actions = set(AuditEvent.objects.filter(action__startswith="quality.").values_list("action", flat=True))
    assert actions == {
        "quality.report.create",
        "quality.report.publish",
        "quality.response.request_correction",
        "quality.response.confirm",
        "quality.response.accept",
        "quality.report.close",
    }


def test_closing_waits_for_the_deadline_while_institutions_have_not_answered(
    report, auth_admin, time_machine
):
    published = publish(report, auth_admin)
    time_machine.move_to(dt.datetime(2026, 12, 10, 12, tzinfo=dt.UTC))  # Shanghai 20:00 on the last day
    with pytest.raises(Conflict):
        services.report_close(actor=auth_admin, report=published, row_version=published.row_version)
    time_machine.move_to(dt.datetime(2026, 12, 10, 16, 30, tzinfo=dt.UTC))  # Shanghai 00:30 on 12-11
    assert (
        services.report_close(actor=auth_admin, report=published, row_version=published.row_version).status
        == "closed"
    )


def test_a_region_without_institutions_cannot_publish(auth_admin, institution):
    institution.is_active = False
    institution.save(update_fields=["is_active"])
    empty = services.report_create(actor=auth_admin, period_start=START, period_end=TODAY)
    assert empty.figures == []
    with pytest.raises(ValidationFailed):
        publish(empty, auth_admin)
