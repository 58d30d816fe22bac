"""Pure registry rules: code formats, USCC, levels, filing periods and the INST-3 batch-in-scope check.

No Django here (import-linter): callers turn rows into the dataclasses below.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc as stdnum_uscc

from dudao.common.errors import ValidationFailed

# ---------------------------------------------------------------------------------------------------------
# Levels (DOMAIN glossary): 5 lowest … 1 highest.
LEVEL_NAMES: dict[int, str] = {
    5: "五级/初级工",
    4: "四级/中级工",
    3: "三级/高级工",
    2: "二级/技师",
    1: "一级/高级技师",
}
ALL_LEVELS = frozenset(LEVEL_NAMES)


def level_names(levels: Iterable[int]) -> str:
    """`[5, 4]` → "五级/初级工、四级/中级工" (highest number first, as users list them)."""
    return "、".join(LEVEL_NAMES.get(level, str(level)) for level in sorted(set(levels), reverse=True))


def validate_levels(levels: object, *, field_name: str = "levels") -> list[int]:
    """Non-empty subset of 1..5 without duplicates; returned sorted descending (display order)."""
    if isinstance(levels, str | bytes) or not isinstance(levels, Iterable):
        raise ValidationFailed("等级格式不正确", detail={field_name: ["等级必须是 1–5 的整数列表"]})
    values = list(levels)
    if not values:
        raise ValidationFailed("请至少选择一个等级", detail={field_name: ["请至少选择一个等级"]})
    cleaned: list[int] = []
    for value in values:
        # bool is an int subclass: True must not pass as level 1.
        if isinstance(value, bool) or not isinstance(value, int) or value not in ALL_LEVELS:
            raise ValidationFailed(
                f"等级「{value}」无效,只能是 1–5", detail={field_name: [f"等级「{value}」无效,只能是 1–5"]}
            )
        cleaned.append(value)
    if len(set(cleaned)) != len(cleaned):
        raise ValidationFailed("等级有重复", detail={field_name: ["等级有重复"]})
    return sorted(cleaned, reverse=True)


# ---------------------------------------------------------------------------------------------------------
# Occupation codes (OCC-1): 职业分类大典 (2022) `d-dd-dd-dd`.
# Decision: an optional fifth two-digit segment (`6-18-02-04-01`) is accepted for provincial catalogues
# that number work types (工种) under an occupation. Scopes and batches still carry the work type as a
# name (`work_type`), so the suffix is only a catalogue code, never required.
OCCUPATION_CODE_RE = re.compile(r"^[0-9]-[0-9]{2}-[0-9]{2}-[0-9]{2}(?:-[0-9]{2})?$")


def normalise_occupation_code(code: str) -> str:
    """Strip spaces and turn full-width digits/dashes into ASCII (codes are often pasted from PDFs)."""
    table = str.maketrans("".join(chr(0xFF10 + n) for n in range(10)) + "\uff0d\u2014\u2013", "0123456789---")
    return re.sub(r"\s+", "", (code or "").translate(table))


def validate_occupation_code(code: str, *, field_name: str = "code") -> str:
    """Normalised occupation code or ValidationFailed (OCC-1 format)."""
    value = normalise_occupation_code(code)
    if not OCCUPATION_CODE_RE.match(value):
        message = f"职业编码「{code}」格式不正确,应为 d-dd-dd-dd(如 4-03-02-01),工种可加 -dd"
        raise ValidationFailed(message, detail={field_name: [message]})
    return value


# ---------------------------------------------------------------------------------------------------------
# Unified social credit code (INST-1): checksum by python-stdnum, never hand-written.


# A code already in its compact form (what imports and forms mostly carry): stdnum's format rule as a regex,
# so that only the check digit is computed; anything else takes stdnum's full path (and its messages).
_USCC_COMPACT = re.compile(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}")


def normalise_uscc(value: str) -> str:
    """Upper-case, spaces and dashes removed."""
    if value and _USCC_COMPACT.fullmatch(value):
        return value  # already compact
    return stdnum_uscc.compact(value or "")


# GB 32100-2015: the code's character set and the weights of positions 1-17; the check digit is
# (31 - Σ value×weight mod 31) mod 31. The same computation as stdnum's `calc_check_digit`, without its
# per-call normalisation (a bulk import checks 100,000 codes that are already compact); a property test
# holds the two equal.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_digit(compact: str) -> str:
    """The check character of a compact USCC (its first 17 characters are used)."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(compact[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total) % 31]


def validate_uscc(value: str, *, field_name: str = "uscc") -> str:
    """Normalised USCC or ValidationFailed with a Chinese reason (length, characters, check digit)."""
    if value and _USCC_COMPACT.fullmatch(value) and uscc_check_digit(value) == value[-1]:
        return value
    number = normalise_uscc(value)
    try:
        return stdnum_uscc.validate(number)
    except stdnum_exceptions.InvalidLength:
        message = f"统一社会信用代码应为 18 位,当前为 {len(number)} 位"
    except stdnum_exceptions.InvalidFormat:
        message = "统一社会信用代码格式不正确(前 8 位为数字,其余为数字或不含 I、O、S、V、Z 的大写字母)"
    except stdnum_exceptions.InvalidChecksum:
        message = f"统一社会信用代码「{number}」校验位错误,请核对"
    except stdnum_exceptions.ValidationError:
        message = "统一社会信用代码无效"
    raise ValidationFailed(message, detail={field_name: [message]})


# ---------------------------------------------------------------------------------------------------------
# Regions (GB/T 2260): kind and parent follow from the 6-digit code.
REGION_CODE_RE = re.compile(r"^[0-9]{6}$")


def region_kind(code: str) -> str:
    """'province' for `xx0000`, 'city' for `xxxx00`, else 'district'."""
    if not REGION_CODE_RE.match(code or ""):
        raise ValidationFailed(f"区划代码「{code}」应为 6 位数字", detail={"code": ["区划代码应为 6 位数字"]})
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "district"


def region_parent_candidates(code: str) -> list[str]:
    """Codes that may be this region's parent, nearest first (a district of a 直辖市 may have no city row)."""
    kind = region_kind(code)
    if kind == "province":
        return []
    if kind == "city":
        return [code[:2] + "0000"]
    return [code[:4] + "00", code[:2] + "0000"]


def region_code_prefix(code: str) -> str:
    """Prefix shared by a region and all below it: `360000` → `36`, `360100` → `3601`, `360102` → itself."""
    return {"province": code[:2], "city": code[:4]}.get(region_kind(code), code)


# ---------------------------------------------------------------------------------------------------------
# Filings (INST-2).
FILING_STATUS_LABELS: dict[str, str] = {
    "active": "有效",
    "suspended": "暂停",
    "rectifying": "整改期",
    "expired": "已到期",
    "terminated": "已终止",
}
# Filings in these states no longer block a new filing for the same period.
CLOSED_FILING_STATUSES = frozenset({"expired", "terminated"})


def check_filing_allows_evaluation(number: str, status: str, *, field: str = "batch") -> None:
    """INST-2/INST-3: only an active filing carries evaluation work; a suspended, rectifying, expired or
    terminated one stops new plans and registrations of its batches (a terminated one for good, REN-6)."""
    if status != "active":
        label = FILING_STATUS_LABELS.get(status, status)
        message = f"备案 {number} 当前状态为「{label}」,不能开展评价活动"
        raise ValidationFailed(message, code="filing_inactive", detail={field: [message]})


def filing_periods_overlap(a_from: dt.date, a_until: dt.date, b_from: dt.date, b_until: dt.date) -> bool:
    """Closed intervals [a_from, a_until] and [b_from, b_until] share at least one day."""
    return a_from <= b_until and b_from <= a_until


def validate_period(valid_from: dt.date, valid_until: dt.date) -> None:
    """A filing's validity period must end after it starts."""
    if valid_until <= valid_from:
        message = "有效期止必须晚于有效期起"
        raise ValidationFailed(message, detail={"valid_until": [message]})


# ---------------------------------------------------------------------------------------------------------
# INST-3: a batch must lie inside an active filing's scope.


@dataclass(frozen=True)
class ScopeSpec:
    """One 认定范围 row. `ended_on` is the first day the entry no longer applies (REN-5 drop)."""

    occupation_id: int
    levels: tuple[int, ...]
    start_date: dt.date
    work_type: str = ""
    ended_on: dt.date | None = None
    id: int | None = None

    def in_force_for(self, first_day: dt.date, last_day: dt.date) -> bool:
        return self.start_date <= first_day and (self.ended_on is None or last_day < self.ended_on)


@dataclass(frozen=True)
class FilingSpec:
    """A filing with its scope, as the check needs it."""

    id: int
    number: str
    status: str
    valid_from: dt.date
    valid_until: dt.date
    scopes: tuple[ScopeSpec, ...] = ()


@dataclass(frozen=True)
class BatchSpec:
    """The batch to check. Datetimes are local (Asia/Shanghai) so `.date()` is the calendar day users see."""

    occupation_id: int
    levels: tuple[int, ...]
    starts_at: dt.datetime
    ends_at: dt.datetime
    work_type: str = ""
    occupation_label: str = ""

    @property
    def first_day(self) -> dt.date:
        return self.starts_at.date()

    @property
    def last_day(self) -> dt.date:
        return self.ends_at.date()


@dataclass(order=True)
class _Verdict:
    # Higher stage = the filing came closer to covering the batch; its reason is the most useful to show.
    stage: int
    valid_from: dt.date
    message: str = field(compare=False)
    field_name: str = field(compare=False)


def _work_type_matches(scope_work_type: str, batch_work_type: str) -> bool:
    # [decision] A scope without a work type covers the whole occupation (every work type); a scope
    # naming a work type covers only batches of that work type.
    return not scope_work_type.strip() or scope_work_type.strip() == batch_work_type.strip()


def _judge(batch: BatchSpec, filing: FilingSpec) -> _Verdict | None:
    """None if `filing` covers `batch`, else how far it got and why it fails."""
    occ = batch.occupation_label or f"#{batch.occupation_id}"
    first, last = batch.first_day, batch.last_day
    if filing.status != "active":
        label = FILING_STATUS_LABELS.get(filing.status, filing.status)
        return _Verdict(
            0, filing.valid_from, f"备案 {filing.number} 当前状态为「{label}」,不能安排评价批次", "filing"
        )
    if not (filing.valid_from <= first and last <= filing.valid_until):
        return _Verdict(
            1,
            filing.valid_from,
            f"批次日期 {first:%Y-%m-%d} 至 {last:%Y-%m-%d} 不在备案 {filing.number} 的有效期"
            f"({filing.valid_from:%Y-%m-%d} 至 {filing.valid_until:%Y-%m-%d})内",
            "starts_at",
        )
    same_occupation = [s for s in filing.scopes if s.occupation_id == batch.occupation_id]
    if not same_occupation:
        return _Verdict(
            2, filing.valid_from, f"职业「{occ}」不在备案 {filing.number} 的认定范围内", "occupation"
        )
    matching = [s for s in same_occupation if _work_type_matches(s.work_type, batch.work_type)]
    if not matching:
        named = "、".join(sorted({s.work_type for s in same_occupation if s.work_type}))
        if batch.work_type.strip():
            message = (
                f"工种「{batch.work_type.strip()}」不在备案 {filing.number} 职业「{occ}」的认定范围内"
                f"(已备案工种:{named})"
            )
        else:
            message = f"备案 {filing.number} 的职业「{occ}」只备案了工种 {named},请选择工种"
        return _Verdict(3, filing.valid_from, message, "work_type")
    offered = {level for s in matching for level in s.levels}
    missing = sorted(set(batch.levels) - offered, reverse=True)
    if missing:
        return _Verdict(
            4,
            filing.valid_from,
            f"等级 {level_names(missing)} 不在备案 {filing.number} 职业「{occ}」的认定范围内",
            "levels",
        )
    # Every level needs a scope entry in force for the whole batch (REN-5 drops end entries).
    for level in sorted(batch.levels, reverse=True):
        entries = [s for s in matching if level in s.levels]
        if any(s.in_force_for(first, last) for s in entries):
            continue
        not_started = [s for s in entries if s.start_date > first]
        if not_started:
            start = min(s.start_date for s in not_started)
            message = (
                f"备案 {filing.number} 中职业「{occ}」{LEVEL_NAMES[level]} 的认定范围"
                f"自 {start:%Y-%m-%d} 起生效,批次开始日期 {first:%Y-%m-%d} 早于该日期"
            )
        else:
            ended = max(s.ended_on for s in entries if s.ended_on is not None)
            message = (
                f"备案 {filing.number} 中职业「{occ}」{LEVEL_NAMES[level]} 的认定范围"
                f"已于 {ended:%Y-%m-%d} 终止"
            )
        return _Verdict(5, filing.valid_from, message, "levels")
    return None


def check_batch_in_scope(batch: BatchSpec, filings: Sequence[FilingSpec]) -> FilingSpec:
    """INST-3: the filing that covers `batch`, or ValidationFailed saying exactly why none does.

    When several filings fail, the reason shown is the one of the filing that came closest
    (status → validity period → occupation → work type → levels → scope entry dates).
    """
    if batch.ends_at <= batch.starts_at:
        message = "批次结束时间必须晚于开始时间"
        raise ValidationFailed(message, detail={"ends_at": [message]})
    validate_levels(list(batch.levels))
    if not filings:
        message = "该机构没有备案,不能安排评价批次"
        raise ValidationFailed(message, code="out_of_scope", detail={"filing": [message]})
    best: _Verdict | None = None
    # Latest filing first so that ties keep the most recent filing's reason.
    for filing in sorted(filings, key=lambda f: (f.valid_from, f.id), reverse=True):
        verdict = _judge(batch, filing)
        if verdict is None:
            return filing
        if best is None or verdict > best:
            best = verdict
    assert best is not None
    raise ValidationFailed(best.message, code="out_of_scope", detail={best.field_name: [best.message]})


# ---------------------------------------------------------------------------------------------------------
# User-facing texts: rule ids (INST-3, EXAM-2 …) belong in code and tests, not in messages to users.
_RULE_ID_NOTE_RE = re.compile(r"\s*[(（]\s*[A-Z]{2,6}-\d+(?:\s*[、,，/]\s*[A-Z]{2,6}-\d+)*\s*[)）]")


def without_rule_ids(text: str) -> str:
    """Drop parenthesised rule ids from a message: `…不得参加考评(EXAM-2)` → `…不得参加考评`."""
    return _RULE_ID_NOTE_RE.sub("", text or "")


# ---------------------------------------------------------------------------------------------------------
# Batch codes: `PC{yyyymmdd}{seq:04d}`.
BATCH_CODE_RE = re.compile(r"^PC([0-9]{8})([0-9]{4,})$")


def batch_code(day: dt.date, seq: int) -> str:
    """`PC202503150001` for the first batch starting 2025-03-15."""
    return f"PC{day:%Y%m%d}{seq:04d}"


def next_batch_seq(existing_codes: Iterable[str], day: dt.date) -> int:
    """1 + the highest sequence among generated codes of `day` (hand-entered codes are ignored)."""
    stamp = f"{day:%Y%m%d}"
    highest = 0
    for code in existing_codes:
        match = BATCH_CODE_RE.match(code)
        if match and match.group(1) == stamp:
            highest = max(highest, int(match.group(2)))
    return highest + 1


# ---------------------------------------------------------------------------------------------------------
# Institutions (INST-1) and venues: value rules shared by the single-row services and registry.bulk.
INSTITUTION_PHONE_RE = re.compile(r"^[0-9+()\-\s转]{5,32}$")
INSTITUTION_PHONE_MESSAGE = "联系电话格式不正确"
# The published complaint channel (COMPL-1; FORM-B C2.2).
COMPLAINT_CHANNEL_FIELDS = ("complaint_phone", "complaint_mailbox", "complaint_email", "complaint_page_url")
COMPLAINT_PHONE_MESSAGE = "投诉举报电话格式不正确,请填写座机或手机号码"
COMPLAINT_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
COMPLAINT_EMAIL_MESSAGE = "投诉举报电子邮箱格式不正确,例如 tousu@example.cn"
COMPLAINT_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.IGNORECASE)
COMPLAINT_URL_MESSAGE = "网页地址应以 http:// 或 https:// 开头,例如 https://www.example.cn/tousu"


def complaint_channel_problems(values: dict[str, str]) -> dict[str, list[str]]:
    """Field → Chinese messages for the complaint channel's values (already stripped text)."""
    problems: dict[str, list[str]] = {}
    if values.get("complaint_phone") and not INSTITUTION_PHONE_RE.match(values["complaint_phone"]):
        problems["complaint_phone"] = [COMPLAINT_PHONE_MESSAGE]
    if values.get("complaint_email") and not COMPLAINT_EMAIL_RE.match(values["complaint_email"]):
        problems["complaint_email"] = [COMPLAINT_EMAIL_MESSAGE]
    if values.get("complaint_page_url") and not COMPLAINT_URL_RE.match(values["complaint_page_url"]):
        problems["complaint_page_url"] = [COMPLAINT_URL_MESSAGE]
    return problems


PARENT_ORG_MESSAGE = "只有社会培训评价组织可填写上级全国性组织"  # INST-1
VENUE_COUNTS = (("room_count", "考场数", 1), ("capacity", "容纳人数", 0), ("camera_count", "摄像头数", 0))


def parent_org_allowed(kind: str | None, parent_org_name: str) -> bool:
    """INST-1: only a social training-evaluation organisation names a national parent organisation."""
    return not parent_org_name or kind == "social_org"


def venue_count(value: object, label: str, minimum: int) -> int:
    """A venue's room/capacity/camera count: an integer not below `minimum`; ValueError with a Chinese
    message otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{label}应为整数")
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValueError(f"{label}应为整数") from None
    if number < minimum:
        raise ValueError(f"{label}不能小于 {minimum}")
    return number
