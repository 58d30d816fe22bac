"""FORM-B pre-fill of complaints (issue 12 item 1; COMPL-1, COMPL-2, COMPL-3): C2.2 from the channel recorded
on the institution, C2.3 from complaints unhandled past their deadline (the deadline's day is still in time,
the day after is not), C3.1 per verified complaint; links to the records, never the content; nothing is
scored automatically."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from dudao.accounts.models import Role
from dudao.complaints.models import Complaint
from dudao.scorecards import prefill
from tests import factories as f

from .support import file

CST = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 12, 3)  # tests/clock.py


@pytest.fixture
def evaluation(users, institution, authority):
    from dudao.scorecards.services import form_versions_load_shipped

    form_versions_load_shipped(actor=None)
    leader = f.UserFactory(username="eval_leader", role=Role.AUTHORITY_STAFF, authority=authority)
    return f.evaluation("open", actor=users[Role.AUTHORITY_ADMIN], institution=institution, leader=leader)


def placed(institution, **fields) -> Complaint:
    complaint = file(institution)
    Complaint.objects.filter(pk=complaint.pk).update(**fields)
    complaint.refresh_from_db()
    return complaint


def test_providers_registered_for_form_b():
    for item in ("C2.2", "C2.3", "C3.1"):
        assert prefill.registered()[item] == frozenset({"CQ-RENEWAL"})


def test_c22_nothing_recorded_suggests_both_deductions(evaluation, institution):
    hint = prefill.suggestions(evaluation)["C2.2"]
    assert hint["suggested_deduction"] == Decimal(2)
    assert "未登记投诉举报电话、信箱" in hint["note"] and "未登记公布渠道的网页" in hint["note"]
    assert hint["evidence"] == [
        {"label": f"{institution.name}:投诉举报渠道", "url": f"/registry/institutions/{institution.pk}/"}
    ]


def test_c22_set_up_not_published_then_published(evaluation, institution):
    institution.complaint_phone = "0791-88886666"
    institution.save()
    evaluation.refresh_from_db()
    hint = prefill.suggestions(evaluation)["C2.2"]
    assert hint["suggested_deduction"] == Decimal(1) and "0791-88886666" in hint["note"]
    institution.complaint_page_url = "https://www.example.cn/tousu"
    institution.save()
    evaluation.refresh_from_db()
    hint = prefill.suggestions(evaluation)["C2.2"]
    assert hint["suggested_deduction"] == Decimal(0) and "https://www.example.cn/tousu" in hint["note"]


def test_c23_nothing_while_in_time(evaluation, institution):
    placed(institution, accept_by=TODAY)  # decision due today: still in time
    placed(institution, status="investigating", accept_by=TODAY, result_by=TODAY)
    placed(institution, status="closed", result_by=TODAY - dt.timedelta(days=5))  # closed: handled
    placed(institution, status="declined", accept_by=TODAY - dt.timedelta(days=5))  # declined: handled
    assert "C2.3" not in prefill.suggestions(evaluation)


def test_c23_the_day_after_the_acceptance_deadline(evaluation, institution):
    complaint = placed(institution, accept_by=TODAY - dt.timedelta(days=1))
    hint = prefill.suggestions(evaluation)["C2.3"]
    assert hint["suggested_deduction"] == Decimal(2) and hint["count"] == 1
    (link,) = hint["evidence"]
    assert link["url"] == f"/complaints/{complaint.pk}/"
    assert complaint.code in link["label"] and "受理决定期限 2026-12-02 已过" in link["label"]
    assert complaint.content not in str(hint) and "李四" not in str(hint)


def test_c23_the_day_after_the_result_deadline_counts_once(evaluation, institution):
    placed(institution, status="replied", result_by=TODAY - dt.timedelta(days=1))  # replied, not closed
    placed(institution, status="found", result_by=TODAY - dt.timedelta(days=3))
    hint = prefill.suggestions(evaluation)["C2.3"]
    assert hint["suggested_deduction"] == Decimal(2) and hint["count"] == 2  # −2 once (max 2)
    assert all("办结期限" in e["label"] for e in hint["evidence"])


def test_c23_only_within_the_year_and_this_institution(evaluation, institution, other_institution):
    old = dt.datetime(2025, 12, 1, 10, tzinfo=CST)
    placed(institution, received_at=old, accept_by=dt.date(2025, 12, 4))
    placed(other_institution, accept_by=TODAY - dt.timedelta(days=1))
    assert "C2.3" not in prefill.suggestions(evaluation)


def test_c31_one_point_per_verified_complaint(evaluation, institution, other_institution):
    found = dt.datetime(2026, 11, 20, 10, tzinfo=CST)
    first = placed(institution, status="found", finding="verified", found_at=found)
    placed(institution, status="closed", finding="verified", found_at=found)
    placed(institution, status="found", finding="not_verified", found_at=found)
    placed(other_institution, status="found", finding="verified", found_at=found)
    placed(institution, finding="verified", found_at=dt.datetime(2025, 11, 1, 10, tzinfo=CST))  # too old
    hint = prefill.suggestions(evaluation)["C3.1"]
    assert hint["count"] == 2
    assert hint["suggested_deduction"] == Decimal(1)  # capped at the item's max (1)
    assert hint["evidence"][0] == {
        "label": f"投诉 {first.code}:查实(2026-11-20)",
        "url": f"/complaints/{first.pk}/",
    }


def test_c31_nothing_without_verified(evaluation, institution):
    placed(
        institution, status="found", finding="not_verified", found_at=dt.datetime(2026, 11, 20, tzinfo=CST)
    )
    assert "C3.1" not in prefill.suggestions(evaluation)
