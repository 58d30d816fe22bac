"""The results judge's fast path (integer UNITs, `results._fast_judge`) against the reference path
(`evaluate(raw).to_json()`, exact Fractions): same output, same problems, on many random candidates and
on the boundaries (a difference of exactly the tolerance, 59.95, two thirds of a panel, huge full marks).
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dudao.exams.domain import results
from dudao.exams.domain.results import (
    DEFAULT_POLICY,
    Policy,
    ResultsInputError,
    evaluate,
    judge,
    judge_many,
)

UNIT = results.UNIT


def reference(raw, policy=DEFAULT_POLICY):
    return evaluate(raw, policy).to_json()


def outcome(function, raw, policy=DEFAULT_POLICY):
    """("ok", output as JSON text) or ("error", problems): what a caller of `function` sees."""
    try:
        return "ok", json.dumps(function(raw, policy), ensure_ascii=False)
    except ResultsInputError as exc:
        return "error", exc.problems


def fast(raw, policy=DEFAULT_POLICY):
    rules = results._rules(policy)
    assert rules is not None
    return results._fast_judge(raw, rules)


def assert_same(raw, policy=DEFAULT_POLICY, *, fast_path: bool | None = None):
    """judge and judge_many give what the reference path gives; `fast_path`: the fast path itself took
    the candidate (True) or left it to the reference path (False)."""
    expected = outcome(reference, raw, policy)
    assert outcome(judge, raw, policy) == expected
    if expected[0] == "ok":
        assert json.dumps(judge_many([raw], policy), ensure_ascii=False) == "[" + expected[1] + "]"
        got = fast(raw, policy)
        if fast_path is not None:
            assert (got is not None) is fast_path
        if got is not None:
            assert json.dumps(got, ensure_ascii=False) == expected[1]
    else:
        assert fast(raw, policy) is None  # the fast path never accepts what the reference refuses
        with pytest.raises(ResultsInputError):
            judge_many([raw], policy)


# ------------------------------------------------------------------------------------------ boundaries


def cand(level, *subjects):
    return {"level": level, "subjects": list(subjects)}


D = Decimal
BOUNDARIES = [
    # EXAM-16: a difference of exactly the tolerance is within; a millionth more needs a third
    cand(3, {"subject": "theory", "marks": [55, 65]}, {"subject": "practical", "mark": 60}),
    cand(3, {"subject": "theory", "marks": [D("55"), D("65.000001")]}),
    cand(3, {"subject": "theory", "marks": [D("60.2"), D("70.2")]}),
    cand(3, {"subject": "theory", "marks": [60.2, 70.2]}),  # floats: the decimal they print as
    cand(3, {"subject": "theory", "marks": [D("50"), D("50")], "tolerance": 0}),
    cand(3, {"subject": "theory", "marks": [D("50"), D("50.1")], "tolerance": D("0.1")}),
    cand(3, {"subject": "theory", "marks": [D("50"), D("50.1")], "tolerance": D("0.09")}),
    cand(3, {"subject": "theory", "marks": [50, 70], "third": 60}),  # tie between pairs: the higher
    cand(3, {"subject": "theory", "marks": [40, 80], "third": 60}),
    cand(3, {"subject": "theory", "marks": [40, 80], "third": 60, "leader": D("59.95")}),
    cand(3, {"subject": "theory", "marks": [40, 80], "third": 70}),  # closest pair exactly 10
    # EXAM-14: shown half up, decided on the exact value
    cand(4, {"subject": "theory", "mark": D("59.95")}, {"subject": "practical", "mark": D("60.05")}),
    cand(4, {"subject": "theory", "mark": D("59.999999")}, {"subject": "practical", "mark": D("60.000000")}),
    cand(4, {"subject": "theory", "marks": [D("59.9"), D("60")]}),  # mean 59.95: 60.0, fails
    cand(4, {"subject": "theory", "marks": [D("59.9"), D("60.1")]}),  # mean exactly 60: passes
    cand(4, {"subject": "theory", "mark": D("0.05")}, {"subject": "practical", "mark": D("0.04")}),
    cand(4, {"subject": "theory", "mark": D("6E+1")}, {"subject": "practical", "mark": D("1.00E+2")}),
    cand(
        5, {"subject": "theory", "full": 150, "mark": 90}, {"subject": "practical", "full": 150, "mark": 89}
    ),
    cand(5, {"subject": "theory", "full": D("99.5"), "marks": [D("59.7"), D("69.65")]}),
    cand(5, {"subject": "theory", "full": 10**20, "mark": 6 * 10**19 + 5}),  # shown ≥ 2**53
    cand(5, {"subject": "theory", "full": 10**20, "marks": [10**19, 10**19 + 3]}),
    # EXAM-18 panel means; EXAM-7 two thirds and the mean
    cand(3, {"subject": "practical", "panel": [65, 70, 58]}),
    cand(3, {"subject": "practical", "panel": [D("59.95")]}),
    cand(2, {"subject": "review", "panel": [90, 90, 0]}),
    cand(2, {"subject": "review", "panel": [100, 100, 100, 59, 59]}),
    cand(1, {"subject": "review", "panel": [100, 100, 100, 100, 0, 0]}),
    cand(1, {"subject": "review", "panel": [D("59.99"), 60, 60]}),  # mean 59.996…: 60.0, fails
    cand(1, {"subject": "review", "panel": [D("60"), D("60"), D("59.999999")]}),
    # absent, null, missing subjects, the overall verdict
    cand(2, {"subject": "theory", "absent": True}, {"subject": "practical", "mark": 70, "absent": False}),
    cand(2, {"subject": "theory", "mark": 70, "full": None, "third": None}),
    cand(1),
    cand(2, {"subject": "practical", "marks": [10, 90]}, {"subject": "theory", "mark": 61}),
]


@pytest.mark.parametrize("raw", BOUNDARIES)
def test_boundaries_fast_path_equals_the_reference(raw):
    assert_same(raw, fast_path=True)


@pytest.mark.parametrize(
    "raw",
    [
        cand(3, {"subject": "theory", "mark": D("59.9999999")}),  # seven decimals: finer than a UNIT
        cand(3, {"subject": "theory", "mark": Fraction(179, 3)}),  # a Python caller's Fraction
        cand(3, {"subject": "theory", "marks": [D("55"), D("65.0000001")]}),
        cand(3, {"subject": "theory", "full": D("100.0000001"), "mark": 60}),
    ],
)
def test_numbers_the_fast_path_leaves_to_the_reference_are_judged_the_same(raw):
    assert_same(raw, fast_path=False)


def th(**kw):
    return {"subject": "theory", **kw}


MALFORMED = [
    cand(3, th(mark=101)),
    cand(3, th(mark=D("100.000001"))),
    cand(3, th(mark=D("-0.1"))),
    cand(3, th(mark=True)),
    cand(3, th(mark="60")),
    cand(3, th(mark=D("NaN"))),
    cand(3, th(mark=D("sNaN"))),
    cand(3, th(mark=float("inf"))),
    cand(3, th(mark=D("1E+60"))),
    cand(3, th(marks=[60, 101])),
    cand(3, th(marks=[101, 60])),
    cand(3, th(marks=[-1, 60])),
    cand(3, th(marks=[60, -1])),
    cand(3, th(marks=[60, 70, 80])),
    cand(3, th(marks=(60, 70))),
    cand(3, th(marks=[40, 80], third=101)),
    cand(3, th(marks=[40, 80], third=-1)),
    cand(3, th(marks=[40, 80], third=60, leader=101)),
    cand(3, th(marks=[40, 80], third=60, leader=-1)),
    cand(3, th(marks=[60, 65], tolerance=-1)),
    cand(3, th(marks=[60, 65], tolerance="5")),
    cand(3, th(marks=[60, 65], third=62)),  # a third mark while the two agree
    cand(3, th(marks=[60, 65], leader=62)),
    cand(3, th(marks=[40, 80], leader=62)),  # the leader before a third mark
    cand(3, th(marks=[40, 80], third=75, leader=62)),  # the leader while the closest pair agrees
    cand(3, th(full=0, mark=0)),
    cand(3, th(full=-5, mark=0)),
    cand(3, th(full="100", mark=0)),
    cand(3, th(full=50, mark=D("50.000001"))),
    cand(3, th(absent="yes")),
    cand(3, th(absent=1)),
    cand(3, th(absent=True, mark=60)),
    cand(3, th(absent=True, marks=[60, 60])),
    cand(3, th(absent=True, tolerance=5)),
    cand(3, th(absent=False)),
    cand(3, th()),
    cand(3, th(mark=60, marks=[60, 60])),
    cand(3, th(mark=60, panel=[60])),
    cand(3, th(marks=[60, 60], panel=[60])),
    cand(3, th(mark=60, third=60)),
    cand(3, th(panel=[60, 60, 60])),  # theory is a paper: no panel
    cand(3, {"subject": "practical", "panel": [60, 101, 60]}),
    cand(3, {"subject": "practical", "panel": []}),
    cand(3, {"subject": "practical", "panel": [60], "tolerance": 5}),
    cand(3, {"subject": "practical", "panel": 60}),
    cand(2, {"subject": "review", "panel": [60, 60, 101]}),
    cand(2, {"subject": "review", "panel": [60, 60]}),
    cand(2, {"subject": "review", "mark": 60}),
    cand(2, {"subject": "review", "marks": [60, 60]}),
    cand(3, {"subject": "review", "panel": [60, 60, 60]}),  # no review below level 2
    cand(3, th(mark=60), th(mark=60)),
    cand(3, th(mark=60, extra=1)),
    cand(3, {"subject": "Theory", "mark": 60}),
    cand(3, {"subject": ["theory"], "mark": 60}),
    cand(3, {"mark": 60}),
    cand(3, "theory"),
    {"level": 0, "subjects": []},
    {"level": True, "subjects": []},
    {"level": 3, "subjects": None},
    {"level": 3, "subjects": {}},
]


@pytest.mark.parametrize("raw", MALFORMED)
def test_malformed_candidates_are_left_to_the_reference_and_refused_the_same(raw):
    assert outcome(reference, raw)[0] == "error"
    assert_same(raw)


def test_a_policy_with_other_number_types_runs_the_reference_path():
    policy = Policy(pass_ratio=0.6)  # type: ignore[arg-type]  # a float: only the reference path
    assert results._rules(policy) is None
    raw = cand(3, {"subject": "theory", "mark": 60}, {"subject": "practical", "mark": 59})
    assert judge(raw, policy) == reference(raw, policy)
    assert judge_many([raw, raw], policy) == [reference(raw, policy)] * 2


def test_judge_many_names_the_malformed_candidate():
    good = cand(3, {"subject": "theory", "mark": 60}, {"subject": "practical", "mark": 60})
    bad = cand(3, {"subject": "theory", "mark": 101})
    assert judge_many([good, good]) == [reference(good)] * 2
    assert judge_many(iter([good])) == [reference(good)]
    assert judge_many([]) == []
    with pytest.raises(ResultsInputError) as caught:
        judge_many([good, bad, good])
    assert caught.value.index == 1
    expected = outcome(reference, bad)[1]
    assert caught.value.problems == [f"第 2 名考生 candidates[1]:{problem}" for problem in expected]


def test_the_bench_scenario_is_judged_as_the_reference_judges_it():
    from bench.results_bench import generate

    raws = generate(3000, seed=7)
    assert judge_many(raws) == [reference(raw) for raw in raws]
    rules = results._rules(DEFAULT_POLICY)
    assert all(results._fast_judge(raw, rules) is not None for raw in raws)  # no silent fallback


# ------------------------------------------------------------------------------- random (hypothesis)


@st.composite
def exact_mark(draw, full_units: int, centre: int | None = None):
    """A mark as a number of UNITs in 0..full: tenths, hundredths, millionths, or near `centre`."""
    kind = draw(st.sampled_from(["tenths", "hundredths", "units", "near", "edge"]))
    if kind == "tenths":
        value = draw(st.integers(0, full_units // (UNIT // 10))) * (UNIT // 10)
    elif kind == "hundredths":
        value = draw(st.integers(0, full_units // (UNIT // 100))) * (UNIT // 100)
    elif kind == "units":
        value = draw(st.integers(0, full_units))
    elif kind == "near" and centre is not None:
        step = draw(st.sampled_from([1, UNIT // 100, UNIT // 20, UNIT // 10]))
        value = centre + draw(st.integers(-3, 3)) * step
    else:
        value = draw(st.sampled_from([0, full_units]))
    return min(max(value, 0), full_units)


@st.composite
def rendered(draw, units: int):
    """A number of UNITs as a JSON number might arrive: int, Decimal (any exponent) or float."""
    as_decimal = Decimal(units).scaleb(-6)
    forms = ["decimal", "normal", "float"] + (["int"] if units % UNIT == 0 else [])
    form = draw(st.sampled_from(forms))
    if form == "int":
        return units // UNIT
    if form == "decimal":
        return as_decimal
    if form == "normal":
        return as_decimal.normalize()
    return float(as_decimal)


@st.composite
def subject_entry(draw, name: str, policy: Policy, full_units: int, explicit_full):
    threshold = full_units * policy.pass_ratio.numerator // policy.pass_ratio.denominator
    kinds = ["panel", "absent"] if name == "review" else ["mark", "marks", "absent"]
    if name == "practical":
        kinds.append("panel")
    kind = draw(st.sampled_from(kinds))
    entry: dict = {"subject": name}
    if explicit_full is not None:
        entry["full"] = explicit_full
    mark = lambda: draw(rendered(draw(exact_mark(full_units, threshold))))  # noqa: E731
    if kind == "absent":
        entry["absent"] = True
    elif kind == "mark":
        entry["mark"] = mark()
    elif kind == "panel":
        size = draw(st.integers(policy.min_review_panel if name == "review" else 1, 7))
        entry["panel"] = [mark() for _ in range(size)]
    else:
        a = draw(exact_mark(full_units, threshold))
        given_tolerance = draw(st.none() | st.integers(0, full_units // 3))
        tolerance = (
            full_units * policy.tolerance_ratio.numerator // policy.tolerance_ratio.denominator
            if given_tolerance is None
            else given_tolerance
        )
        gap = draw(
            st.sampled_from([tolerance, tolerance + 1, max(tolerance - 1, 0), tolerance + UNIT // 10])
            | st.integers(0, full_units)
        )
        b = a + gap if a + gap <= full_units else max(a - gap, 0)
        entry["marks"] = [draw(rendered(a)), draw(rendered(b))]
        if given_tolerance is not None:
            entry["tolerance"] = draw(rendered(given_tolerance))
        if draw(st.booleans()):
            third = draw(st.sampled_from([a, b])) + draw(st.sampled_from([-1, 1])) * draw(
                st.sampled_from([tolerance, tolerance + 1, tolerance // 2, 0])
            )
            entry["third"] = draw(rendered(min(max(third, 0), full_units)))
            if draw(st.booleans()):
                entry["leader"] = mark()
    if draw(st.integers(0, 9)) == 0:  # null counts as not given
        entry[draw(st.sampled_from(["third", "leader", "tolerance", "full"]))] = None
    return entry


@st.composite
def policies(draw):
    if draw(st.booleans()):
        return DEFAULT_POLICY
    ratio = lambda: Fraction(draw(st.integers(0, 12)), draw(st.integers(1, 12)))  # noqa: E731
    return Policy(
        pass_ratio=ratio(),
        tolerance_ratio=ratio(),
        review_quorum=ratio(),
        min_review_panel=draw(st.integers(1, 5)),
        default_full=draw(st.sampled_from([100, 150, 10, 1, 7])),
    )


@st.composite
def candidates(draw, policy: Policy):
    level = draw(st.integers(1, 5))
    names = draw(st.permutations(["theory", "practical", "review"]))
    names = [name for name in names if draw(st.integers(0, 5)) > 0 and (name != "review" or level <= 2)]
    entries = []
    for name in names:
        explicit = draw(st.sampled_from([None, None, 100, 150, Decimal("99.5"), 40]))
        full_units = policy.default_full * UNIT if explicit is None else int(Decimal(explicit) * UNIT)
        entries.append(draw(subject_entry(name, policy, full_units, explicit)))
    return {"level": level, "subjects": entries}


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_fast_path_equals_the_reference_on_random_candidates(data):
    policy = data.draw(policies())
    raw = data.draw(candidates(policy))
    assert_same(raw, policy)
    if outcome(reference, raw, policy)[0] == "ok":  # every number here is a whole number of UNITs
        assert fast(raw, policy) is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_a_batch_equals_the_reference_one_by_one(data):
    raws = data.draw(st.lists(candidates(DEFAULT_POLICY), max_size=8))
    expected = [outcome(reference, raw) for raw in raws]
    if all(kind == "ok" for kind, _ in expected):
        assert [json.dumps(out, ensure_ascii=False) for out in judge_many(raws)] == [
            text for _, text in expected
        ]
    else:
        first = next(i for i, (kind, _) in enumerate(expected) if kind == "error")
        with pytest.raises(ResultsInputError) as caught:
            judge_many(raws)
        assert caught.value.index == first


ODD_VALUES = [
    None,
    True,
    False,
    "60",
    -1,
    Decimal("-0.1"),
    101,
    Decimal("100.000001"),
    Decimal("150.000001"),
    Decimal("40.000001"),
    150,
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    float("nan"),
    float("inf"),
    Decimal("1E+60"),
    Decimal("1E-60"),
    Decimal("59.9999999"),
    Fraction(1, 3),
    0,
    0.0,
    -0.0,
    Decimal("-0"),
    [],
    [60],
    [60, 70, 80],
    [None, 60],
    [True, 60],
    {},
    ["60", 60],
]
SUBJECT_FIELDS = [*results.SUBJECT_KEYS, "extra"]


@st.composite
def mutated(draw):
    """A well-formed candidate with a few random changes: a field given an odd value, removed, added;
    a subject repeated, renamed or not an object; the level or the subjects list broken."""
    raw = draw(candidates(DEFAULT_POLICY))
    for _ in range(draw(st.integers(1, 3))):
        change = draw(st.integers(0, 8))
        entries = raw.get("subjects")
        objects = [entry for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []
        lists = [v for e in objects for k in ("marks", "panel") if isinstance(v := e.get(k), list) and v]
        if change <= 1 and objects:
            entry = draw(st.sampled_from(objects))
            entry[draw(st.sampled_from(SUBJECT_FIELDS))] = draw(st.sampled_from(ODD_VALUES))
        elif change == 2 and lists:  # one member of marks or panel
            values = draw(st.sampled_from(lists))
            values[draw(st.integers(0, len(values) - 1))] = draw(st.sampled_from(ODD_VALUES))
        elif change == 3 and objects:
            entry = draw(st.sampled_from(objects))
            entry.pop(draw(st.sampled_from(SUBJECT_FIELDS)), None)
        elif change == 4 and isinstance(entries, list) and entries:
            entries.append(
                draw(
                    st.sampled_from(
                        [
                            *(dict(e) for e in objects[:1]),
                            "theory",
                            None,
                            {"subject": "review", "panel": [70] * 3},
                        ]
                    )
                )
            )
        elif change == 5:
            raw["level"] = draw(st.sampled_from([0, 6, "2", True, None, 2.0, 3, 1]))
        elif change == 6:
            raw[draw(st.sampled_from(["subjects", "extra"]))] = draw(st.sampled_from([None, {}, "x", []]))
        elif objects:
            objects[0]["subject"] = draw(
                st.sampled_from(["theory", "practical", "review", "Theory", 1, None, ["theory"]])
            )
    return raw


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=mutated())
def test_property_malformed_candidates_get_the_reference_problems(raw):
    """Whatever is wrong, judge reports exactly what the reference path reports (or judges the same)."""
    try:
        expected = outcome(reference, raw)
    except (ValueError, TypeError) as exc:  # not a ResultsInputError: the same exception from judge
        with pytest.raises(type(exc)):
            judge(raw)
        return
    assert outcome(judge, raw) == expected
    if expected[0] == "error":
        assert fast(raw) is None


def test_not_an_object_and_odd_top_levels_are_left_to_the_reference():
    for raw in ([], None, "x", {"level": 3}, {"subjects": []}, {"level": 3, "subjects": [], "x": None}):
        assert_same(raw)
