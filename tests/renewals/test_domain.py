"""`dudao.renewals.domain.plan`: path, materials, evaluation form, decision deadline (REN-1…4, REN-6, CAL).

Expected deadlines are counted by hand from DOMAIN.md CAL-4 (the count starts the day after
receipt, CAL-2); the calendar used here is typed in from CAL-4, not read from the shipped file.
"""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.common.errors import ValidationFailed
from dudao.renewals.domain import (
    DECISION_WORKDAYS,
    MIN_NOTICE_DAYS,
    RENEWAL_FORM_ID,
    InstitutionKind,
    Material,
    RenewalPath,
    application_path,
    parse_kind,
    plan,
    required_materials,
    summary_zh,
)
from dudao.scorecards.domain import shipped_form

from .cal4 import CAL4

D = dt.date.fromisoformat
FAR = D("2030-06-30")  # an expiry far enough away that every receipt below is on the renewal path
BASE = ["application", "renewal_form"]
FULL = ["application", "renewal_form", "question_explanation", "expert_review"]


def _plan(kind, received, expires=FAR, self_built=False):
    return plan(kind, self_built, D(expires) if isinstance(expires, str) else expires, D(received), CAL4)


# --- decide_by: CAL-2 counting with CAL-4 (REN-3 10 working days, REN-4 20, REN-8) -----------------


@pytest.mark.parametrize(
    ("received", "kind", "decide_by"),
    [
        # Issue 3 / CAL-2 example: Sun 09-29 worked, Oct 1–7 off, Sat 10-12 worked.
        ("2024-09-27", "employer", "2024-10-16"),
        # 10 more working days: 10-17, 18, 21–25, 28, 29, 30.
        ("2024-09-27", "tech_school", "2024-10-30"),
        ("2024-09-27", "social_org", "2024-10-30"),
        # Spring Festival 2025: 01-21…24 (4), Sun 01-26 worked (5), 01-27 (6), 01-28…02-04 off,
        # 02-05…07 (9), Sat 02-08 worked (10) — the deadline is an adjusted Saturday.
        ("2025-01-20", "employer", "2025-02-08"),
        # then 02-10…14 (15), 02-17…21 (20).
        ("2025-01-20", "tech_school", "2025-02-21"),
        ("2025-01-20", "social_org", "2025-02-21"),
        # Spring Festival 2026: 02-10…13 (4), Sat 02-14 worked (5), 02-15…23 off, 02-24…27 (9),
        # Sat 02-28 worked (10).
        ("2026-02-09", "employer", "2026-02-28"),
        # then 03-02…06 (15), 03-09…13 (20).
        ("2026-02-09", "social_org", "2026-03-13"),
        ("2026-02-09", "tech_school", "2026-03-13"),
        # Across New Year 2025: 12-23…27 (5), 12-30, 12-31 (7), 01-01 off, 01-02, 01-03 (9), 01-06 (10).
        ("2024-12-20", "employer", "2025-01-06"),
    ],
)
def test_decide_by_counts_working_days_after_receipt(received, kind, decide_by):
    result = _plan(kind, received)
    assert result.decide_by == D(decide_by)
    assert result.decision_workdays == {"employer": 10, "tech_school": 20, "social_org": 20}[kind]
    assert result.provisional is False
    assert result.unconfirmed_years == ()


def test_decision_counts_are_ren3_and_ren4():
    assert DECISION_WORKDAYS == {
        InstitutionKind.EMPLOYER: 10,
        InstitutionKind.TECH_SCHOOL: 20,
        InstitutionKind.SOCIAL_ORG: 20,
    }


def test_count_reaching_2027_is_provisional():
    # 2026-12-15: employer 12-16…18 (3), 12-21…25 (8), 12-28, 12-29 (10): stays in confirmed 2026.
    employer = _plan("employer", "2026-12-15")
    assert (employer.decide_by, employer.provisional, employer.unconfirmed_years) == (
        D("2026-12-29"),
        False,
        (),
    )
    # Others: 12-30, 12-31 (12), 2027-01-01 statutory New Year (fallback), 01-04…08 (17), 01-11…13 (20).
    other = _plan("social_org", "2026-12-15")
    assert (other.decide_by, other.provisional, other.unconfirmed_years) == (D("2027-01-13"), True, (2027,))
    assert set(other.as_json()) == {"path", "materials", "decide_by", "evaluation_form"}
    # 2026-12-20: employer 12-21…25 (5), 12-28…31 (9), 01-01 off, 01-04 (10).
    late = _plan("employer", "2026-12-20")
    assert (late.decide_by, late.provisional) == (D("2027-01-04"), True)
    assert _plan("tech_school", "2026-12-20").decide_by == D("2027-01-18")


def test_receipt_in_a_year_without_arrangement_is_provisional():
    result = _plan("employer", "2023-06-01", expires="2023-12-31")
    assert (result.provisional, result.unconfirmed_years) == (True, (2023,))


# --- path: REN-1 (届满30日前) and REN-6 ------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "days_before", "path"),
    [
        ("2024-11-30", 31, "renewal"),
        ("2024-12-01", 30, "renewal"),  # exactly 30 days before: on time (REN-1 boundary)
        ("2024-12-02", 29, "new_filing"),  # one day late (REN-6)
        ("2024-12-30", 1, "new_filing"),
        ("2024-12-31", 0, "new_filing"),  # the expiry day: the filing is still valid that day
        ("2025-01-01", -1, "not_accepted"),  # after expiry (REN-6)
        ("2025-03-01", -60, "not_accepted"),
    ],
)
@pytest.mark.parametrize("kind", ["employer", "tech_school", "social_org"])
def test_path_boundaries(kind, received, days_before, path):
    result = _plan(kind, received, expires="2024-12-31", self_built=True)
    assert result.days_before_expiry == days_before
    assert result.path == RenewalPath(path)
    assert application_path(D("2024-12-31"), D(received)) == RenewalPath(path)


def test_thirty_days_are_calendar_days_across_a_leap_day():
    # 2024-02-29 exists: 2024-03-30 − 2024-02-29 = 30 days → on time; 2024-03-01 → 29 days → late.
    assert _plan("employer", "2024-02-29", expires="2024-03-30").path is RenewalPath.RENEWAL
    assert _plan("employer", "2024-03-01", expires="2024-03-30").path is RenewalPath.NEW_FILING
    assert MIN_NOTICE_DAYS == 30


def test_boundary_day_on_a_holiday_is_not_extended():
    # Expiry 2024-10-31: the last on-time day is 2024-10-01 (National Day). Receipt on 10-02 is late.
    assert _plan("social_org", "2024-10-01", expires="2024-10-31").path is RenewalPath.RENEWAL
    assert _plan("social_org", "2024-10-02", expires="2024-10-31").path is RenewalPath.NEW_FILING


# --- materials (REN-2) and evaluation form (REN-3, REN-4) ------------------------------------------


@pytest.mark.parametrize(
    ("kind", "self_built", "materials", "form"),
    [
        ("employer", False, BASE, None),
        ("employer", True, BASE, None),  # employers never give (3)/(4) and are not scored
        ("tech_school", False, BASE, "CQ-RENEWAL"),
        ("tech_school", True, FULL, "CQ-RENEWAL"),
        ("social_org", False, BASE, "CQ-RENEWAL"),
        ("social_org", True, FULL, "CQ-RENEWAL"),
    ],
)
def test_materials_and_form_on_the_renewal_path(kind, self_built, materials, form):
    result = _plan(kind, "2024-09-27", expires="2024-12-31", self_built=self_built)
    assert result.path is RenewalPath.RENEWAL
    assert [m.value for m in result.materials] == materials
    assert result.evaluation_form == form
    assert [m.value for m in required_materials(InstitutionKind(kind), self_built)] == materials


@pytest.mark.parametrize("kind", ["employer", "tech_school", "social_org"])
@pytest.mark.parametrize("received", ["2024-12-15", "2024-12-31", "2025-01-02"])
def test_no_renewal_materials_or_form_off_the_renewal_path(kind, received):
    result = _plan(kind, received, expires="2024-12-31", self_built=True)
    assert result.path is not RenewalPath.RENEWAL
    assert result.materials == ()
    assert result.evaluation_form is None


def test_decide_by_is_computed_on_every_path():
    # Received 2025-01-02 (after expiry): 01-03 (1), 01-06…10 (6), 01-13…16 (10), 01-17, 01-20…24 (16),
    # Sun 01-26 worked (17), 01-27 (18), 01-28…02-04 off, 02-05, 02-06 (20).
    refused = _plan("tech_school", "2025-01-02", expires="2024-12-31")
    assert refused.path is RenewalPath.NOT_ACCEPTED
    assert refused.as_json() == {
        "path": "not_accepted",
        "materials": [],
        "decide_by": "2025-02-06",
        "evaluation_form": None,
    }
    assert _plan("employer", "2025-01-02", expires="2024-12-31").decide_by == D("2025-01-16")
    late = _plan("employer", "2024-12-31", expires="2024-12-31")
    assert (late.path, late.decide_by) == (RenewalPath.NEW_FILING, D("2025-01-15"))


def test_renewal_form_is_the_shipped_cq_renewal_form():
    form = shipped_form(RENEWAL_FORM_ID)
    assert form.id == "CQ-RENEWAL"
    assert form.title == "重庆市职业技能等级认定机构延续备案评估表"
    assert [b.id for b in form.bands] == ["renew", "rectify", "refuse"]


# --- JSON contract ---------------------------------------------------------------------------------


def test_as_json_contract_and_key_order():
    result = _plan("social_org", "2024-09-27", expires="2024-12-31", self_built=True)
    data = result.as_json()
    assert list(data) == ["path", "materials", "decide_by", "evaluation_form"]
    assert data == {
        "path": "renewal",
        "materials": FULL,
        "decide_by": "2024-10-30",
        "evaluation_form": "CQ-RENEWAL",
    }
    assert [m.value for m in Material] == FULL


# --- input checks ----------------------------------------------------------------------------------


def test_kind_accepts_enum_and_code():
    assert parse_kind(" tech_school ") is InstitutionKind.TECH_SCHOOL
    assert _plan(InstitutionKind.SOCIAL_ORG, "2024-09-27").kind is InstitutionKind.SOCIAL_ORG


def test_unknown_kind_is_a_chinese_validation_error():
    with pytest.raises(ValidationFailed) as exc:
        _plan("school", "2024-09-27")
    assert exc.value.message == (
        "机构类型“school”无效,应为 employer(用人单位)、tech_school(技工院校)、social_org(社会培训评价组织)"
    )
    assert list(exc.value.detail) == ["kind"]


def test_dates_must_be_dates_in_range():
    with pytest.raises(ValidationFailed) as exc:
        plan("employer", False, "2024-12-31", D("2024-09-27"), CAL4)
    assert exc.value.detail == {"expires": ["备案有效期届满日期必须是日期"]}
    with pytest.raises(ValidationFailed) as exc:
        plan("employer", False, D("2024-12-31"), dt.datetime(2024, 9, 27, 10, 0), CAL4)
    assert exc.value.detail == {"received": ["材料收到日期必须是日期"]}
    with pytest.raises(ValidationFailed) as exc:
        plan("employer", False, D("2024-12-31"), D("1949-12-31"), CAL4)
    assert exc.value.message == "材料收到日期 1949-12-31 超出支持范围(1950–2100 年)"


def test_deadline_beyond_the_calendar_range_is_an_error_on_received():
    with pytest.raises(ValidationFailed) as exc:
        plan("employer", False, D("2100-12-31"), D("2100-12-31"), CAL4)
    assert exc.value.detail == {"received": ["计算结果超出支持范围(1950–2100 年)"]}


# --- Chinese summary -------------------------------------------------------------------------------


def test_summary_of_a_renewal():
    result = _plan("tech_school", "2024-09-27", expires="2024-12-31", self_built=True)
    assert summary_zh(result) == "\n".join(
        [
            "办理路径:延续备案(renewal)",
            "机构类型:技工院校(tech_school),使用自建试题资源",
            "备案有效期至:2024-12-31",
            "材料收到日期:2024-09-27(距备案有效期届满 95 日)",
            "说明:于备案有效期届满 30 日前提出申请,按延续备案办理。",
            "所需材料:",
            "  (一)关于延续开展职业技能等级认定工作的申请(附件1)(application)",
            "  (二)重庆市职业技能等级认定机构延续备案申报表(附件2)(renewal_form)",
            "  (三)试题资源编制说明(附件4)(question_explanation)",
            "  (四)专家评审意见表(附件5)(expert_review)",
            "评估表:CQ-RENEWAL(重庆市职业技能等级认定机构延续备案评估表):"
            "80 分及以上延续备案,60–79 分整改,60 分以下不予续期备案",
            "办结期限:2024-10-30(收到材料后 20 个工作日内)",
        ]
    )


def test_summary_of_employer_new_filing_and_refusal():
    employer = summary_zh(_plan("employer", "2024-09-27", expires="2024-12-31", self_built=True))
    assert "  用人单位无需另交(三)(四)项材料" in employer.splitlines()
    assert "审核方式:人力社保部门提出审核意见,符合条件的出具延续备案回执" in employer.splitlines()
    assert employer.splitlines()[-1] == "办结期限:2024-10-16(收到材料后 10 个工作日内)"

    expiry_day = summary_zh(_plan("employer", "2024-12-31", expires="2024-12-31")).splitlines()
    assert expiry_day[0] == "办理路径:按新设立评价机构受理(new_filing)"
    assert expiry_day[3] == "材料收到日期:2024-12-31(当日为备案有效期最后一日)"
    assert expiry_day[-1] == "答复期限:2025-01-15(收到材料后 10 个工作日内)"

    refused = summary_zh(_plan("social_org", "2025-01-02", expires="2024-12-31")).splitlines()
    assert refused[0] == "办理路径:不予受理(not_accepted)"
    assert refused[3] == "材料收到日期:2025-01-02(备案有效期已届满 2 日)"
    assert refused[4] == "说明:备案有效期届满后提出的延续备案申请不予受理。"

    provisional = summary_zh(_plan("social_org", "2026-12-15", expires="2027-06-30")).splitlines()
    assert provisional[-1] == ("办结期限:2027-01-13(收到材料后 20 个工作日内),临时:2027 年节假日安排尚未确认")
