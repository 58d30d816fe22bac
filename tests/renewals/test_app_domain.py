"""Pure rules of the renewal procedure (dudao.renewals.domain, no Django): periods, REN-4 outcomes, REN-5
scope, REN-6 suspension, the renewal form's validation, notice problems, document numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dudao.common.errors import ValidationFailed
from dudao.renewals import domain
from dudao.renewals.domain import (
    DropReason,
    FormItem,
    Outcome,
    RenewalPath,
    ScopeAction,
    ScopeEntry,
    add_months,
    add_years,
    application_path_after_suspension,
    check_requested_scope,
    document_number,
    next_document_seq,
    outcome_for,
    problems_found,
    rectification_deadline,
    renewal_scope,
    renewed_period,
    uses_self_built_questions,
    validate_materials,
)

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-08-31", 6, "2025-02-28"),
        ("2024-10-28", 6, "2025-04-28"),
        ("2024-12-15", 1, "2025-01-15"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2024-02-29", 12, "2025-02-28"),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(D(day), months) == D(expected)


def test_renewed_period_continues_the_old_one():
    assert renewed_period(D("2024-12-31"), 4) == (D("2025-01-01"), D("2028-12-31"))
    assert renewed_period(D("2024-10-30"), 3) == (D("2024-10-31"), D("2027-10-30"))
    assert add_years(D("2024-02-29"), 1) == D("2025-02-28")
    for bad in (0, 11, True, "4"):
        with pytest.raises(ValidationFailed) as exc:
            renewed_period(D("2024-12-31"), bad)
        assert exc.value.detail == {"renewal_years": ["延续备案年限应为 1–10 年"]}


def test_rectification_deadline_is_six_months_from_the_decision_day():
    """Seed 004 attachment 6: "即日起…整改期为6个月"; 民法典 arts. 201–202."""
    assert rectification_deadline(D("2025-01-15")) == D("2025-07-15")
    assert rectification_deadline(D("2025-08-31")) == D("2026-02-28")


@pytest.mark.parametrize(
    ("band", "re_evaluation", "expected"),
    [
        ("renew", False, Outcome.RENEW),
        ("rectify", False, Outcome.RECTIFY),
        ("refuse", False, Outcome.REFUSE),
        ("renew", True, Outcome.RENEW),
        ("rectify", True, Outcome.REFUSE),  # REN-4: renewed only after a passing re-evaluation
        ("refuse", True, Outcome.REFUSE),
    ],
)
def test_outcome_for(band, re_evaluation, expected):
    assert outcome_for(band, re_evaluation=re_evaluation) is expected


def test_outcome_for_a_foreign_band():
    with pytest.raises(ValidationFailed):
        outcome_for("excellent", re_evaluation=False)  # a QC-STATION band


@pytest.mark.parametrize(
    ("received", "resumed", "expected"),
    [
        ("2024-12-01", None, RenewalPath.RENEWAL),
        ("2024-12-10", None, RenewalPath.NEW_FILING),
        ("2025-01-05", None, RenewalPath.NOT_ACCEPTED),
        # Resumed after the last on-time day (2024-12-01): 30 days of grace from resuming.
        ("2024-12-10", "2024-12-05", RenewalPath.RENEWAL),
        ("2025-02-01", "2025-01-20", RenewalPath.RENEWAL),
        ("2025-02-19", "2025-01-20", RenewalPath.RENEWAL),
        ("2025-02-20", "2025-01-20", RenewalPath.NOT_ACCEPTED),
        # Resumed in time to apply on time: no deferral.
        ("2024-12-10", "2024-11-01", RenewalPath.NEW_FILING),
        # Resumed on the last on-time day: it could still apply on time that day.
        ("2024-12-10", "2024-12-01", RenewalPath.NEW_FILING),
    ],
)
def test_suspension_defers_the_renewal_deadline(received, resumed, expected):
    assert application_path_after_suspension(D("2024-12-31"), D(received), resumed and D(resumed)) is expected


# ---------------------------------------------------------------------------------------------- REN-5

A = ScopeEntry(1, "4-10-01-05", "养老护理员", "", (5, 4, 3))
B = ScopeEntry(2, "4-03-02-01", "中式烹调师", "中式烹调", (5, 4))
B2 = ScopeEntry(3, "4-03-02-01", "中式烹调师", "中式面点", (5,))
C = ScopeEntry(4, "6-18-02-04", "电工", "", (4, 3))


def _req(entry, levels=None):
    return {
        "occupation_code": entry.occupation_code,
        "work_type": entry.work_type,
        "levels": levels or list(entry.levels),
    }


def test_renewal_scope_exact():
    active = {("4-10-01-05", "失智老年人照护"), ("4-03-02-01", "中式烹调")}
    changes = renewal_scope([A, B, B2, C], [_req(A, [4, 5]), _req(B), _req(B2)], active)
    assert [(c.entry.id, c.action, c.levels, c.reason) for c in changes] == [
        (1, ScopeAction.NARROW, (5, 4), None),  # whole occupation: any work type of it counts as activity
        (2, ScopeAction.KEEP, (5, 4), None),
        (3, ScopeAction.DROP, (), DropReason.NO_ACTIVITY),  # a work type needs a batch of that work type
        (4, ScopeAction.DROP, (), DropReason.NOT_REQUESTED),
    ]
    assert changes[0].as_json() == {
        "scope_id": 1,
        "occupation_code": "4-10-01-05",
        "occupation_name": "养老护理员",
        "work_type": "",
        "levels": [5, 4, 3],
        "action": "narrow",
        "renewed_levels": [5, 4],
        "reason": "",
    }


entries = st.lists(
    st.builds(
        ScopeEntry,
        id=st.integers(1, 10_000),
        occupation_code=st.sampled_from(["1-01-01-01", "2-02-02-02", "3-03-03-03"]),
        occupation_name=st.just("职业"),
        work_type=st.sampled_from(["", "甲", "乙"]),
        levels=st.lists(st.integers(1, 5), min_size=1, max_size=5, unique=True).map(tuple),
    ),
    max_size=8,
    unique_by=lambda e: (e.occupation_code, e.work_type),
)


@given(
    original=entries,
    wanted=st.lists(st.booleans(), min_size=8, max_size=8),
    level_masks=st.lists(st.lists(st.booleans(), min_size=5, max_size=5), min_size=8, max_size=8),
    active=st.sets(
        st.tuples(
            st.sampled_from(["1-01-01-01", "2-02-02-02", "3-03-03-03"]), st.sampled_from(["", "甲", "乙"])
        )
    ),
)
def test_renewal_scope_properties(original, wanted, level_masks, active):
    requested = [
        _req(e, [lv for k, lv in enumerate(e.levels) if level_masks[i][k]] or None)
        for i, e in enumerate(original)
        if wanted[i]
    ]
    check_requested_scope(requested, original)  # what the form offers is always inside the scope
    changes = renewal_scope(original, requested, active)
    assert [c.entry for c in changes] == list(original)  # every entry decided once, in order
    codes = {code for code, _ in active}
    for change in changes:
        entry = change.entry
        assert set(change.levels) <= set(entry.levels)  # REN-5: never a new level
        is_active = entry.occupation_code in codes if entry.work_type == "" else entry.key in active
        asked = any(
            r["occupation_code"] == entry.occupation_code and r["work_type"] == entry.work_type
            for r in requested
        )
        assert (change.action is ScopeAction.DROP) == (not asked or not is_active)
        if change.action is ScopeAction.KEEP:
            assert set(change.levels) == set(entry.levels)


def test_requested_scope_duplicates_and_new_work_types():
    with pytest.raises(ValidationFailed) as exc:
        check_requested_scope([_req(A), _req(A), {**_req(B), "work_type": "西式烹调"}], [A, B])
    assert exc.value.detail == {
        "scope.1.occupation_code": ["4-10-01-05 重复填写"],
        "scope.2.occupation_code": [
            "4-03-02-01(西式烹调) 不在原备案认定范围内:续期备案只限原有认定范围,不得新增职业(工种)"
        ],
    }


# ---------------------------------------------------------------------------------------------- the form


def _form(**changes):
    form = {
        "basic": {
            "name": "某机构",
            "uscc": "91360100MA0000012X",
            "legal_representative": "张",
            "contact_name": "李",
            "contact_phone": "0791-88123456",
        },
        "scope": [{"occupation_code": "4-10-01-05", "levels": ["5", "4"], "certified_count": "12"}],
        "summary": {"text": "总结"},
        "commitment": {"accepted": "on", "legal_representative": "张"},
    }
    form.update(changes)
    return form


def test_validate_materials_cleans_every_section():
    clean = validate_materials(_form(equipment=[{"name": ""}, {"name": "护理床", "quantity": "3"}]))
    assert set(clean) == {s.key for s in domain.FORM_SECTIONS}
    assert clean["scope"] == [
        {
            "occupation_code": "4-10-01-05",
            "occupation_name": "",
            "work_type": "",
            "levels": [5, 4],
            "start_date": "",
            "certified_count": 12,
        },
    ]
    assert clean["equipment"] == [
        {"name": "护理床", "model": "", "quantity": 3, "ownership": "", "occupations": "", "location": ""}
    ]  # the blank row is dropped
    assert clean["commitment"] == {"accepted": True, "legal_representative": "张"}
    assert clean["rules"] == [] and clean["strengths"] == {"organisation": "", "professional": ""}


def test_validate_materials_reports_every_error():
    form = _form(
        scope=[],
        managers=[{"name": "王", "id_number": "360102198501010015", "post": "负责人", "own_staff": "maybe"}],
        question_resources=[{"occupation_name": "养老护理员", "source": "self_built", "level": "6"}],
        summary={"text": "字" * 2001},
        commitment={"accepted": False, "legal_representative": ""},
    )
    form["basic"]["email"] = "not-an-email"
    with pytest.raises(ValidationFailed) as exc:
        validate_materials(form)
    assert exc.value.detail == {
        "scope": ["一、续期备案职业技能等级认定的职业(工种)范围至少填写 1 行"],
        "managers.0.id_number": ["身份证号校验码错误,请核对后重新输入"],
        "managers.0.own_staff": ["是否本单位人员应为“是”或“否”"],
        "question_resources.0.level": [
            "级别“6”无效,应为 五级/初级工、四级/中级工、三级/高级工、二级/技师、一级/高级技师"
        ],
        "commitment.legal_representative": ["请填写法定代表人(签字)"],
        "summary.text": ["工作总结应在 2000 字以内"],
        "basic.email": ["电子邮箱格式不正确"],
        "commitment.accepted": ["请阅读并确认诚信及评价质量承诺"],
        "question_resources.0.resource_type": ["自建试题资源须填写试题资源类型(题库/卷库)"],
    }
    assert exc.value.message.startswith("延续备案申报表填写有误:")


def test_validate_materials_rejects_garbage_without_crashing():
    for junk in (None, [], "x", {"scope": "x"}, {"scope": [1, None]}):
        with pytest.raises(ValidationFailed):
            validate_materials(junk)


def test_self_built_questions():
    assert uses_self_built_questions(
        {"question_resources": [{"source": "city_bank"}, {"source": "self_built"}]}
    )
    assert not uses_self_built_questions({"question_resources": [{"source": "city_bank"}]})


# ------------------------------------------------------------------------------------ notice, numbers


def test_problems_found_lists_lost_points_in_form_order():
    items = [
        FormItem("A1.1", "岗位", Decimal(4), "deduction", "岗位和履职"),
        FormItem("B4.2", "技能场地", Decimal(10), "deduction"),
        FormItem("D1", "加分", Decimal(2), "bonus"),
    ]
    found = problems_found(items, {"A1.1": 4, "B4.2": 3.5, "D1": 0}, {"B4.2": " 无候考区 "})
    assert [(p.item_id, p.points, p.lost, p.note) for p in found] == [
        ("B4.2", Decimal("3.5"), Decimal("6.5"), "无候考区")
    ]
    assert found[0].text() == "技能场地（扣6.5分）：无候考区"
    assert found[0].as_json()["lost"] == "6.5"


def test_document_numbers():
    assert document_number("赣人社延备", 2025, 3) == "赣人社延备〔2025〕3号"
    existing = [
        "赣人社延备〔2025〕3号",
        "赣人社延备〔2025〕12号",
        "赣人社延备〔2024〕40号",
        "其他〔2025〕99号",
        "",
    ]
    assert next_document_seq(existing, "赣人社延备", 2025) == 13
    assert next_document_seq(existing, "赣人社延备", 2026) == 1
