"""Properties of `plan` over the CAL-4 calendar (REN-1…4, REN-6, CAL-1…3)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from dudao.renewals.domain import (
    DECISION_WORKDAYS,
    InstitutionKind,
    Material,
    RenewalPath,
    plan,
)

from .cal4 import CAL4

KINDS = st.sampled_from(list(InstitutionKind))
# Receipts from a year before the confirmed span to a year after it: both fallbacks are exercised.
RECEIPTS = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2027, 12, 31))
OFFSETS = st.integers(min_value=-400, max_value=1200)  # expires − received, in calendar days


@settings(max_examples=300, deadline=None)
@given(kind=KINDS, self_built=st.booleans(), received=RECEIPTS, offset=OFFSETS)
def test_decide_by_is_the_nth_working_day_after_receipt(kind, self_built, received, offset):
    result = plan(kind, self_built, received + dt.timedelta(days=offset), received, CAL4)
    n = DECISION_WORKDAYS[kind]
    assert result.decide_by > received
    assert CAL4.is_workday(result.decide_by)
    # exactly n working days d with received < d <= decide_by: the deadline is the n-th, not later.
    assert CAL4.workdays_between(received, result.decide_by) == n
    # CAL-3: provisional iff the count touches a year outside the confirmed 2024–2026.
    expected_unconfirmed = tuple(
        y for y in range(received.year, result.decide_by.year + 1) if y not in (2024, 2025, 2026)
    )
    assert result.unconfirmed_years == expected_unconfirmed
    assert result.provisional is bool(expected_unconfirmed)


@settings(max_examples=300, deadline=None)
@given(received=RECEIPTS, offset=OFFSETS, self_built=st.booleans())
def test_employer_deadline_is_not_later_than_the_others(received, offset, self_built):
    expires = received + dt.timedelta(days=offset)
    employer = plan(InstitutionKind.EMPLOYER, self_built, expires, received, CAL4)
    tech = plan(InstitutionKind.TECH_SCHOOL, self_built, expires, received, CAL4)
    social = plan(InstitutionKind.SOCIAL_ORG, self_built, expires, received, CAL4)
    assert employer.decide_by < tech.decide_by == social.decide_by
    # The path depends only on the dates, never on the type.
    assert employer.path == tech.path == social.path


@settings(max_examples=300, deadline=None)
@given(kind=KINDS, self_built=st.booleans(), received=RECEIPTS, offset=OFFSETS)
def test_path_materials_and_form_follow_the_rules(kind, self_built, received, offset):
    result = plan(kind, self_built, received + dt.timedelta(days=offset), received, CAL4)
    expected_path = (
        RenewalPath.RENEWAL
        if offset >= 30
        else RenewalPath.NEW_FILING
        if offset >= 0
        else RenewalPath.NOT_ACCEPTED
    )
    assert result.path is expected_path
    if expected_path is not RenewalPath.RENEWAL:
        assert (result.materials, result.evaluation_form) == ((), None)
        return
    base = (Material.APPLICATION, Material.RENEWAL_FORM)
    if kind is InstitutionKind.EMPLOYER:
        assert (result.materials, result.evaluation_form) == (base, None)
    elif self_built:
        assert result.materials == (*base, Material.QUESTION_EXPLANATION, Material.EXPERT_REVIEW)
        assert result.evaluation_form == "CQ-RENEWAL"
    else:
        assert (result.materials, result.evaluation_form) == (base, "CQ-RENEWAL")


@settings(max_examples=200, deadline=None)
@given(kind=KINDS, self_built=st.booleans(), received=RECEIPTS, offset=OFFSETS)
def test_json_shape(kind, self_built, received, offset):
    data = plan(kind, self_built, received + dt.timedelta(days=offset), received, CAL4).as_json()
    assert list(data) == ["path", "materials", "decide_by", "evaluation_form"]
    assert data["path"] in {"renewal", "new_filing", "not_accepted"}
    assert dt.date.fromisoformat(data["decide_by"]).isoformat() == data["decide_by"]
    assert data["evaluation_form"] in {"CQ-RENEWAL", None}
    assert set(data["materials"]) <= {"application", "renewal_form", "question_explanation", "expert_review"}
