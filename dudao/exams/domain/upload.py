"""National upload of certificate information (EXAM-12, CERT-3, FORM-B C4.2/C4.3): pure rules, no Django.

- The export's columns, defined once as data (field → Chinese header): a province's layout is one edit here.
- The export formats and the upload cadence (settings DUDAO_CERTIFICATE_UPLOAD_FORMAT / _DAYS), checked here.
- The six-month check of C4.2 in calendar months. A certificate issued on day D must be uploaded by
  `upload_deadline(D)` = D + 6 calendar months (the same day number, or the month's last day when the target
  month is shorter: 08-31 → 02-28/29). "More than six months ago" (EXAM-12): on the deadline day itself the
  batch is still compliant; from the next day a certificate not uploaded makes it non-compliant
  [interpretation: "超过 6 个月" read as strictly after the same calendar day six months later].
- An upload confirmed after its deadline is late: C4.2 is about timely upload (上报及时), so a late batch
  stays non-compliant once uploaded [interpretation; the evaluator still decides].
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SIX_MONTHS = 6
FORMATS = ("xlsx", "csv", "json")
FORMAT_LABELS = {"xlsx": "Excel 工作簿(.xlsx)", "csv": "CSV 文本(UTF-8)", "json": "JSON"}
DEFAULT_DAYS = (10, 25)  # CERT-3: twice a month, the 10th and the 25th (configurable)

# The export's columns in order: (field, Chinese header). The national query system identifies holders by the
# full ID number, so the export carries it (see docs/certificates.md "国家平台上报").
COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "证书编号"),
    ("name", "姓名"),
    ("id_type", "证件类型"),
    ("id_number", "证件号码"),
    ("occupation_code", "职业(工种)编码"),
    ("occupation_name", "职业(工种)名称"),
    ("level", "等级代码"),
    ("level_name", "技能等级"),
    ("institution_name", "评价机构"),
    ("issued_on", "发证日期"),
    ("status", "证书状态"),
    ("void_reason", "注销原因"),
    ("voided_on", "注销日期"),
)


class UploadSettingError(ValueError):
    """A malformed upload setting (format or cadence days); the message is Chinese."""


def parse_format(value: object) -> str:
    """The export format of the setting: one of FORMATS (case-insensitive), else UploadSettingError."""
    text = str(value or "").strip().lower()
    if text not in FORMATS:
        raise UploadSettingError(f"证书上报导出格式「{str(value)[:20]}」无效,可选:{'、'.join(FORMATS)}")
    return text


def parse_days(value: object) -> tuple[int, ...]:
    """The cadence days of the month ("10,25"): distinct whole numbers 1–31, sorted; at least one."""
    parts = [p.strip() for p in str(value or "").replace(",", ",").split(",") if p.strip()]
    if not parts:
        raise UploadSettingError("证书上报日期至少填写一天(如 10,25)")
    days: set[int] = set()
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= 31:
            raise UploadSettingError(f"证书上报日期「{part[:10]}」无效,应为 1 到 31 之间的日子")
        days.add(int(part))
    return tuple(sorted(days))


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole calendar months; a day number the target month lacks becomes its last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def upload_deadline(issued_on: dt.date) -> dt.date:
    """The last day on which a certificate issued on `issued_on` is still uploaded in time (C4.2)."""
    return add_months(issued_on, SIX_MONTHS)


def is_overdue(issued_on: dt.date, today: dt.date) -> bool:
    """EXAM-12: numbers generated more than six months ago: strictly after the deadline day."""
    return today > upload_deadline(issued_on)


def overdue_cutoff(today: dt.date) -> dt.date:
    """The first issue date still in time on `today`: a certificate issued before it and not uploaded is
    overdue (`is_overdue(d, today) == (d < overdue_cutoff(today))`), so a database can filter on it. Not
    simply today minus six months: month ends clamp (issued 09-30 is due 03-30, so on 03-31 it is late)."""
    day = add_months(today, -SIX_MONTHS) - dt.timedelta(days=4)
    while upload_deadline(day) < today:
        day += dt.timedelta(days=1)
    return day


def next_due(today: dt.date, days: Sequence[int] = DEFAULT_DAYS) -> dt.date:
    """CERT-3: the next cadence day on or after `today` (a day the month lacks is its last day)."""
    for offset in range(3):
        first = add_months(today.replace(day=1), offset)
        last = calendar.monthrange(first.year, first.month)[1]
        for d in sorted(days):
            candidate = first.replace(day=min(d, last))
            if candidate >= today:
                return candidate
    raise UploadSettingError("证书上报日期无效")  # unreachable with 1–31 days


@dataclass(frozen=True)
class CertificateState:
    """One certificate as the check sees it: when it was issued and when (if) its upload was confirmed."""

    issued_on: dt.date
    uploaded_on: dt.date | None


@dataclass(frozen=True)
class BatchCompliance:
    """C4.2 of one batch (plan) on `today`.

    status: "none" (no certificates), "uploaded" (all in time), "pending" (some not uploaded, none overdue
    nor late), "overdue" (some not uploaded past the deadline), "late" (none overdue, some uploaded after
    the deadline).
    `deadline` is the earliest deadline of the certificates not uploaded (None when all are)."""

    status: str
    total: int
    pending: int
    overdue: int
    late: int
    deadline: dt.date | None

    @property
    def compliant(self) -> bool:
        return self.status not in ("overdue", "late")

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


STATUS_LABELS = {
    "none": "无证书",
    "uploaded": "已按时上报",
    "pending": "待上报",
    "overdue": "超过 6 个月未上报",
    "late": "逾期上报",
}


def batch_compliance(certificates: Iterable[CertificateState], today: dt.date) -> BatchCompliance:
    """C4.2: a batch whose numbers were generated more than six months ago and not all uploaded is
    non-compliant ("overdue"); one uploaded after a deadline is "late" (see the module docstring)."""
    total = pending = overdue = late = 0
    deadline: dt.date | None = None
    for cert in certificates:
        total += 1
        due = upload_deadline(cert.issued_on)
        if cert.uploaded_on is None:
            pending += 1
            overdue += today > due
            deadline = due if deadline is None or due < deadline else deadline
        elif cert.uploaded_on > due:
            late += 1
    if total == 0:
        status = "none"
    elif overdue:
        status = "overdue"
    elif late:  # late uploads stay non-compliant even while other certificates are pending in time
        status = "late"
    elif pending:
        status = "pending"
    else:
        status = "uploaded"
    return BatchCompliance(status, total, pending, overdue, late, deadline)
