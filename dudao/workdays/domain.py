"""The statutory working-day calendar (CAL-1…4, REN-8): pure rules over plain data, no Django.

A year's days are decided by its official arrangement (国务院办公厅 yearly notice, CAL-4) when one
is loaded. A year without a loaded arrangement falls back to a *provisional* rule (CAL-3):

    working day  =  Monday–Friday that is not a statutory festival day,

where the statutory festival days are those of 《全国年节及纪念日放假办法》 as computed by
``holidays.CN`` **without** its per-year notice data (no bridging days off, no 调休 weekend
workdays). The library silently guesses for years it has no notice data for (DESIGN: known
pitfalls), and its notice data is not what this platform has confirmed, so neither is trusted: a
result that depends on such a year says so (``provisional=True``) and is never passed off as
confirmed.

Counting rules:
- ``add_workdays(start, n)``, n > 0: the n-th working day after ``start`` (``start`` itself is not
  counted, CAL-2). n = 0 gives ``start``. n < 0 counts backwards: the |n|-th working day before
  ``start`` (again ``start`` not counted), e.g. "at least 10 working days before D".
- ``workdays_between(a, b)``: the working days d with a < d <= b; when b < a, minus the working
  days d with b < d <= a (antisymmetric), which gives "剩余 N 个工作日" (today → deadline) and
  "已逾期 N 个工作日" (negative: deadline Friday, today Monday → -1).
- A result is provisional iff any year from the earlier to the later of the two dates (both
  included) has no confirmed arrangement.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from holidays.countries.china import China

from dudao.common.errors import ValidationFailed

# holidays.CN computes festival dates for 1950–2100; outside that range nothing can be said.
MIN_YEAR = 1950
MAX_YEAR = 2100
# Guard against runaway loops from API/CLI input: 5,000 working days is about 20 years.
MAX_COUNT = 5000

_ORDINAL_SEP = re.compile(r"[\s,，;；、]+")
_RANGE_SEP = re.compile(r"\s*(?:…|\.\.\.|\.\.|~|～|至)\s*")


class DayKind(StrEnum):
    """What a date is in the calendar."""

    WORKDAY = "workday"  # Monday–Friday, normal working day
    WEEKEND = "weekend"  # Saturday/Sunday, not worked
    HOLIDAY = "holiday"  # day off beyond weekends (休)
    ADJUSTED_WORKDAY = "adjusted_workday"  # weekend day worked (调休上班日, 班)


@dataclass(frozen=True)
class YearArrangement:
    """One year's official arrangement: days off (may include weekend days) and weekend days worked."""

    year: int
    days_off: frozenset[dt.date]
    workdays: frozenset[dt.date]
    confirmed: bool = True
    source: str = ""


@dataclass(frozen=True)
class Result:
    """A date computed by counting working days; provisional when it depends on an unconfirmed year."""

    date: dt.date
    provisional: bool


@dataclass(frozen=True)
class Count:
    """A number of working days between two dates; provisional as for Result."""

    days: int
    provisional: bool


@dataclass(frozen=True)
class DeadlineStatus:
    """How far a deadline is from today in working days: "剩余 N 个工作日" / "已逾期 N 个工作日"."""

    deadline: dt.date
    days: int  # working days left (>= 0) or overdue (>= 0, when `overdue`)
    overdue: bool
    provisional: bool

    @property
    def label(self) -> str:
        text = f"已逾期 {self.days} 个工作日" if self.overdue else f"剩余 {self.days} 个工作日"
        return text + ("(临时)" if self.provisional else "")


@dataclass(frozen=True)
class _YearDays:
    off: frozenset[dt.date]
    worked: frozenset[dt.date]
    confirmed: bool
    arranged: bool  # an arrangement was loaded (confirmed or draft), as opposed to the library fallback


# --- the library fallback (CAL-3) ------------------------------------------------------------------


class _StatutoryChina(China):
    """holidays.CN restricted to the statutory festival days: the per-year notice data is ignored."""

    def _add_special_holidays(self, mapping_names, *, observed=False):
        # The notice data (bridging days off and 调休 workdays) is exactly what CAL-3 says not to trust.
        return None


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> frozenset[dt.date]:
    """Statutory festival days of `year` (《全国年节及纪念日放假办法》), no observed or bridging days."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return frozenset()
    return frozenset(_StatutoryChina(years=year, observed=False, categories=("public",)).keys())


# --- parsing and validating arrangements ----------------------------------------------------------


def parse_date(value: object, *, field_name: str = "date") -> dt.date:
    """A `date` from a date or a `YYYY-MM-DD` string; ValidationFailed (Chinese) otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    message = f"“{text}”不是有效日期,应为 YYYY-MM-DD"
    raise ValidationFailed(message, detail={field_name: [message]})


def parse_date_list(text: str, *, field_name: str = "dates") -> list[dt.date]:
    """Dates from free text (one per line, or separated by commas/spaces/、); `A…B` or `A~B` is a range.

    Order is kept and duplicates are kept (the validator reports them).
    """
    result: list[dt.date] = []
    # Normalise range separators first so that "A ~ B" survives splitting on spaces.
    normalised = _RANGE_SEP.sub("~", text.strip())
    for token in _ORDINAL_SEP.split(normalised):
        if not token:
            continue
        if "~" in token:
            first, _, last = token.partition("~")
            start = parse_date(first, field_name=field_name)
            end = parse_date(last, field_name=field_name)
            if end < start:
                raise ValidationFailed(
                    f"日期范围“{token}”的结束日期早于开始日期",
                    detail={field_name: [f"日期范围“{token}”的结束日期早于开始日期"]},
                )
            if (end - start).days > 366:
                raise ValidationFailed(
                    f"日期范围“{token}”过长", detail={field_name: [f"日期范围“{token}”过长"]}
                )
            result.extend(start + dt.timedelta(days=i) for i in range((end - start).days + 1))
        else:
            result.append(parse_date(token, field_name=field_name))
    return result


def _dates_or_errors(values: Iterable[object], errors: list[str]) -> list[dt.date]:
    dates = []
    for value in values:
        try:
            dates.append(parse_date(value))
        except ValidationFailed as exc:
            errors.append(exc.message)
    return dates


def _duplicates(dates: list[dt.date]) -> list[dt.date]:
    seen: set[dt.date] = set()
    dups: list[dt.date] = []
    for d in dates:
        if d in seen and d not in dups:
            dups.append(d)
        seen.add(d)
    return dups


def validate_arrangement(
    *,
    year: object,
    days_off: Iterable[object],
    workdays: Iterable[object],
    confirmed: bool = True,
    source: str = "",
) -> YearArrangement:
    """Check an arrangement (CAL-4 data) and return it; ValidationFailed with per-field Chinese messages.

    Rules: a supported year; ISO dates that belong to that year; no duplicates in either list;
    adjusted workdays are Saturdays or Sundays; no date both off and worked.
    """
    errors: dict[str, list[str]] = {}
    try:
        year_int = int(year)  # type: ignore[call-overload]
        if isinstance(year, bool) or str(year).strip() != str(year_int):
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationFailed("年度必须是整数", detail={"year": ["年度必须是整数"]}) from None
    if not MIN_YEAR <= year_int <= MAX_YEAR:
        raise ValidationFailed(
            f"年度须在 {MIN_YEAR}–{MAX_YEAR} 之间", detail={"year": [f"年度须在 {MIN_YEAR}–{MAX_YEAR} 之间"]}
        )
    if isinstance(days_off, str) or isinstance(workdays, str):
        raise ValidationFailed("日期须以列表提交", detail={"days_off": ["日期须以列表提交"]})

    off_errors: list[str] = []
    work_errors: list[str] = []
    off = _dates_or_errors(days_off, off_errors)
    worked = _dates_or_errors(workdays, work_errors)
    for d in off:
        if d.year != year_int:
            off_errors.append(f"{d.isoformat()} 不属于 {year_int} 年")
    for d in worked:
        if d.year != year_int:
            work_errors.append(f"{d.isoformat()} 不属于 {year_int} 年")
        elif d.weekday() < 5:
            work_errors.append(f"{d.isoformat()} 不是周六或周日,调休上班日只能是周末")
    for d in _duplicates(off):
        off_errors.append(f"{d.isoformat()} 重复列出")
    for d in _duplicates(worked):
        work_errors.append(f"{d.isoformat()} 重复列出")
    for d in sorted(set(off) & set(worked)):
        work_errors.append(f"{d.isoformat()} 同时列为放假日和调休上班日")
    if off_errors:
        errors["days_off"] = off_errors
    if work_errors:
        errors["workdays"] = work_errors
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(f"节假日安排有误:{first}", detail=errors)
    return YearArrangement(
        year=year_int,
        days_off=frozenset(off),
        workdays=frozenset(worked),
        confirmed=bool(confirmed),
        source=str(source or ""),
    )


# --- the calendar ---------------------------------------------------------------------------------


def _weekdays_up_to(ordinal: int) -> int:
    """Number of Monday–Friday days with ordinal 1..`ordinal` (ordinal 1 = 0001-01-01, a Monday)."""
    return (ordinal // 7) * 5 + min(ordinal % 7, 5)


def _check_range(d: dt.date, name: str = "date") -> None:
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        message = f"日期 {d.isoformat()} 超出支持范围({MIN_YEAR}–{MAX_YEAR} 年)"
        raise ValidationFailed(message, detail={name: [message]})


@dataclass
class Calendar:
    """Working days from loaded arrangements, falling back to statutory festival days (provisional)."""

    arrangements: Mapping[int, YearArrangement] = field(default_factory=dict)
    _years: dict[int, _YearDays] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def from_arrangements(cls, arrangements: Iterable[YearArrangement]) -> Calendar:
        return cls({a.year: a for a in arrangements})

    @classmethod
    def from_records(cls, records: Mapping[int, tuple[Iterable[object], Iterable[object], bool]]) -> Calendar:
        """`{year: (days_off, workdays, confirmed)}` with dates or ISO strings; validated (CAL-4)."""
        return cls.from_arrangements(
            validate_arrangement(year=year, days_off=off, workdays=worked, confirmed=confirmed)
            for year, (off, worked, confirmed) in records.items()
        )

    # -- per year --

    def _year(self, year: int) -> _YearDays:
        found = self._years.get(year)
        if found is None:
            arrangement = self.arrangements.get(year)
            if arrangement is not None:
                found = _YearDays(arrangement.days_off, arrangement.workdays, arrangement.confirmed, True)
            else:
                found = _YearDays(statutory_holidays(year), frozenset(), False, False)
            self._years[year] = found
        return found

    def is_confirmed(self, year: int) -> bool:
        """True iff a confirmed official arrangement is loaded for `year` (CAL-3)."""
        arrangement = self.arrangements.get(year)
        return bool(arrangement is not None and arrangement.confirmed)

    # -- per day --

    def day_kind(self, d: dt.date) -> DayKind:
        """CAL-1: a weekend day declared worked is a working day; a listed day off is not."""
        days = self._year(d.year)
        if d in days.worked:
            return DayKind.ADJUSTED_WORKDAY
        if d in days.off:
            return DayKind.HOLIDAY
        return DayKind.WEEKEND if d.weekday() >= 5 else DayKind.WORKDAY

    def is_workday(self, d: dt.date) -> bool:
        return self.day_kind(d) in (DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY)

    # -- counting --

    def is_provisional_span(self, a: dt.date, b: dt.date) -> bool:
        """True iff some year from the earlier to the later date (inclusive) is not confirmed (CAL-3)."""
        lo, hi = (a, b) if a <= b else (b, a)
        return any(not self.is_confirmed(y) for y in range(lo.year, hi.year + 1))

    def add_workdays(self, start: dt.date, n: int) -> Result:
        """The n-th working day after `start`, start not counted (CAL-2); n < 0 counts backwards."""
        if isinstance(n, bool) or not isinstance(n, int):
            raise ValidationFailed("工作日数必须是整数", detail={"n": ["工作日数必须是整数"]})
        if abs(n) > MAX_COUNT:
            message = f"工作日数的绝对值不能超过 {MAX_COUNT}"
            raise ValidationFailed(message, detail={"n": [message]})
        _check_range(start)
        step = dt.timedelta(days=1 if n > 0 else -1)
        current = start
        remaining = abs(n)
        while remaining:
            current += step
            if not MIN_YEAR <= current.year <= MAX_YEAR:
                message = f"计算结果超出支持范围({MIN_YEAR}–{MAX_YEAR} 年)"
                raise ValidationFailed(message, detail={"n": [message]})
            if self.is_workday(current):
                remaining -= 1
        return Result(current, self.is_provisional_span(start, current))

    def _count_after(self, a: dt.date, b: dt.date) -> int:
        """Working days d with a < d <= b (a <= b): weekdays, corrected by each year's exceptions."""
        total = _weekdays_up_to(b.toordinal()) - _weekdays_up_to(a.toordinal())
        for year in range(a.year, b.year + 1):
            days = self._year(year)
            for d in days.worked:
                if a < d <= b and d.weekday() >= 5:
                    total += 1
            for d in days.off:
                if a < d <= b and d.weekday() < 5 and d not in days.worked:
                    total -= 1
        return total

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """Working days after `a` up to and including `b`; negative (antisymmetric) when b < a."""
        _check_range(a, "start")
        _check_range(b, "end")
        if a <= b:
            return self._count_after(a, b)
        return -self._count_after(b, a)

    def between(self, a: dt.date, b: dt.date) -> Count:
        """`workdays_between` with its provisional flag (for "剩余/已逾期 N 个工作日")."""
        return Count(self.workdays_between(a, b), self.is_provisional_span(a, b))

    def deadline_status(self, today: dt.date, deadline: dt.date) -> DeadlineStatus:
        """Working days from `today` to `deadline` (DESIGN: pages show 剩余/已逾期 N 个工作日)."""
        count = self.between(today, deadline)
        overdue = deadline < today
        return DeadlineStatus(deadline, -count.days if overdue else count.days, overdue, count.provisional)

    # -- presentation helpers --

    def month_days(self, year: int, month: int) -> list[tuple[dt.date, DayKind]]:
        """Every day of a month with its kind (for the month grid)."""
        first = dt.date(year, month, 1)
        next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
        return [
            (first + dt.timedelta(days=i), self.day_kind(first + dt.timedelta(days=i)))
            for i in range((next_month - first).days)
        ]
