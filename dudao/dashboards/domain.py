"""Pure helpers of the dashboards: month windows, region roll-ups, rates (no Django)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

DEFAULT_MONTHS = 12
# Public page: a pass rate over fewer results than this is not shown (a handful of candidates could be
# recognised from it); the count still is.
PUBLIC_MIN_RESULTS = 10


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_window(today: dt.date, months: int = DEFAULT_MONTHS) -> list[dt.date]:
    """The first days of the last `months` calendar months, the current one last."""
    if months < 1:
        raise ValueError("months must be at least 1")
    last = month_start(today)
    return [add_months(last, -i) for i in range(months - 1, -1, -1)]


def city_code(region_code: str) -> str:
    """GB/T 2260: a district's city is its first four digits + "00"; provinces and cities stay themselves."""
    return region_code if region_code.endswith("00") else region_code[:4] + "00"


def group_code(region_code: str, prefix: str) -> str:
    """The row a region is counted in for a user whose scope is `prefix`: cities for a province (or the
    whole country), the regions themselves (districts) for a city or narrower scope."""
    return city_code(region_code) if len(prefix) <= 2 else region_code


def rate(part: int, whole: int) -> float | None:
    """Percentage with one decimal; None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return round(100 * part / whole, 1)


def ratio(part: int, whole: int) -> float | None:
    """Plain ratio with two decimals (findings per task); None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return round(part / whole, 2)


def month_label(month: dt.date) -> str:
    return f"{month.year}-{month.month:02d}"


def scopes(region_code: str) -> tuple[str, ...]:
    """Every region code prefix a user's scope can be that covers `region_code` ("" = everything)."""
    return tuple(dict.fromkeys(("", region_code[:2], region_code[:4], region_code)))


# An institution counts as high-risk on the dashboard when its RAND-1 draw weight is at least double a
# clean institution's (risk score >= 10 with dudao.analytics.risk's scale). Our interpretation: the
# sources name the grounds for raising the ratio, not a cut-off.
HIGH_RISK_WEIGHT = Decimal(2)


def risk_mean(total: Decimal, n: int) -> Decimal | None:
    """The mean score to two places, None for a region without scored institutions."""
    if not n:
        return None
    return (total / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
