"""The demo plan alone (no database): deterministic, valid identifiers, every kind and status present."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.demo import names
from dudao.demo.plan import SCALES, build_plan
from dudao.people import domain as people_domain
from dudao.registry import domain as registry_domain

DAY = dt.date(2025, 3, 3)


def weekdays(day: dt.date) -> bool:
    return day.weekday() < 5


@pytest.fixture(scope="module")
def small():
    return build_plan("small", 1, DAY, weekdays)


def test_same_seed_same_day_same_plan(small):
    assert build_plan("small", 1, DAY, weekdays) == small


def test_another_seed_gives_other_data(small):
    other = build_plan("small", 2, DAY, weekdays)
    assert [i.uscc for i in other.institutions] != [i.uscc for i in small.institutions]
    assert [i.name for i in other.institutions] != [i.name for i in small.institutions]


def test_province_scale_is_the_design_scale():
    province = SCALES["province"]
    assert (
        province.institutions,
        province.supervisors,
        province.examiners,
        province.batches,
        province.months,
    ) == (
        2000,
        5000,
        30000,
        50000,
        12,
    )


def test_identifiers_pass_the_owning_rules(small):
    usccs = [registry_domain.validate_uscc(i.uscc) for i in small.institutions]  # stdnum cn.uscc
    assert len(set(usccs)) == len(usccs) == 60
    persons = [small.person_of(("E", i)) for i in range(len(small.examiners))]
    persons += [s.person for s in small.supervisors if s.person is not None]
    persons += [r.other_new for r in small.relations if r.other_new is not None]
    numbers = [
        people_domain.parse_resident_id(p.id_number, today=DAY).number for p in persons
    ]  # stdnum cn.ric
    assert len(set(numbers)) == len(numbers) == 392
    for s in small.supervisors:
        if s.kind == "external":  # SUP-3: R + issuer 36 + issue year + serial
            assert people_domain.validate_external_card_number(
                s.card_number, issuer_code="36", issued_on=s.issued_on
            )
    cards = [e.card_number for e in small.examiners] + [s.card_number for s in small.supervisors]
    assert len(set(cards)) == len(cards)


def test_batches_on_working_days_ahead_with_unique_codes(small):
    codes = [b.code for b in small.batches]
    assert len(set(codes)) == len(codes) == 300
    for b in small.batches:
        assert registry_domain.BATCH_CODE_RE.match(b.code)
        assert b.code[2:10] == f"{b.starts_at:%Y%m%d}"
        assert DAY < b.starts_at.date() <= DAY + dt.timedelta(days=6 * 30)
        assert weekdays(b.starts_at.date()) and weekdays(b.ends_at.date())
        assert b.ends_at > b.starts_at
        assert len(b.examiners) in (0, 1, 3, 5) and (b.leader is None or b.leader in b.examiners)


def test_demo_occupations_cannot_be_mistaken_for_real_codes():
    verified = {code for code, _ in names.VERIFIED_OCCUPATIONS}
    for code, _name in names.DEMO_OCCUPATIONS:
        assert registry_domain.validate_occupation_code(code) == code
        # 职业分类大典 (2022) has major groups 1–8 only.
        assert code.startswith("9-99-") and code not in verified


def test_every_kind_and_status_even_at_tiny_scale():
    tiny = build_plan("tiny", 1, DAY, weekdays)
    assert {i.kind for i in tiny.institutions} == {"employer", "tech_school", "social_org"}
    assert {f.final_status for f in tiny.filings} == {"active", "suspended", "rectifying", "expired"}
    assert {s.kind for s in tiny.supervisors} == {"external", "internal"}
    assert any(r.institution is not None for r in tiny.relations)
    assert any(r.other is not None or r.other_new is not None for r in tiny.relations)
    assert [u.username for u in tiny.users] == [
        "demo_admin",
        "demo_authority_admin",
        "demo_authority_staff",
        "demo_external_supervisor",
        "demo_internal_supervisor",
        "demo_institution_admin",
        "demo_institution_staff",
        "demo_examiner",
        "demo_system_admin",
        "demo_security_admin",
        "demo_audit_admin",
    ]


def test_contract_terms_follow_sup5(small):
    for s in small.supervisors:
        terms: list[people_domain.Term] = []
        for k in range(s.contract_terms):
            terms.append(people_domain.next_term(terms, s.contract_start if k == 0 else None))
        people_domain.check_terms(terms)  # three-year terms, at most three, no overlap
        if terms:
            assert people_domain.current_term(terms, DAY) is not None
