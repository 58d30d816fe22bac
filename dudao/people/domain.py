"""Pure rules about people: resident IDs, card numbers (SUP-3), contract terms (SUP-5),
examiner card states and examining scope (EXAM-2, EXAM-3). No Django here (import-linter)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from dudao.common.domain import mask_middle
from dudao.common.errors import IllegalTransition, ValidationFailed

# ---------------------------------------------------------------------------------------------
# Dates: terms and card validity
# ---------------------------------------------------------------------------------------------

TERM_YEARS = 3  # SUP-5: a contract term is 3 years; EXAM-2: an examiner card is valid 3 years
MAX_TERMS = 3  # SUP-5: 不得超过三届
LAPSE_YEARS = 1  # EXAM-2: expired ≥ 1 year without renewal training → qualification lost


def anniversary(day: dt.date, years: int) -> dt.date:
    """The same calendar date `years` later; 29 February falls on 1 March in a non-leap year.

    [interpretation] A term that starts on 29 February covers full years, so its anniversary in a
    common year is 1 March and the term ends on 28 February (the day before).
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → no such day in the target year
        return dt.date(day.year + years, 3, 1)


def term_end(start: dt.date, years: int = TERM_YEARS) -> dt.date:
    """Last day of a term of `years` that starts on `start`: the day before the anniversary."""
    return anniversary(start, years) - dt.timedelta(days=1)


def default_card_valid_until(issued_on: dt.date) -> dt.date:
    """Default validity of a card (EXAM-2, SUP-3): issued_on + 3 years − 1 day."""
    return term_end(issued_on, TERM_YEARS)


def lapse_date(valid_until: dt.date) -> dt.date:
    """First day on which a card expired on `valid_until` is ≥ 1 year past its validity (EXAM-2)."""
    return anniversary(valid_until, LAPSE_YEARS)


def lapse_cutoff(at: dt.date) -> dt.date:
    """Latest `valid_until` whose lapse date is on or before `at` (for database filters).

    lapse_date(v) <= at  ⇔  v <= lapse_cutoff(at).
    """
    try:
        return at.replace(year=at.year - LAPSE_YEARS)
    except ValueError:  # at is 29 February: one year earlier has no 29 February
        return dt.date(at.year - LAPSE_YEARS, 2, 28)


# ---------------------------------------------------------------------------------------------
# Resident ID numbers (python-stdnum cn.ric)
# ---------------------------------------------------------------------------------------------

_ID_FORMAT = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class ResidentId:
    """A validated resident ID number and what it tells: gender (`M`/`F`), birth date, masked form."""

    number: str
    gender: str
    birth_date: dt.date

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


def normalise_id_number(raw: str | None) -> str:
    """Strip spaces (also inside, as pasted from documents) and upper-case a final `x`."""
    return "".join((raw or "").split()).upper()


def mask_id_number(number: str) -> str:
    """`360102198501010014` → `360102********0014` (first 6 and last 4 kept)."""
    return mask_middle(number, 6, 4)


@functools.lru_cache(maxsize=8192)
def _region_in_use(region: str, year: int) -> bool:
    """stdnum's birth-place rule (cn.ric.get_birth_place): the region code was assigned in `year`. A code
    under a known province with no county entry (110001) makes stdnum raise KeyError: unknown as well."""
    try:
        ric.get_birth_place(f"{region}{year:04d}01010000")
    except (stdnum_errors.InvalidComponent, KeyError):
        return False
    return True


@functools.lru_cache(maxsize=65536)
def _birth_date(digits: str) -> dt.date:
    """stdnum's birth-date rule (cn.ric.get_birth_date) on the 8 digits YYYYMMDD, kept per date: the rule
    reads only these digits, and a roster repeats birth dates (stdnum re-cleans the number on each call)."""
    return ric.get_birth_date(f"000000{digits}0000")


def _id_error(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_id_number", detail={field: [message]})


def parse_resident_id(
    raw: str | None, *, today: dt.date | None = None, field: str = "id_number"
) -> ResidentId:
    """Validate an 18-character resident ID; a Chinese message tells which part is wrong."""
    number = normalise_id_number(raw)
    if not number:
        raise _id_error("请填写身份证号", field)
    if len(number) != 18:
        raise _id_error(f"身份证号应为 18 位(当前 {len(number)} 位)", field)
    if not _ID_FORMAT.match(number):
        raise _id_error("身份证号格式不正确:前 17 位应为数字,最后一位为数字或 X", field)
    # python-stdnum's cn.ric.validate, step by step on the normalised number (its length and format are
    # checked above): the check digit, the birth date, then the region code in use in the birth year. The
    # region lookup reads stdnum's numdb, which costs more than the rest; its answer is kept per region
    # and year (an import checks 100,000 numbers from a few hundred regions).
    if ric.calc_check_digit(number) != number[17]:
        raise _id_error("身份证号校验码错误,请核对后重新输入", field)
    try:
        birth = _birth_date(number[6:14])
    except stdnum_errors.InvalidComponent:
        raise _id_error("身份证号中的出生日期无效", field) from None
    if not _region_in_use(number[:6], birth.year):
        raise _id_error("身份证号中的地区代码无效(或该代码在出生年份尚未启用)", field)
    if today is not None and birth > today:
        raise _id_error("身份证号中的出生日期晚于今天", field)
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, gender=gender, birth_date=birth)


# ---------------------------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------------------------

# Mainland mobile numbers: 11 digits, 1 then 3–9 (MIIT numbering plan). Landlines: a trunk prefix 0 and
# a 2–3 digit area code (010, 0791), an optional hyphen, a 7–8 digit subscriber number and an optional
# extension written "-123" or "转123".
_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(?:(?:-|转)\d{1,6})?", re.ASCII)
PHONE_MESSAGE = "手机号格式不正确:应为 11 位手机号(如 13912345678)或带区号的固定电话(如 0791-86123456)"


def normalise_phone(raw: str | None) -> str:
    """Drop spaces (also inside, as in "139 1234 5678"); nothing else is rewritten."""
    return "".join((raw or "").split())


def validate_phone(raw: str | None, *, field: str = "phone") -> str:
    """A person's phone: empty, a mainland mobile number or a landline with area code; the normal form."""
    phone = normalise_phone(raw)
    if phone and not (_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone)):
        raise ValidationFailed(PHONE_MESSAGE, code="invalid_phone", detail={field: [PHONE_MESSAGE]})
    return phone


def mask_phone(phone: str) -> str:
    """`13912345678` → `139****5678` (audit trail: a change is visible, the number is not)."""
    return mask_middle(phone, 3, 4) if phone else ""


def redact_person_snapshot(data: dict) -> dict:
    """An audit snapshot of a person as shown on the audit page (SEC-3): events written before the birth
    date was taken out of the trail still hold it; the page shows its year and a masked phone."""
    shown = dict(data)
    birth = shown.pop("birth_date", None)
    if isinstance(birth, str) and birth[:4].isdigit():
        shown.setdefault("birth_year", int(birth[:4]))
    phone = shown.get("phone")
    if isinstance(phone, str) and phone and "*" not in phone:
        shown["phone"] = mask_phone(phone)
    return shown


def id_numbers_matching(masked: str, birth_year: int, gender: str) -> list[str]:
    """Every checksum-valid ID number consistent with what a reader without the reveal right sees: the
    masked number (6 + 4 digits), the birth year and the gender. More than one remains (SEC-3)."""
    prefix, suffix = masked[:6], masked[-4:]
    found = []
    day = dt.date(birth_year, 1, 1)
    while day.year == birth_year:
        body = f"{prefix}{day:%Y%m%d}{suffix[:3]}"
        if (
            ric.calc_check_digit(body + suffix[3]) == suffix[3]
            and ("M" if int(suffix[2]) % 2 else "F") == gender
        ):
            found.append(body + suffix[3])
        day += dt.timedelta(days=1)
    return found


# ---------------------------------------------------------------------------------------------
# Card numbers (SUP-3)
# ---------------------------------------------------------------------------------------------

EXTERNAL_CARD_PATTERN = r"^R(\d{2})(\d{2})(\d{4})$"
_EXTERNAL_CARD = re.compile(EXTERNAL_CARD_PATTERN)

# [interpretation] The internal-supervisor and examiner numbering rules were not found in public
# sources (DOMAIN SUP-3): the default only demands 4–32 letters, digits or hyphens. Administrators set
# the real pattern as a CardPattern row; these defaults are unverified.
DEFAULT_CARD_PATTERN = r"^[A-Za-z0-9-]{4,32}$"

CARD_KIND_LABELS = {
    "supervisor_external": "外部质量督导员证卡",
    "supervisor_internal": "内部质量督导员证卡",
    "examiner": "考评员证卡",
}


def normalise_card_number(raw: str | None) -> str:
    """Strip surrounding spaces and upper-case letters (card numbers are case-insensitive)."""
    return (raw or "").strip().upper()


def _card_error(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_card_number", detail={field: [message]})


def validate_external_card_number(
    raw: str | None, *, issuer_code: str, issued_on: dt.date, field: str = "number"
) -> str:
    """SUP-3: `R` + 2-digit issuer code + 2-digit issue year + serial 0001–9999, e.g. `R36210001`."""
    number = normalise_card_number(raw)
    if not number:
        raise _card_error("请填写证卡号", field)
    match = _EXTERNAL_CARD.match(number)
    if match is None:
        raise _card_error(
            f"外部质量督导员证卡号「{number}」格式不正确:应为 9 位,R + 2 位发证机关代码 + 2 位发证年份"
            " + 4 位流水号,如 R36210001",
            field,
        )
    code, year, serial = match.groups()
    if serial == "0000":
        raise _card_error("证卡号的流水号(后 4 位)应在 0001–9999 之间", field)
    if not issuer_code:
        raise _card_error("发证机构未设置证卡发证机关代码,无法核对证卡号", field)
    if code != issuer_code:
        raise _card_error(
            f"证卡号第 2–3 位发证机关代码为「{code}」,与发证机构的代码「{issuer_code}」不符", field
        )
    if int(year) != issued_on.year % 100:
        raise _card_error(
            f"证卡号第 4–5 位年份为「{year}」,与发证日期 {issued_on.isoformat()} 的年份"
            f"「{issued_on.year % 100:02d}」不符",
            field,
        )
    return number


def validate_card_number_pattern(
    raw: str | None, *, kind: str, regex: str | None, field: str = "number"
) -> str:
    """Other card kinds: the number must fully match the kind's pattern (data, CardPattern)."""
    number = normalise_card_number(raw)
    label = CARD_KIND_LABELS.get(kind, "证卡")
    if not number:
        raise _card_error("请填写证卡号", field)
    pattern = regex or DEFAULT_CARD_PATTERN
    try:
        matched = re.fullmatch(pattern, number) is not None
    except re.error:
        raise _card_error(f"{label}的编码规则配置有误,请联系管理员", field) from None
    if not matched:
        raise _card_error(f"证卡号「{number}」不符合{label}的编码规则", field)
    return number


def validate_regex(regex: str) -> str | None:
    """Chinese message when `regex` does not compile, else None (CardPattern admin form)."""
    if not regex or not regex.strip():
        return "请填写号码正则"
    try:
        re.compile(regex)
    except re.error as exc:
        return f"号码正则无法解析:{exc}"
    return None


# ---------------------------------------------------------------------------------------------
# Contract terms (SUP-5)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One contract term: number (1…3), first and last day."""

    term_no: int
    starts_on: dt.date
    ends_on: dt.date


def next_term(existing: Sequence[Term], starts_on: dt.date | None = None) -> Term:
    """The term that may follow `existing` (SUP-5): 3 years, at most three, after the previous one.

    Renewal (`starts_on` omitted) starts the day after the last term ends. [interpretation] A later
    start (a gap) is allowed; an earlier one would overlap and is refused.
    """
    ordered = sorted(existing, key=lambda t: t.term_no)
    if len(ordered) >= MAX_TERMS:
        raise IllegalTransition(
            f"聘任合同最多三届,该督导员已签订 {len(ordered)} 届,不能再续聘",
            code="max_terms",  # SUP-5
        )
    if ordered:
        last = ordered[-1]
        earliest = last.ends_on + dt.timedelta(days=1)
        if starts_on is None:
            starts_on = earliest
        elif starts_on < earliest:
            message = (
                f"新聘期起始日 {starts_on.isoformat()} 早于上一届(第 {last.term_no} 届)聘期止"
                f" {last.ends_on.isoformat()} 的次日,聘期不得重叠"
            )
            raise ValidationFailed(message, code="term_overlap", detail={"starts_on": [message]})
    elif starts_on is None:
        message = "请填写首届聘期起始日"
        raise ValidationFailed(message, code="first_term_start_required", detail={"starts_on": [message]})
    return Term(term_no=len(ordered) + 1, starts_on=starts_on, ends_on=term_end(starts_on))


def check_terms(terms: Sequence[Term]) -> None:
    """A whole set of terms obeys SUP-5 (numbering 1…n, ≤ 3, 3 years each, no overlap, in order)."""
    if len(terms) > MAX_TERMS:
        raise IllegalTransition("聘任合同最多三届", code="max_terms")  # SUP-5
    ordered = sorted(terms, key=lambda t: t.term_no)
    for index, term in enumerate(ordered, start=1):
        if term.term_no != index:
            raise ValidationFailed("聘任届次应从 1 开始连续编号")
        if term.ends_on != term_end(term.starts_on):
            raise ValidationFailed(f"第 {term.term_no} 届聘期应为 3 年")
        if index > 1 and term.starts_on <= ordered[index - 2].ends_on:
            raise ValidationFailed(f"第 {term.term_no} 届聘期与上一届重叠")


def current_term(terms: Iterable[Term], at: dt.date) -> Term | None:
    """The term in force on `at`; terms end automatically (SUP-5)."""
    for term in terms:
        if term.starts_on <= at <= term.ends_on:
            return term
    return None


# ---------------------------------------------------------------------------------------------
# Card states (SUP-3, EXAM-2) and examining scope (EXAM-3)
# ---------------------------------------------------------------------------------------------

# Stored statuses (what a person did to the card) …
STORED_VALID = "valid"
STORED_LOST = "lost"
STORED_REISSUING = "reissuing"
STORED_REVOKED = "revoked"
STORED_REPLACED = "replaced"

# … and the state at a date, which also depends on the calendar.
STATE_VALID = "valid"
STATE_NOT_YET_VALID = "not_yet_valid"
STATE_EXPIRED = "expired"
STATE_LAPSED = "lapsed"
STATE_LOST = "lost"
STATE_REISSUING = "reissuing"
STATE_REVOKED = "revoked"
STATE_REPLACED = "replaced"

CARD_STATE_LABELS = {
    STATE_VALID: "有效",
    STATE_NOT_YET_VALID: "未生效",
    STATE_EXPIRED: "已过期",
    STATE_LAPSED: "已失效(超期未培训)",
    STATE_LOST: "挂失",
    STATE_REISSUING: "补办中",
    STATE_REVOKED: "已吊销",
    STATE_REPLACED: "已补发作废",
}

# Stored-status transitions a user may take (the replacement of a card being re-issued is a
# separate step that issues the new card and marks the old one `replaced`).
CARD_TRANSITIONS: dict[str, frozenset[str]] = {
    STORED_VALID: frozenset({STORED_LOST, STORED_REVOKED}),
    STORED_LOST: frozenset({STORED_VALID, STORED_REISSUING, STORED_REVOKED}),  # found again / re-issue
    STORED_REISSUING: frozenset({STORED_REVOKED}),
    STORED_REVOKED: frozenset(),
    STORED_REPLACED: frozenset(),
}


def check_card_transition(current: str, to: str) -> None:
    """Refuse a card status change the table does not allow."""
    if to not in CARD_TRANSITIONS.get(current, frozenset()):
        current_label = CARD_STATE_LABELS.get(current, current)
        target_label = CARD_STATE_LABELS.get(to, to)
        raise IllegalTransition(
            f"证卡当前状态为「{current_label}」,不能变更为「{target_label}」",
            detail={"from": current, "to": to},
        )


@dataclass(frozen=True)
class CardFacts:
    """What the state of a card depends on."""

    status: str
    issued_on: dt.date
    valid_until: dt.date
    renewal_trained_on: dt.date | None = None


def supervisor_card_state(card: CardFacts, at: dt.date) -> str:
    """State of a supervisor card on `at` (SUP-3): stored status first, then the validity period."""
    if card.status != STORED_VALID:
        return card.status
    if at < card.issued_on:
        return STATE_NOT_YET_VALID
    if at > card.valid_until:
        return STATE_EXPIRED
    return STATE_VALID


def examiner_card_state(card: CardFacts, at: dt.date) -> str:
    """State of an examiner card on `at` (EXAM-2).

    Past `valid_until` the card is expired; once ≥ 1 year past it with no renewal training taken
    after `valid_until` (and before the lapse date) the qualification is lost (`lapsed`).
    """
    state = supervisor_card_state(card, at)
    if state != STATE_EXPIRED:
        return state
    lapses_on = lapse_date(card.valid_until)
    if at < lapses_on:
        return STATE_EXPIRED
    trained = card.renewal_trained_on
    if trained is not None and card.valid_until < trained < lapses_on:
        return STATE_EXPIRED  # trained in time, waiting for the validity to be extended
    return STATE_LAPSED


def renewal_after_training(card: CardFacts, trained_on: dt.date) -> dt.date:
    """New `valid_until` after renewal training on `trained_on` (EXAM-2): 3 more years, continuous.

    Refused when the card is lost, being re-issued, revoked, replaced or already lapsed on that day.
    """
    state = examiner_card_state(card, trained_on)
    if state == STATE_LAPSED:
        raise IllegalTransition(
            f"证卡已于 {card.valid_until.isoformat()} 到期且超过一年未参加延续培训,考评资格已失效,"
            "须重新取得资格",  # EXAM-2
            code="lapsed",
        )
    if state in (STATE_LOST, STATE_REISSUING, STATE_REVOKED, STATE_REPLACED):
        raise IllegalTransition(f"证卡状态为「{CARD_STATE_LABELS[state]}」,不能办理延续培训")
    if trained_on < card.issued_on:
        message = "延续培训日期不能早于发证日期"
        raise ValidationFailed(message, detail={"trained_on": [message]})
    return term_end(card.valid_until + dt.timedelta(days=1), TERM_YEARS)


@dataclass(frozen=True)
class Scope:
    """One occupation (+ optional work type) and its levels on an examiner card (EXAM-3)."""

    occupation: str
    work_type: str
    levels: tuple[int, ...]


@dataclass(frozen=True)
class Decision:
    """Yes/no with the reason (Chinese) when no."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


_STATE_REASONS = {
    STATE_NOT_YET_VALID: "考评员证卡尚未生效",
    STATE_EXPIRED: "考评员证卡已过期,须参加延续培训",  # EXAM-2
    STATE_LAPSED: "考评员证卡超期一年以上未参加延续培训,考评资格已失效",  # EXAM-2
    STATE_LOST: "考评员证卡已挂失,不得参加考评",  # EXAM-2
    STATE_REISSUING: "考评员证卡补办中,不得参加考评",  # EXAM-2
    STATE_REVOKED: "考评员证卡已吊销",
    STATE_REPLACED: "该证卡已补发新证,旧证作废",
}

LEVEL_LABELS = {5: "五级/初级工", 4: "四级/中级工", 3: "三级/高级工", 2: "二级/技师", 1: "一级/高级技师"}


def can_examine(
    card_state: str | CardFacts,
    scopes: Iterable[Scope],
    occupation: str,
    work_type: str,
    levels: Iterable[int],
    at: dt.date,
) -> Decision:
    """EXAM-2/EXAM-3: a valid card whose scope covers the occupation (+ work type) and every level."""
    state = card_state if isinstance(card_state, str) else examiner_card_state(card_state, at)
    if state != STATE_VALID:
        return Decision(False, _STATE_REASONS.get(state, "考评员证卡状态不允许考评"))
    wanted = sorted(set(levels))
    matching = [
        s
        for s in scopes
        if s.occupation == occupation and (not s.work_type or s.work_type == (work_type or ""))
    ]
    if not matching:
        label = occupation + (f"({work_type})" if work_type else "")
        return Decision(False, f"证卡考评范围不含职业 {label}")  # EXAM-3
    covered = set().union(*(set(s.levels) for s in matching))
    missing = [lv for lv in wanted if lv not in covered]
    if missing:
        names = "、".join(LEVEL_LABELS.get(lv, str(lv)) for lv in missing)
        return Decision(False, f"证卡考评范围不含等级 {names}")  # EXAM-3
    return Decision(True)


# ---------------------------------------------------------------------------------------------
# Examiner scopes as text (Excel): "4-03-02-01:5,4;6-18-02-04:3"
# ---------------------------------------------------------------------------------------------

_OCCUPATION_CODE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")


def parse_scopes_text(text: str | None, *, field: str = "scopes") -> list[tuple[str, str, tuple[int, ...]]]:
    """Parse `code[/work type]:levels;…` into (occupation code, work type, levels) triples."""
    items: list[tuple[str, str, tuple[int, ...]]] = []
    errors: list[str] = []
    for chunk in (text or "").replace(";", ";").replace(":", ":").replace(",", ",").split(";"):
        chunk = chunk.strip()
        if not chunk:
            continue
        head, sep, tail = chunk.partition(":")
        if not sep:
            errors.append(f"「{chunk}」缺少冒号和等级,应写成 职业编码:等级,如 4-03-02-01:5,4")
            continue
        code, _, work_type = head.strip().partition("/")
        code = code.strip()
        if not _OCCUPATION_CODE.match(code):
            errors.append(f"职业编码「{code}」格式不正确,应如 4-03-02-01")
            continue
        levels: list[int] = []
        for part in tail.split(","):
            part = part.strip()
            if part not in {"1", "2", "3", "4", "5"}:
                errors.append(f"「{chunk}」中的等级「{part}」无效,应为 1–5")
                break
            levels.append(int(part))
        else:
            items.append((code, work_type.strip(), tuple(sorted(set(levels), reverse=True))))
    if errors:
        raise ValidationFailed(errors[0], detail={field: errors})
    if not items:
        message = "请填写考评范围,如 4-03-02-01:5,4"
        raise ValidationFailed(message, detail={field: [message]})
    return items


def format_scopes_text(scopes: Iterable[tuple[str, str, Sequence[int]]]) -> str:
    """Inverse of parse_scopes_text (export)."""
    parts = []
    for code, work_type, levels in scopes:
        head = code + (f"/{work_type}" if work_type else "")
        parts.append(head + ":" + ",".join(str(lv) for lv in sorted(levels, reverse=True)))
    return ";".join(parts)


def validate_levels(levels: Iterable[int], *, field: str = "levels") -> tuple[int, ...]:
    """Levels are 1–5, at least one, no duplicates kept."""
    result = sorted({int(lv) for lv in levels}, reverse=True)
    if not result:
        message = "请至少选择一个等级"
        raise ValidationFailed(message, detail={field: [message]})
    bad = [lv for lv in result if lv not in LEVEL_LABELS]
    if bad:
        message = f"等级 {bad[0]} 无效,应为 1–5"
        raise ValidationFailed(message, detail={field: [message]})
    return tuple(result)
