"""Pure registry rules: codes, USCC, levels, filing overlap, INST-3 scope check (hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dudao.common.errors import ValidationFailed
from dudao.registry import domain as d
from tests.factories import make_uscc

D = dt.date


def dtm(y, m, day, h=9):
    return dt.datetime(y, m, day, h, 0)


# ------------------------------------------------------------------ occupation codes (OCC-1)
@pytest.mark.parametrize("code", ["4-03-02-01", "6-18-02-04", "6-18-02-04-01", " 4-03-02-01 ", "４-03-02-01"])
def test_occupation_code_accepts(code):
    assert d.validate_occupation_code(code) in {"4-03-02-01", "6-18-02-04", "6-18-02-04-01"}


@pytest.mark.parametrize("code", ["", "4-3-02-01", "40-03-02-01", "4-03-02", "4-03-02-01-1", "A-03-02-01"])
def test_occupation_code_refuses(code):
    with pytest.raises(ValidationFailed) as exc:
        d.validate_occupation_code(code)
    assert exc.value.detail == {
        "code": [f"职业编码「{code}」格式不正确,应为 d-dd-dd-dd(如 4-03-02-01),工种可加 -dd"]
    }


# ------------------------------------------------------------------ USCC
def test_uscc_normalised_and_valid():
    good = make_uscc(7)
    assert d.validate_uscc(" " + good.lower()[:6] + " " + good[6:] + " ") == good


def test_uscc_wrong_checksum():
    good = make_uscc(7)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        d.validate_uscc(bad)
    assert exc.value.message == f"统一社会信用代码「{bad}」校验位错误,请核对"
    assert exc.value.detail == {"uscc": [exc.value.message]}


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@settings(max_examples=300)
@given(
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.text(alphabet=_USCC_CHARS, min_size=9, max_size=9),
)
def test_uscc_check_digit_is_stdnums(head, tail):
    """The bulk-speed check digit equals stdnum's for every compact code (GB 32100-2015)."""
    from stdnum.cn import uscc

    body = head + tail
    assert d.uscc_check_digit(body) == uscc.calc_check_digit(body)
    good = body + uscc.calc_check_digit(body)
    assert d.validate_uscc(good) == good
    wrong = _USCC_CHARS[(_USCC_CHARS.index(good[-1]) + 1) % 31]
    with pytest.raises(ValidationFailed):
        d.validate_uscc(body + wrong)


def test_uscc_wrong_length_and_format():
    with pytest.raises(ValidationFailed, match="应为 18 位,当前为 5 位"):
        d.validate_uscc("12345")
    with pytest.raises(ValidationFailed, match="格式不正确"):
        d.validate_uscc("A1110000600037341L")


# ------------------------------------------------------------------ levels
def test_levels_sorted_desc():
    assert d.validate_levels([3, 5, 4]) == [5, 4, 3]
    assert d.level_names([4, 5]) == "五级/初级工、四级/中级工"


@pytest.mark.parametrize(
    "levels,message",
    [
        ([], "请至少选择一个等级"),
        ([6], "等级「6」无效,只能是 1–5"),
        ([0], "等级「0」无效,只能是 1–5"),
        ([True], "等级「True」无效,只能是 1–5"),
        ([5, 5], "等级有重复"),
        ("5", "等级格式不正确"),
    ],
)
def test_levels_refused(levels, message):
    with pytest.raises(ValidationFailed) as exc:
        d.validate_levels(levels)
    assert exc.value.message == message


@given(st.sets(st.integers(1, 5), min_size=1))
def test_levels_property(levels):
    result = d.validate_levels(list(levels))
    assert result == sorted(levels, reverse=True)


# ------------------------------------------------------------------ regions
def test_region_kind_and_parent():
    assert d.region_kind("360000") == "province"
    assert d.region_kind("360100") == "city"
    assert d.region_kind("360102") == "district"
    assert d.region_parent_candidates("360102") == ["360100", "360000"]
    assert d.region_parent_candidates("360100") == ["360000"]
    assert d.region_parent_candidates("360000") == []
    assert d.region_code_prefix("360100") == "3601"
    with pytest.raises(ValidationFailed):
        d.region_kind("36")


# ------------------------------------------------------------------ filing periods
dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2020, 3, 31))


@given(dates, dates, dates, dates)
def test_overlap_matches_common_day(a1, a2, b1, b2):
    a_from, a_until = min(a1, a2), max(a1, a2)
    b_from, b_until = min(b1, b2), max(b1, b2)
    days_a = {a_from + dt.timedelta(n) for n in range((a_until - a_from).days + 1)}
    common = any(b_from <= day <= b_until for day in days_a)
    assert d.filing_periods_overlap(a_from, a_until, b_from, b_until) is common
    assert d.filing_periods_overlap(b_from, b_until, a_from, a_until) is common


def test_overlap_edges():
    assert d.filing_periods_overlap(D(2024, 1, 1), D(2024, 12, 31), D(2024, 12, 31), D(2025, 12, 31))
    assert not d.filing_periods_overlap(D(2024, 1, 1), D(2024, 12, 30), D(2024, 12, 31), D(2025, 12, 31))


# ------------------------------------------------------------------ INST-3
WELD = 1
COOK = 2


VALID = (D(2024, 1, 1), D(2028, 12, 31))
START, END = dtm(2025, 3, 10), dtm(2025, 3, 11, 17)


def filing(number="BA-1", status="active", valid=VALID, scopes=None, fid=1):
    if scopes is None:
        scopes = (d.ScopeSpec(occupation_id=WELD, levels=(5, 4, 3), start_date=valid[0]),)
    return d.FilingSpec(
        id=fid, number=number, status=status, valid_from=valid[0], valid_until=valid[1], scopes=tuple(scopes)
    )


def batch(levels=(4,), start=START, end=END, occupation=WELD, work_type=""):
    return d.BatchSpec(
        occupation_id=occupation,
        occupation_label={WELD: "焊工", COOK: "中式烹调师"}[occupation],
        work_type=work_type,
        levels=tuple(levels),
        starts_at=start,
        ends_at=end,
    )


def refusal(spec, filings):
    with pytest.raises(ValidationFailed) as exc:
        d.check_batch_in_scope(spec, filings)
    return exc.value


def test_in_scope_returns_filing():
    f = filing()
    assert d.check_batch_in_scope(batch(), [f]) is f


def test_no_filing():
    err = refusal(batch(), [])
    assert err.message == "该机构没有备案,不能安排评价批次"
    assert err.detail == {"filing": [err.message]}


@pytest.mark.parametrize(
    "status,label",
    [("suspended", "暂停"), ("rectifying", "整改期"), ("expired", "已到期"), ("terminated", "已终止")],
)
def test_filing_not_active_names_status(status, label):
    err = refusal(batch(), [filing(status=status)])
    assert err.message == f"备案 BA-1 当前状态为「{label}」,不能安排评价批次"


def test_dates_outside_validity():
    err = refusal(batch(start=dtm(2028, 12, 31), end=dtm(2029, 1, 1)), [filing()])
    assert err.message == (
        "批次日期 2028-12-31 至 2029-01-01 不在备案 BA-1 的有效期(2024-01-01 至 2028-12-31)内"
    )
    assert list(err.detail) == ["starts_at"]


def test_occupation_not_in_scope():
    err = refusal(batch(occupation=COOK), [filing()])
    assert err.message == "职业「中式烹调师」不在备案 BA-1 的认定范围内"
    assert list(err.detail) == ["occupation"]


def test_work_type_not_in_scope():
    scopes = (d.ScopeSpec(occupation_id=WELD, work_type="电焊工", levels=(5, 4), start_date=D(2024, 1, 1)),)
    err = refusal(batch(work_type="气焊工"), [filing(scopes=scopes)])
    assert err.message == "工种「气焊工」不在备案 BA-1 职业「焊工」的认定范围内(已备案工种:电焊工)"
    err = refusal(batch(work_type=""), [filing(scopes=scopes)])
    assert err.message == "备案 BA-1 的职业「焊工」只备案了工种 电焊工,请选择工种"
    assert d.check_batch_in_scope(batch(work_type="电焊工"), [filing(scopes=scopes)]).number == "BA-1"


def test_scope_without_work_type_covers_every_work_type():
    assert d.check_batch_in_scope(batch(work_type="气焊工"), [filing()]).number == "BA-1"


def test_levels_not_in_scope_named():
    err = refusal(batch(levels=(3, 2, 1)), [filing()])
    assert err.message == "等级 二级/技师、一级/高级技师 不在备案 BA-1 职业「焊工」的认定范围内"
    assert list(err.detail) == ["levels"]


def test_scope_entry_not_started():
    scopes = (d.ScopeSpec(occupation_id=WELD, levels=(4,), start_date=D(2025, 6, 1)),)
    err = refusal(batch(), [filing(scopes=scopes)])
    assert err.message == (
        "备案 BA-1 中职业「焊工」四级/中级工 的认定范围自 2025-06-01 起生效,"
        "批次开始日期 2025-03-10 早于该日期"
    )


def test_scope_entry_ended_ren5():
    scopes = (
        d.ScopeSpec(occupation_id=WELD, levels=(4,), start_date=D(2024, 1, 1), ended_on=D(2025, 3, 11)),
    )
    err = refusal(batch(), [filing(scopes=scopes)])
    assert err.message == "备案 BA-1 中职业「焊工」四级/中级工 的认定范围已于 2025-03-11 终止"
    # A batch that ends the day before the end date is still covered.
    ok = batch(start=dtm(2025, 3, 9), end=dtm(2025, 3, 10, 17))
    assert d.check_batch_in_scope(ok, [filing(scopes=scopes)]).number == "BA-1"


def test_levels_spread_over_entries():
    scopes = (
        d.ScopeSpec(occupation_id=WELD, levels=(5, 4), start_date=D(2024, 1, 1)),
        d.ScopeSpec(occupation_id=WELD, levels=(3,), start_date=D(2025, 1, 1)),
    )
    assert d.check_batch_in_scope(batch(levels=(5, 3)), [filing(scopes=scopes)]).number == "BA-1"


def test_end_after_start():
    err = refusal(batch(start=dtm(2025, 3, 10), end=dtm(2025, 3, 10)), [filing()])
    assert err.message == "批次结束时间必须晚于开始时间"
    assert err.detail == {"ends_at": ["批次结束时间必须晚于开始时间"]}


def test_closest_filing_reason_wins():
    old = filing(number="BA-OLD", status="expired", valid=(D(2019, 1, 1), D(2023, 12, 31)), fid=1)
    new = filing(number="BA-NEW", fid=2)
    err = refusal(batch(occupation=COOK), [old, new])
    assert err.message == "职业「中式烹调师」不在备案 BA-NEW 的认定范围内"
    assert d.check_batch_in_scope(batch(), [old, new]).number == "BA-NEW"


# Property: the check agrees with a brute-force oracle written independently of the implementation.
def _covers(spec: d.BatchSpec, f: d.FilingSpec) -> bool:
    first, last = spec.starts_at.date(), spec.ends_at.date()
    if f.status != "active" or not (f.valid_from <= first and last <= f.valid_until):
        return False
    for level in spec.levels:
        ok = False
        for s in f.scopes:
            days = [first + dt.timedelta(n) for n in range((last - first).days + 1)]
            if (
                s.occupation_id == spec.occupation_id
                and (s.work_type in ("", spec.work_type))
                and level in s.levels
                and all(s.start_date <= day and (s.ended_on is None or day < s.ended_on) for day in days)
            ):
                ok = True
        if not ok:
            return False
    return True


day_st = st.dates(min_value=D(2024, 1, 1), max_value=D(2024, 2, 29))
scope_st = st.builds(
    lambda occ, wt, levels, start, end_delta: d.ScopeSpec(
        occupation_id=occ,
        work_type=wt,
        levels=tuple(sorted(levels, reverse=True)),
        start_date=start,
        ended_on=None if end_delta is None else start + dt.timedelta(end_delta),
    ),
    st.sampled_from([WELD, COOK]),
    st.sampled_from(["", "电焊工", "气焊工"]),
    st.sets(st.integers(1, 5), min_size=1),
    day_st,
    st.none() | st.integers(0, 40),
)
filing_st = st.builds(
    lambda fid, status, start, length, scopes: d.FilingSpec(
        id=fid,
        number=f"BA-{fid}",
        status=status,
        valid_from=start,
        valid_until=start + dt.timedelta(length),
        scopes=tuple(scopes),
    ),
    st.integers(1, 1000),
    st.sampled_from(["active", "active", "suspended", "expired"]),
    day_st,
    st.integers(1, 60),
    st.lists(scope_st, max_size=4),
)
batch_st = st.builds(
    lambda occ, wt, levels, start, length: d.BatchSpec(
        occupation_id=occ,
        occupation_label="X",
        work_type=wt,
        levels=tuple(sorted(levels, reverse=True)),
        starts_at=dt.datetime.combine(start, dt.time(9)),
        ends_at=dt.datetime.combine(start + dt.timedelta(length), dt.time(17)),
    ),
    st.sampled_from([WELD, COOK]),
    st.sampled_from(["", "电焊工", "气焊工"]),
    st.sets(st.integers(1, 5), min_size=1),
    day_st,
    st.integers(0, 3),
)


@settings(max_examples=400, deadline=None)
@given(batch_st, st.lists(filing_st, max_size=3, unique_by=lambda f: f.id))
def test_scope_check_matches_oracle(spec, filings):
    covering = [f for f in filings if _covers(spec, f)]
    if covering:
        assert d.check_batch_in_scope(spec, filings) in covering
    else:
        with pytest.raises(ValidationFailed) as exc:
            d.check_batch_in_scope(spec, filings)
        # Users read the reason, not the rule id (INST-3 is cited here and in the code only).
        assert "INST-" not in exc.value.message and exc.value.message
        assert exc.value.code == "out_of_scope"


# ------------------------------------------------------------------ batch codes
def test_batch_code_sequence():
    day = D(2025, 3, 15)
    assert d.batch_code(day, 1) == "PC202503150001"
    assert d.next_batch_seq(["PC202503150001", "PC202503150007", "PC202503160009", "HAND-1"], day) == 8
    assert d.next_batch_seq([], day) == 1


# ------------------------------------------------------------------ user-facing texts (rule ids stay in code)
@pytest.mark.parametrize(
    "text,expected",
    [
        ("考评员证卡已挂失,不得参加考评(EXAM-2)", "考评员证卡已挂失,不得参加考评"),
        ("证卡考评范围不含等级 四级/中级工(EXAM-3)", "证卡考评范围不含等级 四级/中级工"),
        ("须持有效证卡(EXAM-2、EXAM-3)。", "须持有效证卡。"),
        ("聘任合同最多三届(SUP-5),该督导员已签订 3 届", "聘任合同最多三届,该督导员已签订 3 届"),
        ("范围外 (INST-3)", "范围外"),
        ("(共 3 项)", "(共 3 项)"),
        ("等级(5)", "等级(5)"),
        ("", ""),
    ],
)
def test_without_rule_ids(text, expected):
    assert d.without_rule_ids(text) == expected
