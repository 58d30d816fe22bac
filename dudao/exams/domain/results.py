"""A candidate's result (EXAM-7, 8, 14, 16, 18) from the marks of their subjects: the pure rules behind
`dudao results judge --input FILE --json`.

Input (a JSON object; `?` marks an optional key, null counts as not given)::

    {"level": 1-5,
     "subjects": [{"subject": "theory" | "practical" | "review", "full": 100?,
                   "mark": m?,                       a single mark (machine-marked paper, sole marker)
                   "marks": [a, b]?, "third": c?, "leader": x?, "tolerance": t?,   double marking (EXAM-16)
                   "panel": [p1, p2, …]?,            each panel member's mark (EXAM-18)
                   "absent": true | false?}]}        absent, or a result voided under EXAM-8

Output::

    {"pass": true | false | null,
     "subjects": [{"subject", "mark": number | null,
                   "status": "final" | "needs_third" | "needs_leader" | "absent", "pass": bool | null}],
     "missing": ["theory" | "practical" | "review", …]}

Decisions (the issue leaves them to us; documented in docs/results.md):

- `full` defaults to 100 (EXAM-14 scores every subject out of 100). Another positive `full` scales the rules:
  the pass mark is 60 % of it, the default tolerance 10 % of it, and every mark lies in 0..full.
- Exactly one of `mark`, `marks`, `panel` or `absent: true`. Theory takes `mark` or `marks` (a paper,
  EXAM-6); practical takes any of the three; the comprehensive review takes only `panel`, of at least 3
  members (EXAM-7: "至少3名"): the two-thirds rule needs every member's mark. An even panel is accepted (the
  seed asks for at least 3; EXAM-13's odd panel is a planning rule the assignment enforces), so 4 of 6 is
  exactly two thirds and passes.
- `third`, `leader` and `tolerance` belong to `marks` only. A `third` mark while a and b agree within the
  tolerance, or a `leader` mark before a third mark or while the closest pair agrees, is malformed (the
  process never produces one; silently ignoring it would hide a mistake).
- The review subject exists only at levels 2 and 1 (EXAM-7, 14); at levels 3–5 it is malformed, as in
  `dudao exam assign`. Required: theory and practical at every level, and the review at levels 2 and 1.
- Overall `pass`: false as soon as one subject is final and failing or absent (nothing pending can save
  the candidate); otherwise null while a mark is pending (needs_third / needs_leader) or a required subject
  is missing; otherwise true.
- A mark is shown to one decimal, half up; pass decisions use the exact value (59.95 shows 60.0, fails).
- Unknown keys, duplicate subjects, booleans or text where a number belongs, NaN/Infinity, marks outside
  0..full, a negative tolerance: malformed. Every problem is reported, in Chinese (ResultsInputError).

Two paths, one result: `evaluate` is the reference (validation and the `marking` rules on Fractions,
every problem collected); `judge` and `judge_many` (a batch) first try the fast path at the end of this
module (the same rules on integers) and fall back to `evaluate` for anything it does not take.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from dudao.exams.domain import marking
from dudao.exams.domain.marking import ABSENT, FINAL, NEEDS_LEADER, NEEDS_THIRD

SUBJECTS = ("theory", "practical", "review")
SUBJECT_NAMES = {"theory": "理论知识考试", "practical": "操作技能考核", "review": "综合评审"}
LEVEL_NAMES = {5: "五级/初级工", 4: "四级/中级工", 3: "三级/高级工", 2: "二级/技师", 1: "一级/高级技师"}
REVIEW_LEVELS = (1, 2)  # EXAM-7, 14: levels 2 and 1 also need the comprehensive review
STATUSES = (FINAL, NEEDS_THIRD, NEEDS_LEADER, ABSENT)

TOP_KEYS = ("level", "subjects")
SUBJECT_KEYS = ("subject", "full", "mark", "marks", "third", "leader", "tolerance", "panel", "absent")
FORMS = ("mark", "marks", "panel")
FORMS_BY_SUBJECT = {
    "theory": ("mark", "marks"),  # a paper: machine-marked or marked by examiners (EXAM-6, 16)
    "practical": ("mark", "marks", "panel"),  # EXAM-18 panel, or marked like a paper
    "review": ("panel",),  # EXAM-7: the two-thirds rule needs every member's mark
}
_UNNEEDED = {
    ("third", marking.UnneededMark.PAIR_AGREES): "两位考评员的评分之差未超过允许误差,不应有第三评",
    ("leader", marking.UnneededMark.PAIR_AGREES): "两位考评员的评分之差未超过允许误差,不需要考评组长评定",
    (
        "leader",
        marking.UnneededMark.NO_THIRD,
    ): "两评之差超过允许误差时应先由第三位考评员评分(third),再由考评组长评定",
    (
        "leader",
        marking.UnneededMark.CLOSEST_PAIR_AGREES,
    ): "三个评分中最接近的两个之差未超过允许误差,不需要考评组长评定",
}
FORM_NAMES = {"mark": "mark(单一评分)", "marks": "marks(双评)", "panel": "panel(评分组)"}


@dataclass(frozen=True)
class Policy:
    """The configurable numbers of the rules, with the documented defaults."""

    pass_ratio: Fraction = marking.PASS_RATIO  # EXAM-14: 60 of 100
    tolerance_ratio: Fraction = marking.DEFAULT_TOLERANCE_RATIO  # EXAM-16 [interpretation]
    review_quorum: Fraction = marking.REVIEW_QUORUM  # EXAM-7: two thirds
    min_review_panel: int = 3  # EXAM-7: at least 3 senior examiners
    default_full: int = 100  # EXAM-14: every subject is scored out of 100


DEFAULT_POLICY = Policy()


class ResultsInputError(ValueError):
    """Malformed marks input; `problems` lists every one in Chinese."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("成绩数据有误:" + ";".join(problems))


@dataclass(frozen=True)
class SubjectResult:
    """One subject's judged state: exact mark (None while pending or absent), status and pass."""

    subject: str
    mark: Fraction | None
    status: str
    passed: bool | None

    def to_json(self) -> dict[str, Any]:
        shown = None if self.mark is None else float(marking.display(self.mark))
        return {"subject": self.subject, "mark": shown, "status": self.status, "pass": self.passed}


# ------------------------------------------------------------------------------------------ validation


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal | Fraction) and not isinstance(value, bool)


def _plain(value: Fraction) -> str:
    """A decimal input value as written (inputs are decimal numbers, so the expansion terminates)."""
    text = f"{Decimal(value.numerator) / Decimal(value.denominator):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _given(entry: Mapping[str, Any], key: str) -> bool:
    return entry.get(key) is not None


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, text: str) -> None:
        self.items.append(f"{where}:{text}")


def _number(
    problems: _Problems, where: str, value: Any, full: Fraction | None, what: str = "评分"
) -> Fraction | None:
    """A finite number in 0..full (or ≥ 0 when `full` is unknown), else a problem and None."""
    if not _is_number(value):
        problems.add(where, f"{what}必须是数字" + ("(不能是 true/false)" if isinstance(value, bool) else ""))
        return None
    if (isinstance(value, Decimal) and not value.is_finite()) or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        problems.add(where, f"{what}必须是有限的数字(不能是 NaN 或 Infinity)")
        return None
    try:
        exact = marking.exact(value)
    except ValueError:
        problems.add(where, f"{what}的位数过多(整数部分与小数部分各不超过 {marking.MAX_EXPONENT} 位)")
        return None
    if exact < 0:
        problems.add(where, f"{what}不能为负数")
        return None
    if full is not None and exact > full:
        problems.add(where, f"{what}不能超过满分 {_plain(full)}")
        return None
    return exact


def _unknown_keys(
    problems: _Problems, where: str, entry: Mapping[str, Any], allowed: tuple[str, ...]
) -> None:
    for key in entry:
        if key not in allowed:
            problems.add(where, f"未知字段「{str(key)[:40]}」(可用字段:{'、'.join(allowed)})")


def _level(problems: _Problems, raw: Mapping[str, Any]) -> int | None:
    value = raw.get("level")
    if value is None:
        problems.add("level", "缺少申报等级 level(1 到 5 的整数)")
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        problems.add("level", "必须是 1 到 5 的整数")
        return None
    return value


def _subject_result(
    problems: _Problems, where: str, entry: Mapping[str, Any], level: int | None, policy: Policy
) -> SubjectResult | None:
    """Validate one subject entry and judge it; None (with problems recorded) when it is malformed."""
    before = len(problems.items)
    _unknown_keys(problems, where, entry, SUBJECT_KEYS)
    subject = entry.get("subject")
    if subject is None:
        problems.add(where, "缺少科目 subject(theory、practical 或 review)")
    elif subject not in SUBJECTS:
        problems.add(
            f"{where}.subject", "必须是 theory(理论知识考试)、practical(操作技能考核)或 review(综合评审)"
        )
        subject = None
    elif subject == "review" and level is not None and level not in REVIEW_LEVELS:
        problems.add(
            f"{where}.subject", "综合评审只适用于二级(技师)和一级(高级技师),该等级不应有综合评审成绩"
        )  # EXAM-7, 14

    full: Fraction | None = Fraction(policy.default_full)
    if _given(entry, "full"):
        full = _number(problems, f"{where}.full", entry["full"], None, "满分")
        if full is not None and full == 0:
            problems.add(f"{where}.full", "满分必须大于 0")
            full = None

    absent: bool | None = False  # None: given but not a boolean (already a problem)
    if _given(entry, "absent"):
        absent = entry["absent"] if isinstance(entry["absent"], bool) else None
        if absent is None:
            problems.add(f"{where}.absent", "必须是 true 或 false")
    forms = [key for key in FORMS if _given(entry, key)]
    extras = [key for key in ("third", "leader", "tolerance") if _given(entry, key)]
    if absent:
        if forms or extras:
            problems.add(where, "缺考(absent: true)的科目不应有评分(" + "、".join(forms + extras) + ")")
    elif absent is False:
        if not forms:
            problems.add(where, "须给出 mark、marks、panel 之一,或 absent: true(缺考或成绩无效)")
        elif len(forms) > 1:
            problems.add(where, "mark、marks、panel 只能给出其中一个(现有 " + "、".join(forms) + ")")
        else:
            if subject is not None and forms[0] not in FORMS_BY_SUBJECT[subject]:
                allowed = "、".join(FORM_NAMES[key] for key in FORMS_BY_SUBJECT[subject])
                problems.add(f"{where}.{forms[0]}", f"{SUBJECT_NAMES[subject]}的评分应为 {allowed}")
            if extras and forms[0] != "marks":
                problems.add(where, "、".join(extras) + " 只用于双评(marks)")

    form = forms[0] if absent is False and len(forms) == 1 else None
    single = third = leader = tolerance = None
    pair = panel = None
    if form == "mark":
        single = _number(problems, f"{where}.mark", entry["mark"], full)
    elif form == "marks":
        pair = _mark_list(problems, f"{where}.marks", entry["marks"], full, exactly=2)
        if _given(entry, "third"):
            third = _number(problems, f"{where}.third", entry["third"], full)
        if _given(entry, "leader"):
            leader = _number(problems, f"{where}.leader", entry["leader"], full)
        if _given(entry, "tolerance"):
            tolerance = _number(problems, f"{where}.tolerance", entry["tolerance"], None, "允许误差")
        elif full is not None:
            tolerance = marking.default_tolerance(full, policy.tolerance_ratio)
    elif form == "panel":
        minimum = policy.min_review_panel if subject == "review" else 1
        panel = _mark_list(problems, f"{where}.panel", entry["panel"], full, minimum=minimum, subject=subject)

    if len(problems.items) > before or subject is None or full is None:
        return None
    threshold = marking.pass_mark(full, policy.pass_ratio)
    if absent:  # EXAM-8: absent or voided → fails
        return SubjectResult(subject, None, ABSENT, False)
    if form == "mark":
        assert single is not None
        return SubjectResult(subject, single, FINAL, single >= threshold)
    if form == "marks":
        assert pair is not None and tolerance is not None
        try:
            outcome = marking.reconcile(pair[0], pair[1], tolerance=tolerance, third=third, leader=leader)
        except marking.UnneededMark as exc:
            problems.add(f"{where}.{exc.field}", _UNNEEDED[exc.field, exc.reason])
            return None
        if outcome.mark is None:
            return SubjectResult(subject, None, outcome.status, None)
        return SubjectResult(subject, outcome.mark, FINAL, outcome.mark >= threshold)
    assert panel is not None
    mark = marking.mean(panel)  # EXAM-18 [interpretation]: the panel mean
    if subject == "review":  # EXAM-7: two thirds ≥ 60 and the mean ≥ 60
        passed = marking.review_passes(panel, threshold, policy.review_quorum)
    else:
        passed = mark >= threshold
    return SubjectResult(subject, mark, FINAL, passed)


def _mark_list(
    problems: _Problems,
    where: str,
    value: Any,
    full: Fraction | None,
    *,
    exactly: int | None = None,
    minimum: int = 1,
    subject: str | None = None,
) -> tuple[Fraction, ...] | None:
    if not isinstance(value, list):
        problems.add(where, "必须是评分数组")
        return None
    if exactly is not None and len(value) != exactly:
        problems.add(where, f"双评须恰好有 {exactly} 个评分(现有 {len(value)} 个)")
        return None
    if len(value) < minimum:
        if subject == "review":
            problems.add(where, f"综合评审须由至少 {minimum} 名高级考评员评分(现有 {len(value)} 个评分)")
        else:
            problems.add(where, f"评分组至少要有 {minimum} 个评分")
        return None
    marks = [_number(problems, f"{where}[{i}]", item, full) for i, item in enumerate(value)]
    if any(mark is None for mark in marks):
        return None
    return tuple(mark for mark in marks if mark is not None)


# ---------------------------------------------------------------------------------------------- judge


@dataclass(frozen=True)
class Judgement:
    """The candidate's overall result: `passed` (None while undecided), the subjects, the missing ones."""

    passed: bool | None
    subjects: tuple[SubjectResult, ...]
    missing: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "pass": self.passed,
            "subjects": [subject.to_json() for subject in self.subjects],
            "missing": list(self.missing),
        }


def required_subjects(level: int) -> tuple[str, ...]:
    """EXAM-14: theory and practical at every level; the comprehensive review too at levels 2 and 1."""
    return SUBJECTS if level in REVIEW_LEVELS else ("theory", "practical")


def overall(subjects: tuple[SubjectResult, ...], missing: tuple[str, ...]) -> bool | None:
    """EXAM-14 aggregation: a final failing or absent subject fails the candidate at once; otherwise the
    result waits for pending marks and missing required subjects; otherwise every subject passed."""
    if any(subject.passed is False for subject in subjects):
        return False
    if missing or any(subject.passed is None for subject in subjects):
        return None
    return True


def evaluate(raw: Any, policy: Policy = DEFAULT_POLICY) -> Judgement:
    """Validate `raw` (the parsed input) and judge it; ResultsInputError lists every problem."""
    problems = _Problems()
    if not isinstance(raw, dict):
        raise ResultsInputError(["成绩数据必须是 JSON 对象"])
    _unknown_keys(problems, "(顶层)", raw, TOP_KEYS)
    level = _level(problems, raw)
    entries = raw.get("subjects")
    results: list[SubjectResult] = []
    if entries is None:
        problems.add("subjects", "缺少科目列表 subjects")
    elif not isinstance(entries, list):
        problems.add("subjects", "必须是数组")
    else:
        seen: dict[str, str] = {}
        for index, entry in enumerate(entries):
            where = f"subjects[{index}]"
            if not isinstance(entry, dict):
                problems.add(where, "必须是 JSON 对象")
                continue
            name = entry.get("subject")
            if isinstance(name, str) and name in SUBJECTS:
                where = f"subjects[{index}]({name})"
                if name in seen:
                    problems.add(where, f"科目重复(与 {seen[name]} 相同)")
                    continue
                seen[name] = where
            result = _subject_result(problems, where, entry, level, policy)
            if result is not None:
                results.append(result)
    if problems.items or level is None:
        raise ResultsInputError(problems.items)
    judged = tuple(results)
    present = {result.subject for result in judged}
    missing = tuple(subject for subject in required_subjects(level) if subject not in present)
    return Judgement(overall(judged, missing), judged, missing)


def judge(raw: Any, policy: Policy = DEFAULT_POLICY) -> dict[str, Any]:
    """The `dudao results judge --json` output for `raw`; ResultsInputError when it is malformed.

    Runs the fast path (below) and, for anything it does not take, the reference path
    `evaluate(raw, policy).to_json()`: the output is the same either way."""
    rules = _DEFAULT_RULES if policy is DEFAULT_POLICY else _rules(policy)
    result = None if rules is None else _fast_judge(raw, rules)
    return evaluate(raw, policy).to_json() if result is None else result


def judge_many(raws: Iterable[Any], policy: Policy = DEFAULT_POLICY) -> list[dict[str, Any]]:
    """`judge` for many candidates (a batch, e.g. every stored candidate of an exam): the policy is
    prepared once. The first malformed candidate raises ResultsInputError, its problems prefixed with
    the candidate's position (`index`, from 0, on the exception)."""
    rules = _DEFAULT_RULES if policy is DEFAULT_POLICY else _rules(policy)
    fast = _fast_judge
    results: list[dict[str, Any]] = []
    append = results.append
    for index, raw in enumerate(raws):
        result = None if rules is None else fast(raw, rules)
        if result is None:
            try:
                result = evaluate(raw, policy).to_json()
            except ResultsInputError as exc:
                error = ResultsInputError(
                    [f"第 {index + 1} 名考生 candidates[{index}]:{p}" for p in exc.problems]
                )
                error.index = index  # type: ignore[attr-defined]
                raise error from exc
        append(result)
    return results


# ------------------------------------------------------------------------------------------- fast path
#
# The same rules as `_subject_result` and `marking`, on integers: every mark is counted in UNITs
# (millionths), so a JSON number with up to six decimals is an exact integer and the rules become integer
# comparisons (a ≥ full × 3/5 is a·5 ≥ full·3, a mean of n marks is compared as its sum against n times
# the bound). The shown mark is the same half-up rounding as `marking.display`, on the unreduced sum.
# The fast path returns a result only for input the reference path accepts without a single problem;
# for anything else (a malformed candidate, a number with more than six decimals, a Fraction, an
# unusual Policy) it returns None and `judge` runs the reference path, which reports the problems in
# Chinese or judges the candidate itself. tests/exams/test_results_fast.py holds both paths equal.

UNIT = 10**6
_FLOAT_LIMIT = 2**53  # shown tenths below this: r / 10 is the float nearest r/10, as float(Decimal) is
_CACHE_LIMIT = 1 << 16
_DECIMAL_UNITS: dict[Decimal, int] = {}  # marks repeat (0.0–100.0 in tenths): convert each value once
_FLOAT_UNITS: dict[float, int] = {}  # a float is the decimal it prints as (marking.exact), kept apart
_SUBJECT_KEYSET = frozenset(SUBJECT_KEYS)
_SUBJECT_BITS = {"theory": 1, "practical": 2, "review": 4}
_OPTIONAL_MARKS = ("third", "leader", "tolerance")
_TAKES_MARK, _TAKES_MARKS, _TAKES_PANEL = (  # the subjects (as bits) each form is allowed for
    sum(bit for name, bit in _SUBJECT_BITS.items() if form in FORMS_BY_SUBJECT[name]) for form in FORMS
)
_MISSING = {  # (levels 2 and 1?, subjects present as bits) → required subjects missing, in order
    (review, seen): tuple(
        name for name in (SUBJECTS if review else ("theory", "practical")) if not seen & _SUBJECT_BITS[name]
    )
    for review in (False, True)
    for seen in range(8)
}


def _units(value: Any) -> int | None:
    """An exact JSON number as a whole number of UNITs; None when it is not one (not a number, NaN, too
    many digits, finer than a UNIT): the reference path then decides."""
    kind = type(value)
    if kind is int:
        return value * UNIT
    if kind is Decimal:
        cache: dict = _DECIMAL_UNITS
    elif kind is float:
        cache = _FLOAT_UNITS
    else:
        return None  # bool, Fraction, text, …: the reference path
    try:
        units = cache.get(value)
    except TypeError:  # a signalling NaN cannot be hashed
        return None
    if units is not None:
        return units
    try:
        exact = marking.exact(value)
    except (TypeError, ValueError):
        return None
    if UNIT % exact.denominator:
        return None
    units = exact.numerator * (UNIT // exact.denominator)
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[value] = units
    return units


class _Rules:
    """A Policy's numbers as integer pairs, prepared once: a ≥ full·pass ⇔ a·pass_den ≥ full·pass_num."""

    __slots__ = (
        "full",
        "min_review",
        "pass_den",
        "pass_num",
        "quorum_den",
        "quorum_num",
        "tol_den",
        "tol_num",
    )

    def __init__(self, policy: Policy, full: int | None):
        self.pass_num, self.pass_den = policy.pass_ratio.numerator, policy.pass_ratio.denominator
        self.tol_num, self.tol_den = policy.tolerance_ratio.numerator, policy.tolerance_ratio.denominator
        self.quorum_num, self.quorum_den = policy.review_quorum.numerator, policy.review_quorum.denominator
        self.min_review = policy.min_review_panel
        self.full = full  # the default full marks in UNITs (None: not a whole number of UNITs)


def _rules(policy: Policy) -> _Rules | None:
    """The fast path's numbers for `policy`; None (reference path only) for numbers it does not take."""
    ratios = (policy.pass_ratio, policy.tolerance_ratio, policy.review_quorum)
    if not all(type(ratio) in (Fraction, int) for ratio in ratios):
        return None
    if type(policy.min_review_panel) is not int or type(policy.default_full) is not int:
        return None
    return _Rules(policy, policy.default_full * UNIT)


def _fast_judge(raw: Any, rules: _Rules) -> dict[str, Any] | None:
    """`judge(raw)` for a well-formed candidate; None when the reference path must look at it."""
    if type(raw) is not dict or len(raw) != 2:
        return None
    level = raw.get("level")
    entries = raw.get("subjects")
    if type(level) is not int or not 1 <= level <= 5 or type(entries) is not list:
        return None
    review_level = level <= 2
    units = _units
    pass_num, pass_den = rules.pass_num, rules.pass_den
    subjects: list[dict[str, Any]] = []
    seen = 0
    failed = pending = False
    for entry in entries:
        if type(entry) is not dict or not _SUBJECT_KEYSET.issuperset(entry):
            return None
        subject = entry.get("subject")
        bit = _SUBJECT_BITS.get(subject) if type(subject) is str else None
        if bit is None or seen & bit or (bit == 4 and not review_level):
            return None
        seen |= bit
        full = entry.get("full")
        if full is None:
            full = rules.full
        else:
            full = units(full)
            if full is None or full <= 0:
                return None
        get = entry.get
        absent = get("absent")
        mark, marks, panel = get("mark"), get("marks"), get("panel")
        if absent is True:  # EXAM-8: absent or voided → fails
            if mark is not None or marks is not None or panel is not None:
                return None
            for key in _OPTIONAL_MARKS:
                if get(key) is not None:
                    return None
            subjects.append({"subject": subject, "mark": None, "status": ABSENT, "pass": False})
            failed = True
            continue
        if absent is not None and absent is not False:
            return None
        bound = full * pass_num  # a mark passes iff mark · pass_den ≥ bound (EXAM-14)
        if mark is not None:  # a single mark (not for the review)
            if marks is not None or panel is not None or not bit & _TAKES_MARK:
                return None
            for key in _OPTIONAL_MARKS:
                if get(key) is not None:
                    return None
            total = units(mark)
            if total is None or total < 0 or total > full:
                return None
            count = 1
        elif marks is not None:  # EXAM-16 double marking (not for the review)
            if panel is not None or not bit & _TAKES_MARKS or type(marks) is not list or len(marks) != 2:
                return None
            a, b = units(marks[0]), units(marks[1])
            if a is None or b is None or a < 0 or b < 0 or a > full or b > full:
                return None
            tolerance = get("tolerance")
            if tolerance is None:  # default: full × tolerance ratio, |d| ≤ tol ⇔ |d| · tol_den ≤ limit
                scale, limit = rules.tol_den, full * rules.tol_num
            else:
                limit = units(tolerance)
                if limit is None or limit < 0:
                    return None
                scale = 1
            third, leader = get("third"), get("leader")
            if abs(a - b) * scale <= limit:  # within the tolerance: the mean of the two
                if third is not None or leader is not None:
                    return None
                total, count = a + b, 2
            elif third is None:
                if leader is not None:
                    return None
                subjects.append({"subject": subject, "mark": None, "status": NEEDS_THIRD, "pass": None})
                pending = True
                continue
            else:
                c = units(third)
                if c is None or c < 0 or c > full:
                    return None
                # the closest pair (difference, then the higher mean), as marking.closest_pair
                spread, total = abs(a - b), a + b
                for x, y in ((a, c), (b, c)):
                    d, s = abs(x - y), x + y
                    if d < spread or (d == spread and s > total):
                        spread, total = d, s
                if spread * scale <= limit:
                    if leader is not None:
                        return None
                    count = 2
                elif leader is None:
                    subjects.append({"subject": subject, "mark": None, "status": NEEDS_LEADER, "pass": None})
                    pending = True
                    continue
                else:
                    total = units(leader)
                    if total is None or total < 0 or total > full:
                        return None
                    count = 1
        elif panel is not None:  # EXAM-18 panel mean; EXAM-7 the review's two thirds
            if not bit & _TAKES_PANEL or type(panel) is not list:
                return None
            count = len(panel)
            if count == 0 or count < (rules.min_review if bit == 4 else 1):
                return None
            for key in _OPTIONAL_MARKS:
                if get(key) is not None:
                    return None
            total = reached = 0
            for value in panel:
                member = units(value)
                if member is None or member < 0 or member > full:
                    return None
                total += member
                if member * pass_den >= bound:
                    reached += 1
            if bit == 4:  # EXAM-7: at least two thirds reach the pass mark, and the mean too
                passed = (
                    reached * rules.quorum_den >= rules.quorum_num * count
                    and total * pass_den >= bound * count
                )
                shown = (20 * total + count * UNIT) // (2 * count * UNIT)
                subjects.append(
                    {
                        "subject": subject,
                        "mark": shown / 10 if shown < _FLOAT_LIMIT else float(Decimal(shown).scaleb(-1)),
                        "status": FINAL,
                        "pass": passed,
                    }
                )
                if not passed:
                    failed = True
                continue
        else:
            return None
        # final: the mark is total / count UNITs (marking.display: one decimal, half up)
        passed = total * pass_den >= bound * count
        shown = (20 * total + count * UNIT) // (2 * count * UNIT)
        subjects.append(
            {
                "subject": subject,
                "mark": shown / 10 if shown < _FLOAT_LIMIT else float(Decimal(shown).scaleb(-1)),
                "status": FINAL,
                "pass": passed,
            }
        )
        if not passed:
            failed = True
    missing = _MISSING[review_level, seen]
    verdict = False if failed else None if pending or missing else True
    return {"pass": verdict, "subjects": subjects, "missing": list(missing)}


_DEFAULT_RULES = _rules(DEFAULT_POLICY)
