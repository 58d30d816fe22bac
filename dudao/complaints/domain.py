"""Complaints (投诉举报, COMPL-1…3): pure rules over plain data, no Django.

Deadlines (COMPL-2, configurable): the decision to accept or decline within ``accept_workdays``
working days of receipt, the result within ``result_workdays`` working days of acceptance. Both
are counted with the statutory calendar (CAL-2: the start day itself is not counted). A deadline
that touches a year without a confirmed holiday arrangement is provisional (CAL-3).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dudao.common.errors import ValidationFailed
from dudao.people.domain import validate_phone  # pure (python-stdnum), no Django
from dudao.workdays.domain import MAX_YEAR, MIN_YEAR, Calendar

# COMPL-2 defaults (public source: internal rules of individual bodies; configurable in settings).
DEFAULT_ACCEPT_WORKDAYS = 3
DEFAULT_RESULT_WORKDAYS = 7

# Longest complaint text accepted from the public (characters).
MAX_CONTENT_CHARS = 2000
MAX_CONTACT_NAME_CHARS = 64


class Category(StrEnum):
    """What a complaint is about (issue 12 item 1)."""

    EXAM_DISCIPLINE = "exam_discipline"
    ELIGIBILITY = "eligibility"
    FEES = "fees"
    CERTIFICATE = "certificate"
    EXAMINER = "examiner"
    OTHER = "other"


CATEGORY_LABELS: dict[Category, str] = {
    Category.EXAM_DISCIPLINE: "考试纪律",
    Category.ELIGIBILITY: "报名条件",
    Category.FEES: "收费",
    Category.CERTIFICATE: "证书",
    Category.EXAMINER: "考评人员",
    Category.OTHER: "其他",
}


class Status(StrEnum):
    """Workflow of a complaint: the decision (received → accepted | declined), then the handling
    (accepted → investigating → found → disposed → replied → closed, COMPL-2/3)."""

    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    INVESTIGATING = "investigating"
    FOUND = "found"
    DISPOSED = "disposed"
    REPLIED = "replied"
    CLOSED = "closed"


STATUS_LABELS: dict[Status, str] = {
    Status.RECEIVED: "已收到,待受理",
    Status.ACCEPTED: "已受理,正在调查",
    Status.DECLINED: "不予受理",
    Status.INVESTIGATING: "调查中",
    Status.FOUND: "已调查,正在处理",
    Status.DISPOSED: "已处理,待答复",
    Status.REPLIED: "已答复",
    Status.CLOSED: "已办结",
}

# The acceptance decision: status → {action: new status}.
TRANSITIONS: dict[Status, dict[str, Status]] = {
    Status.RECEIVED: {"accept": Status.ACCEPTED, "decline": Status.DECLINED},
}

# The handling after acceptance (COMPL-2/3): action → (from, to). The table with who may take each step
# is dudao.complaints.transitions.
HANDLING_STEPS: dict[str, tuple[Status, Status]] = {
    "investigate": (Status.ACCEPTED, Status.INVESTIGATING),
    "find": (Status.INVESTIGATING, Status.FOUND),
    "dispose": (Status.FOUND, Status.DISPOSED),
    "reply": (Status.DISPOSED, Status.REPLIED),
    "close": (Status.REPLIED, Status.CLOSED),
}
# Statuses in which handlers are assigned or replaced, and the persons concerned recorded.
OPEN_FOR_HANDLERS = frozenset({Status.ACCEPTED, Status.INVESTIGATING, Status.FOUND, Status.DISPOSED})


def transition(status: Status | str, action: str) -> Status:
    """The status after `action`; ValidationFailed (Chinese) when the action is not allowed now."""
    current = Status(status)
    target = TRANSITIONS.get(current, {}).get(action)
    if target is None:
        raise ValidationFailed(f"投诉当前状态为“{STATUS_LABELS[current]}”,不能执行此操作")
    return target


@dataclass(frozen=True)
class ComplaintPlan:
    """Deadlines of one complaint (COMPL-2)."""

    received: dt.date
    accepted: dt.date | None
    accept_by: dt.date
    result_by: dt.date | None
    provisional: bool
    unconfirmed_years: tuple[int, ...]

    def as_json(self) -> dict[str, Any]:
        """Exactly the contract of `dudao complaints plan --json` (issue 12 item 1)."""
        return {
            "accept_by": self.accept_by.isoformat(),
            "result_by": self.result_by.isoformat() if self.result_by else None,
            "provisional": self.provisional,
        }


def _check_date(value: object, name: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        message = f"{label}必须是日期"
        raise ValidationFailed(message, detail={name: [message]})
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        message = f"{label} {value.isoformat()} 超出支持范围({MIN_YEAR}–{MAX_YEAR} 年)"
        raise ValidationFailed(message, detail={name: [message]})
    return value


def _check_days(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        message = "工作日数应为 1 到 60 之间的整数"
        raise ValidationFailed(message, detail={name: [message]})
    return value


def _add(calendar: Calendar, start: dt.date, n: int, name: str):
    try:
        return calendar.add_workdays(start, n)
    except ValidationFailed as exc:  # the deadline would leave the calendar's range
        raise ValidationFailed(exc.message, detail={name: [exc.message]}) from None


def plan(
    received: dt.date,
    accepted: dt.date | None,
    calendar: Calendar,
    *,
    accept_workdays: int = DEFAULT_ACCEPT_WORKDAYS,
    result_workdays: int = DEFAULT_RESULT_WORKDAYS,
) -> ComplaintPlan:
    """COMPL-2: accept_by = received + accept_workdays working days; result_by = accepted +
    result_workdays working days (None without an acceptance date). CAL-2 counting, CAL-3 provisional."""
    received = _check_date(received, "received", "收到日期")
    if accepted is not None:
        accepted = _check_date(accepted, "accepted", "受理日期")
        if accepted < received:
            message = "受理日期不能早于收到日期"
            raise ValidationFailed(message, detail={"accepted": [message]})
    accept_workdays = _check_days(accept_workdays, "accept_workdays")
    result_workdays = _check_days(result_workdays, "result_workdays")
    accept = _add(calendar, received, accept_workdays, "received")
    result = _add(calendar, accepted, result_workdays, "accepted") if accepted is not None else None
    last = max(accept.date, result.date) if result is not None else accept.date
    unconfirmed = tuple(y for y in range(received.year, last.year + 1) if not calendar.is_confirmed(y))
    return ComplaintPlan(
        received=received,
        accepted=accepted,
        accept_by=accept.date,
        result_by=result.date if result is not None else None,
        provisional=accept.provisional or bool(result and result.provisional),
        unconfirmed_years=unconfirmed,
    )


def summary_zh(p: ComplaintPlan, accept_workdays: int, result_workdays: int) -> str:
    """A readable Chinese summary (the CLI's output without --json)."""
    lines = [
        f"收到日期:{p.received.isoformat()}",
        f"受理决定期限:{p.accept_by.isoformat()}(收到后 {accept_workdays} 个工作日内)",
    ]
    if p.accepted is not None and p.result_by is not None:
        lines.append(f"受理日期:{p.accepted.isoformat()}")
        lines.append(f"办结期限:{p.result_by.isoformat()}(受理后 {result_workdays} 个工作日内)")
    else:
        lines.append("办结期限:受理后确定")
    if p.provisional:
        years = "、".join(str(y) for y in p.unconfirmed_years)
        lines.append(f"注意:期限为临时计算,{years} 年节假日安排尚未确认")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------- filing
@dataclass(frozen=True)
class Filing:
    """A complaint as submitted by the public, checked and normalised."""

    category: Category
    content: str
    anonymous: bool
    contact_name: str
    contact_phone: str


CONTENT_EMPTY = "请填写投诉内容"
CONTENT_TOO_LONG = f"投诉内容不能超过 {MAX_CONTENT_CHARS} 个字,请精简后再提交"
CONTACT_REQUIRED = "实名投诉请填写联系人姓名和联系电话;不愿留下联系方式请选择匿名投诉"
CATEGORY_INVALID = "请选择投诉类别:" + "、".join(CATEGORY_LABELS.values())


def _visible(text: str) -> bool:
    """Whether the text has a character one can see: not whitespace, not an invisible format character
    (zero-width space, joiner, byte-order mark: Unicode category Cf)."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)


def check_filing(
    *, category: object, content: object, anonymous: object, contact_name: object, contact_phone: object
) -> Filing:
    """COMPL-2: an anonymous complaint keeps no contact at all (identity protected); a named one needs both
    a name and a phone. Every problem is reported at once, field by field, in Chinese."""
    errors: dict[str, list[str]] = {}
    try:
        cat = Category(str(category))
    except ValueError:
        cat = Category.OTHER
        errors["category"] = [CATEGORY_INVALID]
    text = str(content or "").strip() if isinstance(content, str) or content is None else ""
    if not _visible(text):  # spaces or zero-width characters alone say nothing
        errors["content"] = [CONTENT_EMPTY]
    elif len(text) > MAX_CONTENT_CHARS:
        errors["content"] = [CONTENT_TOO_LONG]
    is_anonymous = anonymous is True
    name = phone = ""
    if not is_anonymous:
        name = " ".join(str(contact_name or "").split())
        phone = ""
        if not name or not str(contact_phone or "").strip():
            errors["contact"] = [CONTACT_REQUIRED]
        elif len(name) > MAX_CONTACT_NAME_CHARS:
            errors["contact"] = [f"联系人姓名不能超过 {MAX_CONTACT_NAME_CHARS} 个字"]
        else:
            try:
                phone = validate_phone(str(contact_phone), field="contact")
            except ValidationFailed as exc:
                errors["contact"] = [exc.message]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, detail=errors)
    return Filing(cat, text, is_anonymous, name, phone)


# --------------------------------------------------------------------------------------------- handling
MAX_TEXT_CHARS = 2000

FINDING_LABELS = {"verified": "查实", "not_verified": "未查实"}
DISPOSITION_LABELS = {
    "penalty_proposal": "提出处理建议",
    "voided_result": "撤销评价结果",
    "voided_certificate": "撤销证书",
    "no_action": "不予处理",
}
# INST-4's ladder as a complaint proposes it; the Penalty kind each step is imposed as.
MEASURE_LABELS = {
    "criticism_and_correction": "通报批评并责令改正",
    "disciplinary_proposal": "建议给予处分",
    "revocation": "取消评价工作资格",
}
MEASURE_PENALTY_KIND = {
    "criticism_and_correction": "public_criticism",
    "disciplinary_proposal": "disciplinary_proposal",
    "revocation": "revocation",
}

RECUSAL_CONCERNED = "该人员是被投诉人员,须回避"
RECUSAL_INSTITUTION_USER = "该人员是被投诉机构的用户,须回避"
RECUSAL_EMPLOYEE = "该人员在被投诉机构工作,须回避"
RECUSAL_RELATION = "该人员申报了与被投诉机构或其人员、被投诉人员的利害关系,须回避"


def handler_problems(
    *, concerned: bool, institution_user: bool, employee: bool, declared_relation: bool
) -> list[str]:
    """COMPL-2 recusal, checked like SUP-8: why a user may not handle a complaint (empty: may)."""
    problems = []
    if concerned:
        problems.append(RECUSAL_CONCERNED)
    if institution_user:
        problems.append(RECUSAL_INSTITUTION_USER)
    if employee:
        problems.append(RECUSAL_EMPLOYEE)
    if declared_relation:
        problems.append(RECUSAL_RELATION)
    return problems


def check_text(value: object, field: str, label: str, limit: int = MAX_TEXT_CHARS) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationFailed(f"请填写{label}", detail={field: [f"请填写{label}"]})
    if len(text) > limit:
        message = f"{label}不能超过 {limit} 个字"
        raise ValidationFailed(message, detail={field: [message]})
    return text


def check_finding(finding: object, text: object) -> tuple[str, str]:
    """COMPL-3: verified or not verified, with what the investigation found."""
    if finding not in FINDING_LABELS:
        message = "请选择调查结论:查实或未查实"
        raise ValidationFailed(message, detail={"finding": [message]})
    return str(finding), check_text(text, "finding_text", "调查情况")


@dataclass(frozen=True)
class Disposition:
    disposition: str
    note: str
    measure: str
    ground: str


def check_disposition(
    finding: str, disposition: object, note: object, measure: object, ground: object, grounds: dict[str, str]
) -> Disposition:
    """COMPL-3: only a verified complaint leads to a penalty proposal (INST-4) or a voided result or
    certificate (CERT-4); a penalty proposal names the measure and its ground (`grounds`: INST-4's)."""
    if disposition not in DISPOSITION_LABELS:
        message = "请选择处理方式:" + "、".join(DISPOSITION_LABELS.values())
        raise ValidationFailed(message, detail={"disposition": [message]})
    if finding != "verified" and disposition != "no_action":
        message = "投诉未查实,只能不予处理"
        raise ValidationFailed(message, detail={"disposition": [message]})
    text = check_text(note, "note", "处理说明")
    if disposition != "penalty_proposal":
        return Disposition(str(disposition), text, "", "")
    errors: dict[str, list[str]] = {}
    if measure not in MEASURE_LABELS:
        errors["measure"] = ["请选择建议的处理方式:" + "、".join(MEASURE_LABELS.values())]
    if ground not in grounds:
        errors["ground"] = ["请选择处理事由"]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)
    return Disposition("penalty_proposal", text, str(measure), str(ground))


# ------------------------------------------------------------------------------ public statistics
STATS_YEAR_INVALID = f"请填写 {MIN_YEAR}–{MAX_YEAR} 之间的年份"
STATS_MONTH_INVALID = "月份应为 1 到 12 之间的整数"


def handled_on_time(
    *,
    status: str,
    accept_by: dt.date,
    decided_on: dt.date | None,
    result_by: dt.date | None,
    replied_on: dt.date | None,
) -> bool:
    """COMPL-2: a complaint is handled on time when the acceptance was decided on or before ``accept_by``
    and, when accepted, the result was told to the filer (the reply) on or before ``result_by``. A declined
    complaint is handled by its decision. One still open is not (yet) handled on time."""
    if decided_on is None or decided_on > accept_by:
        return False
    if status == Status.DECLINED:
        return True
    return replied_on is not None and result_by is not None and replied_on <= result_by


def check_period(year: object, month: object) -> tuple[int, int | None]:
    """The year (required) and month (optional) of the public statistics, parsed from text or numbers."""
    errors: dict[str, list[str]] = {}
    parsed_year = _as_int(year)
    if parsed_year is None or not MIN_YEAR <= parsed_year <= MAX_YEAR:
        errors["year"] = [STATS_YEAR_INVALID]
    parsed_month = None
    if month not in (None, ""):
        parsed_month = _as_int(month)
        if parsed_month is None or not 1 <= parsed_month <= 12:
            errors["month"] = [STATS_MONTH_INVALID]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)
    assert parsed_year is not None
    return parsed_year, parsed_month


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip() if isinstance(value, str) else ""
    return int(text) if text.isdigit() and len(text) <= 4 else None
