"""Operational flags over the database (issue 13 item 1; ACT-3, ACT-7, INST-3, EXAM-17): each raised,
and not raised just under its threshold or on the other side of its time boundary."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.analytics import operational as op
from dudao.exams.models import Objection
from dudao.registry.models import FilingScope

from .support import START, Evaluation

pytestmark = pytest.mark.django_db
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def ev(institution, users):
    return Evaluation(institution, users, n=4)


def t(**over) -> op.OperationalThresholds:
    return op.OperationalThresholds(**over)


# --------------------------------------------------------------------------------------- late check-in
def test_late_checkins_at_the_threshold_raise_one_flag_with_the_rows(ev):
    ev.check_in(ev.seats[0], START + SECOND, status="late")
    ev.check_in(ev.seats[1], START + dt.timedelta(minutes=12), status="late")
    ev.check_in(ev.seats[2], START - dt.timedelta(minutes=5))
    [flag] = op.late_checkins(t(late_checkin_min=2))
    assert flag["kind"] == "late_checkin"
    assert flag["batch_id"] == ev.batch.pk and flag["institution_id"] == ev.batch.institution_id
    assert flag["statistic"] == 2.0
    assert flag["evidence"]["count"] == 2
    assert [r["minutes_after_start"] for r in flag["evidence"]["rows"]] == [0.0, 12.0]
    assert [r["seat"] for r in flag["evidence"]["rows"]] == [1, 2]
    assert flag["evidence"]["starts_at"] == "2026-12-20 09:00:00"


def test_late_checkins_one_under_the_threshold_raise_nothing(ev):
    ev.check_in(ev.seats[0], START + SECOND, status="late")
    assert op.late_checkins(t(late_checkin_min=2)) == []


def test_a_checkin_at_the_start_itself_is_on_time(ev):
    ev.check_in(ev.seats[0], START)
    ev.check_in(ev.seats[1], START + SECOND, status="late")
    assert op.late_checkins(t(late_checkin_min=2)) == []
    [flag] = op.late_checkins(t(late_checkin_min=1))
    assert flag["statistic"] == 1.0


def test_absences_recorded_after_the_start_are_not_late_checkins(ev):
    ev.check_in(ev.seats[0], START + dt.timedelta(minutes=30), status="absent")
    assert op.late_checkins(t(late_checkin_min=1)) == []


# ------------------------------------------------------------------------------------------- one device
def test_one_device_for_many_candidates_reaches_the_threshold(ev):
    for i, seat in enumerate(ev.seats[:3], start=1):
        ev.check_in(seat, START - dt.timedelta(minutes=10), client_id=f"dev-abc123-{i}")
    ev.check_in(ev.seats[3], START - dt.timedelta(minutes=10), client_id="dev-other-1")
    [flag] = op.device_checkins(t(device_min_candidates=3))
    assert flag["kind"] == "device_checkin"
    assert flag["statistic"] == 3.0
    assert flag["evidence"]["device"] == "dev-abc123"
    assert flag["subject_key"] == "PC-EXAM-1/dev-abc123"
    assert [r["seat"] for r in flag["evidence"]["rows"]] == [1, 2, 3]


def test_one_device_one_candidate_under_the_threshold_raises_nothing(ev):
    for i, seat in enumerate(ev.seats[:2], start=1):
        ev.check_in(seat, START - dt.timedelta(minutes=10), client_id=f"dev-abc123-{i}")
    ev.check_in(ev.seats[2], START - dt.timedelta(minutes=10), client_id="dev-other-1")
    ev.check_in(ev.seats[3], START - dt.timedelta(minutes=10))  # no device record number
    assert op.device_checkins(t(device_min_candidates=3)) == []


def test_device_of_a_record_number():
    assert op.device_of("dev-k2f9-17") == "dev-k2f9"
    assert op.device_of("dev-k2f9-x") is None
    assert op.device_of(None) is None


# ------------------------------------------------------------------------------ certificate without pass
def test_a_certificate_over_a_failed_or_missing_result_is_flagged(ev):
    ev.result(ev.seats[0], True)
    ev.certificate(ev.seats[0], "S000036000001400001")
    ev.result(ev.seats[1], False)
    ev.certificate(ev.seats[1], "S000036000001400002")
    ev.certificate(ev.seats[2], "S000036000001400003")  # no result at all
    [flag] = op.certificates_without_pass(t())
    assert flag["kind"] == "certificate_without_pass"
    assert flag["statistic"] == 2.0
    assert [(r["certificate"], r["result"]) for r in flag["evidence"]["rows"]] == [
        ("S000036000001400002", "不合格"),
        ("S000036000001400003", "无成绩记录"),
    ]


def test_certificates_over_passing_results_or_voided_raise_nothing(ev):
    ev.result(ev.seats[0], True)
    ev.certificate(ev.seats[0], "S000036000001400001")
    ev.result(ev.seats[1], False)
    ev.certificate(ev.seats[1], "S000036000001400002", status="voided")
    assert op.certificates_without_pass(t()) == []


def test_certificates_one_under_the_threshold_raise_nothing(ev):
    ev.result(ev.seats[1], False)
    ev.certificate(ev.seats[1], "S000036000001400002")
    assert op.certificates_without_pass(t(certificate_min=2)) == []
    assert len(op.certificates_without_pass(t(certificate_min=1))) == 1


# ----------------------------------------------------------------------------- mark after publication
def test_a_mark_one_second_after_publication_is_flagged_at_it_is_not(ev):
    published = START + dt.timedelta(days=3)
    ev.publish(published)
    ev.mark(ev.seats[0], 71, published)
    assert op.marks_after_publication(t()) == []
    ev.mark(ev.seats[1], 64.5, published + SECOND)
    [flag] = op.marks_after_publication(t())
    assert flag["kind"] == "mark_after_publication"
    assert flag["statistic"] == 1.0
    [row] = flag["evidence"]["rows"]
    assert (row["paper"], row["mark"], row["role"]) == ("M0002", "64.50", "评分")


def test_marks_without_a_publication_or_after_an_upheld_objection_are_not_flagged(ev):
    published = START + dt.timedelta(days=3)
    ev.mark(ev.seats[0], 71, published + SECOND)
    assert op.marks_after_publication(t()) == []
    ev.publish(published)
    Objection.objects.create(
        registration=ev.seats[0].registration,
        subject="theory",
        reason="复核",
        status=Objection.Status.UPHELD,
        filed_at=published,
    )
    assert op.marks_after_publication(t()) == []
    Objection.objects.update(status=Objection.Status.DISMISSED)
    assert len(op.marks_after_publication(t())) == 1


def test_marks_after_publication_one_under_the_threshold_raise_nothing(ev):
    published = START + dt.timedelta(days=3)
    ev.publish(published)
    ev.mark(ev.seats[0], 71, published + SECOND)
    assert op.marks_after_publication(t(mark_after_min=2)) == []


# -------------------------------------------------------------------------------------------- scope
def test_a_batch_inside_its_filed_scope_is_not_flagged(ev):
    assert op.batches_out_of_scope(t()) == []


def test_a_batch_on_the_day_its_scope_entry_ended_is_flagged(ev):
    # a scope entry is in force before the day it ends (registry: ended_on is the first day out of force)
    FilingScope.objects.update(ended_on=ev.batch.starts_at.date())
    [flag] = op.batches_out_of_scope(t())
    assert flag["kind"] == "out_of_scope"
    assert flag["evidence"]["reason"] == (
        f"备案 {ev.batch.filing.number} 中职业「焊工」四级/中级工 的认定范围已于 2026-12-20 终止"
    )
    FilingScope.objects.update(ended_on=ev.batch.ends_at.date() + dt.timedelta(days=1))  # the day after
    assert op.batches_out_of_scope(t()) == []


def test_a_level_outside_the_scope_is_flagged(ev):
    FilingScope.objects.update(levels=[4])
    [flag] = op.batches_out_of_scope(t())
    assert "不在备案" in flag["evidence"]["reason"]
    assert flag["evidence"]["levels"] == [4, 2]


def test_a_batch_of_a_filing_suspended_since_is_judged_on_its_scope(ev):
    ev.batch.filing.status = "suspended"
    ev.batch.filing.save()
    assert op.batches_out_of_scope(t()) == []


def test_unscoped_batch_is_flagged(institution, users):
    Evaluation(institution, users, n=1, scoped=False)
    [flag] = op.batches_out_of_scope(t())
    assert "不在备案" in flag["evidence"]["reason"]
