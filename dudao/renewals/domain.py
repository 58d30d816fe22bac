"""Planning a filing renewal (延续备案, seed 004, REN-1…8): pure rules over plain data, no Django.

`plan()` answers, for one application: which path it takes (REN-1, REN-6), which materials are
due (REN-2), which score form evaluates it (REN-3, REN-4) and by which date the authority must
decide (REN-3, REN-4, counted in working days with the CAL calendar, REN-8).

Decisions (docs/renewals-plan.md gives the reasoning):

- ``expires`` is the last day on which the filing is valid (registry ``Filing.valid_until``, 有效期止).
- REN-1 "届满30日前": the application is on time iff ``expires - received >= 30`` calendar days;
  calendar days, not working days, and no extension when that day falls on a weekend or holiday.
- REN-6 "备案期限届满后 … 不予受理": the filing expires at the end of its last valid day, so an
  application received on the expiry day itself is late but still before expiry (``new_filing``);
  from the day after, it is ``not_accepted``.
- Materials (REN-2) and the evaluation form (REN-4) belong to the renewal procedure: on the
  ``new_filing`` and ``not_accepted`` paths there are none (the list is empty, the form is None).
- ``decide_by`` is computed on every path with the count of the institution's type (10 working
  days for employers, 20 for the others) from the receipt date: the authority still owes the
  applicant a reply (handled as a new filing / not accepted) and the contract has no null for it.
- ``provisional`` is True when the count touches a year without a confirmed arrangement (CAL-3).
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from dudao.common.errors import ValidationFailed
from dudao.people.domain import parse_resident_id  # pure (python-stdnum), no Django
from dudao.workdays.domain import MAX_YEAR, MIN_YEAR, Calendar


class InstitutionKind(StrEnum):
    """Institution types of INST-1 (the same values as the registry)."""

    EMPLOYER = "employer"
    TECH_SCHOOL = "tech_school"
    SOCIAL_ORG = "social_org"


class RenewalPath(StrEnum):
    """How an application is handled (REN-1, REN-6)."""

    RENEWAL = "renewal"  # on time: the renewal procedure of seed 004
    NEW_FILING = "new_filing"  # late but before expiry: handled as a new institution's filing
    NOT_ACCEPTED = "not_accepted"  # after expiry: not accepted


class Material(StrEnum):
    """Renewal materials of REN-2, in the seed's order (一)…(四)."""

    APPLICATION = "application"
    RENEWAL_FORM = "renewal_form"
    QUESTION_EXPLANATION = "question_explanation"
    EXPERT_REVIEW = "expert_review"


KIND_LABELS = {
    InstitutionKind.EMPLOYER: "用人单位",
    InstitutionKind.TECH_SCHOOL: "技工院校",
    InstitutionKind.SOCIAL_ORG: "社会培训评价组织",
}

PATH_LABELS = {
    RenewalPath.RENEWAL: "延续备案",
    RenewalPath.NEW_FILING: "按新设立评价机构受理",
    RenewalPath.NOT_ACCEPTED: "不予受理",
}

MATERIAL_LABELS = {
    Material.APPLICATION: "(一)关于延续开展职业技能等级认定工作的申请(附件1)",
    Material.RENEWAL_FORM: "(二)重庆市职业技能等级认定机构延续备案申报表(附件2)",
    Material.QUESTION_EXPLANATION: "(三)试题资源编制说明(附件4)",
    Material.EXPERT_REVIEW: "(四)专家评审意见表(附件5)",
}

# REN-4: the score form that evaluates tech schools and social orgs (FORM-B, shipped by scorecards).
RENEWAL_FORM_ID = "CQ-RENEWAL"

# REN-1: the application is due at least this many calendar days before the filing expires.
MIN_NOTICE_DAYS = 30

# REN-3 (employers) and REN-4 (the others): working days from receipt to the decision (CAL-2).
DECISION_WORKDAYS = {
    InstitutionKind.EMPLOYER: 10,
    InstitutionKind.TECH_SCHOOL: 20,
    InstitutionKind.SOCIAL_ORG: 20,
}


@dataclass(frozen=True)
class RenewalPlan:
    """The path, materials, evaluation form and decision deadline of one renewal application."""

    kind: InstitutionKind
    self_built_questions: bool
    expires: dt.date
    received: dt.date
    path: RenewalPath
    materials: tuple[Material, ...]
    decide_by: dt.date
    decision_workdays: int
    evaluation_form: str | None
    provisional: bool
    unconfirmed_years: tuple[int, ...]  # years the count touches without a confirmed arrangement

    @property
    def days_before_expiry(self) -> int:
        """Calendar days from receipt to expiry (negative when received after the expiry day)."""
        return (self.expires - self.received).days

    def as_json(self) -> dict[str, Any]:
        """Exactly the contract of `dudao renewals plan --json` (issue 3 item 5), in contract order.

        Whether `decide_by` is provisional (CAL-3) is reported by the command on stderr, and by the API
        beside this dict, so the JSON keeps the contract's four keys."""
        return {
            "path": self.path.value,
            "materials": [m.value for m in self.materials],
            "decide_by": self.decide_by.isoformat(),
            "evaluation_form": self.evaluation_form,
        }


def parse_kind(value: object) -> InstitutionKind:
    """An InstitutionKind from its code; ValidationFailed with a Chinese message otherwise."""
    try:
        return InstitutionKind(str(value).strip())
    except ValueError:
        known = "、".join(f"{k.value}({label})" for k, label in KIND_LABELS.items())
        message = f"机构类型“{value}”无效,应为 {known}"
        raise ValidationFailed(message, detail={"kind": [message]}) from None


def application_path(expires: dt.date, received: dt.date) -> RenewalPath:
    """REN-1, REN-6: on time → renewal; late but by the expiry day → new filing; later → not accepted."""
    days_before = (expires - received).days
    if days_before >= MIN_NOTICE_DAYS:
        return RenewalPath.RENEWAL
    if days_before >= 0:  # the filing is still valid on its expiry day
        return RenewalPath.NEW_FILING
    return RenewalPath.NOT_ACCEPTED


def required_materials(kind: InstitutionKind, self_built_questions: bool) -> tuple[Material, ...]:
    """REN-2: (1), (2) always; (3), (4) only for tech schools and social orgs with self-built questions."""
    materials = (Material.APPLICATION, Material.RENEWAL_FORM)
    if kind is not InstitutionKind.EMPLOYER and self_built_questions:
        materials += (Material.QUESTION_EXPLANATION, Material.EXPERT_REVIEW)
    return materials


def _check_date(value: object, name: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        message = f"{label}必须是日期"
        raise ValidationFailed(message, detail={name: [message]})
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        message = f"{label} {value.isoformat()} 超出支持范围({MIN_YEAR}–{MAX_YEAR} 年)"
        raise ValidationFailed(message, detail={name: [message]})
    return value


def plan(
    kind: InstitutionKind | str,
    self_built_questions: bool,
    expires: dt.date,
    received: dt.date,
    calendar: Calendar,
) -> RenewalPlan:
    """Plan one renewal application received on `received` for a filing valid through `expires`."""
    kind = parse_kind(kind)
    expires = _check_date(expires, "expires", "备案有效期届满日期")
    received = _check_date(received, "received", "材料收到日期")
    path = application_path(expires, received)
    on_renewal_path = path is RenewalPath.RENEWAL
    n = DECISION_WORKDAYS[kind]
    try:
        result = calendar.add_workdays(received, n)
    except ValidationFailed as exc:  # the deadline would leave the calendar's range
        raise ValidationFailed(exc.message, detail={"received": [exc.message]}) from None
    unconfirmed = tuple(
        year for year in range(received.year, result.date.year + 1) if not calendar.is_confirmed(year)
    )
    return RenewalPlan(
        kind=kind,
        self_built_questions=bool(self_built_questions),
        expires=expires,
        received=received,
        path=path,
        materials=required_materials(kind, bool(self_built_questions)) if on_renewal_path else (),
        decide_by=result.date,
        decision_workdays=n,
        # REN-3: employers are reviewed, not scored; REN-4: the others are scored with CQ-RENEWAL.
        evaluation_form=(
            RENEWAL_FORM_ID if on_renewal_path and kind is not InstitutionKind.EMPLOYER else None
        ),
        provisional=result.provisional,
        unconfirmed_years=unconfirmed,
    )


def summary_zh(p: RenewalPlan) -> str:
    """A readable Chinese summary of a plan (the CLI's output without --json)."""
    lines = [
        f"办理路径:{PATH_LABELS[p.path]}({p.path.value})",
        f"机构类型:{KIND_LABELS[p.kind]}({p.kind.value})"
        + (",使用自建试题资源" if p.self_built_questions else ""),
        f"备案有效期至:{p.expires.isoformat()}",
    ]
    days = p.days_before_expiry
    if days == 0:
        lines.append(f"材料收到日期:{p.received.isoformat()}(当日为备案有效期最后一日)")
    elif days > 0:
        lines.append(f"材料收到日期:{p.received.isoformat()}(距备案有效期届满 {days} 日)")
    else:
        lines.append(f"材料收到日期:{p.received.isoformat()}(备案有效期已届满 {-days} 日)")
    if p.path is RenewalPath.RENEWAL:
        lines.append(f"说明:于备案有效期届满 {MIN_NOTICE_DAYS} 日前提出申请,按延续备案办理。")  # REN-1
        lines.append("所需材料:")
        lines.extend(f"  {MATERIAL_LABELS[m]}({m.value})" for m in p.materials)
        if p.kind is InstitutionKind.EMPLOYER and p.self_built_questions:
            lines.append("  用人单位无需另交(三)(四)项材料")  # REN-2
        if p.kind is InstitutionKind.EMPLOYER:
            lines.append("审核方式:人力社保部门提出审核意见,符合条件的出具延续备案回执")  # REN-3
        else:
            lines.append(
                f"评估表:{p.evaluation_form}(重庆市职业技能等级认定机构延续备案评估表):"
                "80 分及以上延续备案,60–79 分整改,60 分以下不予续期备案"  # REN-4
            )
        deadline_label = "办结期限"
    elif p.path is RenewalPath.NEW_FILING:
        lines.append(
            f"说明:未在备案有效期届满 {MIN_NOTICE_DAYS} 日前提出申请,但在有效期届满前提出,"
            "按新设立评价机构备案受理,所需材料依新备案程序。"  # REN-6
        )
        deadline_label = "答复期限"
    else:
        lines.append("说明:备案有效期届满后提出的延续备案申请不予受理。")  # REN-6
        deadline_label = "答复期限"
    deadline = f"{deadline_label}:{p.decide_by.isoformat()}(收到材料后 {p.decision_workdays} 个工作日内)"
    if p.provisional:
        years = "、".join(str(y) for y in p.unconfirmed_years)
        deadline += f",临时:{years} 年节假日安排尚未确认"  # CAL-3
    lines.append(deadline)
    return "\n".join(lines)


# =========================================================================================================
# The renewal procedure in the product (issue 3 items 5–7): pure rules used by services, pages and the API.
# docs/manual/renewals.md explains them to users; the decisions marked [interpretation] are this project's.
# =========================================================================================================

# [interpretation] Length of a renewed filing period. Seed 004 does not state it; its transitional rule
# (filings expiring by 2024-10-30) matches the first Chongqing filings of late 2020 under
# 渝人社发〔2020〕128号, i.e. a 4-year period. Configurable per authority (RenewalConfig.renewal_years).
DEFAULT_RENEWAL_YEARS = 4
# REN-4 / seed 004 attachment 6: "整改期为6个月".
RECTIFICATION_MONTHS = 6
# [interpretation] REN-6 "暂停工作时间超过备案周期的,延续备案申请可顺延至暂停工作时间结束后": after
# resuming, an institution whose suspension covered its REN-1 deadline may still apply as a renewal
# for this many days.
RESUMPTION_GRACE_DAYS = 30
# Seed 004 attachment 2 (八、工作总结): "字数控制在2000字以内".
SUMMARY_MAX_CHARS = 2000


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day `months` later; the month's last day when it has none (民法典 art. 202)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    """Same day `years` later (29 February → 28 February in a common year)."""
    return add_months(day, 12 * years)


def renewed_period(valid_until: dt.date, years: int) -> tuple[dt.date, dt.date]:
    """The renewed period: from the day after the old expiry for `years` years (continuous validity)."""
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 10:
        message = "延续备案年限应为 1–10 年"
        raise ValidationFailed(message, detail={"renewal_years": [message]})
    return valid_until + dt.timedelta(days=1), add_years(valid_until, years)


def rectification_deadline(decided_on: dt.date, months: int = RECTIFICATION_MONTHS) -> dt.date:
    """Last day of the rectification period that starts on the decision day ("即日起…整改期为6个月").

    The start day is not counted (民法典 art. 201), so the period ends on the corresponding day
    `months` later (art. 202): decided 2025-01-15 → rectify through 2025-07-15.
    """
    return add_months(decided_on, months)


def application_path_after_suspension(
    expires: dt.date, received: dt.date, resumed_on: dt.date | None
) -> RenewalPath:
    """REN-1/REN-6 with the suspension clause: the REN-1 deadline moves past a suspension that covered it.

    An institution suspended or rectifying for violations may not apply (the service refuses it); when
    the suspension ended after its last on-time day (expires − 30), it may apply as a renewal within
    RESUMPTION_GRACE_DAYS of resuming, even after expiry [interpretation].
    """
    base = application_path(expires, received)
    if base is RenewalPath.RENEWAL or resumed_on is None:
        return base
    last_on_time = expires - dt.timedelta(days=MIN_NOTICE_DAYS)
    if resumed_on > last_on_time and resumed_on <= received <= resumed_on + dt.timedelta(
        days=RESUMPTION_GRACE_DAYS
    ):
        return RenewalPath.RENEWAL
    return base


# ---------------------------------------------------------------------------------------------------------
# REN-4: outcome of an evaluation


class Outcome(StrEnum):
    """What the authority decides after a CQ-RENEWAL evaluation (REN-4)."""

    RENEW = "renew"  # ≥ 80: renewal with a receipt
    RECTIFY = "rectify"  # 60–80: rectification notice, 6 months, then re-evaluation
    REFUSE = "refuse"  # < 60: not renewed


OUTCOME_LABELS = {
    Outcome.RENEW: "予以延续备案",
    Outcome.RECTIFY: "下发整改通知书,整改后再评估",
    Outcome.REFUSE: "不予续期备案",
}


def outcome_for(band: str, *, re_evaluation: bool) -> Outcome:
    """REN-4: band of the signed CQ-RENEWAL evaluation → outcome.

    A re-evaluation after rectification renews only when it passes (band `renew`, "经评估合格再进行
    续期备案"); a second `rectify` band is a refusal, not a second rectification.
    """
    try:
        outcome = Outcome(band)
    except ValueError:
        message = f"评估结论“{band}”不是延续备案评估表的结论(renew / rectify / refuse)"
        raise ValidationFailed(message, detail={"evaluation": [message]}) from None
    if re_evaluation and outcome is Outcome.RECTIFY:
        return Outcome.REFUSE
    return outcome


@dataclass(frozen=True)
class Problem:
    """An item of the evaluation that lost points: what the rectification notice lists."""

    item_id: str
    title: str
    group: str
    max: Decimal
    points: Decimal
    note: str = ""

    @property
    def lost(self) -> Decimal:
        return self.max - self.points

    def text(self) -> str:
        """One line of the notice: item, points lost, the evaluators' note."""
        line = f"{self.title}（扣{_fmt(self.lost)}分）"
        return f"{line}：{self.note}" if self.note else line

    def as_json(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "title": self.title,
            "group": self.group,
            "max": _fmt(self.max),
            "points": _fmt(self.points),
            "lost": _fmt(self.lost),
            "note": self.note,
        }


def _fmt(value: Decimal) -> str:
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class FormItem:
    """The parts of a score-form item the notice needs (scorecards.domain.Item reduced to plain data)."""

    id: str
    title: str
    max: Decimal
    kind: str
    group: str = ""


def problems_found(
    items: Sequence[FormItem], points: Mapping[str, Any], notes: Mapping[str, str]
) -> list[Problem]:
    """Items (bonus items excluded) whose points are below their maximum, in form order, with notes."""
    found = []
    for item in items:
        if item.kind == "bonus" or item.id not in points:
            continue
        got = Decimal(str(points[item.id]))
        if got < item.max:
            found.append(
                Problem(item.id, item.title, item.group, item.max, got, (notes.get(item.id) or "").strip())
            )
    return found


# ---------------------------------------------------------------------------------------------------------
# REN-5: the scope of the renewed filing


@dataclass(frozen=True)
class ScopeEntry:
    """One open entry of the filing's scope (认定范围) as the renewal rules see it."""

    id: int
    occupation_code: str
    occupation_name: str
    work_type: str
    levels: tuple[int, ...]
    start_date: dt.date | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.occupation_code, self.work_type)

    def label(self) -> str:
        return f"{self.occupation_name}({self.work_type})" if self.work_type else self.occupation_name


class ScopeAction(StrEnum):
    KEEP = "keep"  # renewed as filed
    NARROW = "narrow"  # renewed with fewer levels (the institution asked for fewer)
    DROP = "drop"  # not renewed


class DropReason(StrEnum):
    NO_ACTIVITY = "no_activity"  # REN-5: no evaluation of this occupation (work type) during the period
    NOT_REQUESTED = "not_requested"  # the institution did not apply to renew it


DROP_REASON_LABELS = {
    DropReason.NO_ACTIVITY: "备案有效期内未开展认定",
    DropReason.NOT_REQUESTED: "机构未申请续期",
}


@dataclass(frozen=True)
class ScopeChange:
    """What happens to one scope entry at renewal."""

    entry: ScopeEntry
    action: ScopeAction
    levels: tuple[int, ...]  # levels renewed (empty when dropped)
    reason: DropReason | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "scope_id": self.entry.id,
            "occupation_code": self.entry.occupation_code,
            "occupation_name": self.entry.occupation_name,
            "work_type": self.entry.work_type,
            "levels": list(self.entry.levels),
            "action": self.action.value,
            "renewed_levels": list(self.levels),
            "reason": self.reason.value if self.reason else "",
        }


def _sorted_levels(levels: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(levels), reverse=True))


def find_entry(original: Sequence[ScopeEntry], occupation_code: str, work_type: str) -> ScopeEntry | None:
    return next((e for e in original if e.key == (occupation_code, work_type)), None)


def check_requested_scope(requested: Sequence[Mapping[str, Any]], original: Sequence[ScopeEntry]) -> None:
    """REN-5: every requested row lies inside an open scope entry (same occupation and work type, a
    subset of its levels), once; no new occupation, work type or level. ValidationFailed otherwise."""
    errors: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for i, row in enumerate(requested):
        code, work_type = str(row.get("occupation_code", "")), str(row.get("work_type", ""))
        label = f"{row.get('occupation_name') or code}{f'({work_type})' if work_type else ''}"
        entry = find_entry(original, code, work_type)
        if entry is None:
            errors[f"scope.{i}.occupation_code"] = [
                f"{label} 不在原备案认定范围内:续期备案只限原有认定范围,不得新增职业(工种)"  # REN-5
            ]
            continue
        if (code, work_type) in seen:
            errors[f"scope.{i}.occupation_code"] = [f"{label} 重复填写"]
            continue
        seen.add((code, work_type))
        extra = sorted(set(row.get("levels") or ()) - set(entry.levels), reverse=True)
        if extra:
            names = "、".join(LEVEL_LABELS.get(level, str(level)) for level in extra)
            errors[f"scope.{i}.levels"] = [
                f"{label} 的等级 {names} 不在原备案认定范围内,不得新增等级"
            ]  # REN-5
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)


def renewal_scope(
    original: Sequence[ScopeEntry],
    requested: Sequence[Mapping[str, Any]],
    active: Iterable[tuple[str, str]],
) -> list[ScopeChange]:
    """REN-5: the renewed scope = the requested part of the original scope minus the occupations (work
    types) with no evaluation during the period.

    `active` holds (occupation code, work type) of the period's batches. An entry for a whole occupation
    (work type "") is active when any batch of that occupation was held; an entry for a work type only
    when a batch of that work type was. Levels are not dropped for inactivity: the seed drops
    "职业(工种)", not levels. Entries are returned in the order of `original`.
    """
    active_pairs = set(active)
    active_codes = {code for code, _ in active_pairs}
    wanted = {
        (str(r.get("occupation_code", "")), str(r.get("work_type", ""))): _sorted_levels(
            r.get("levels") or ()
        )
        for r in requested
    }
    changes = []
    for entry in original:
        is_active = (
            entry.occupation_code in active_codes if entry.work_type == "" else entry.key in active_pairs
        )
        levels = tuple(level for level in wanted.get(entry.key, ()) if level in entry.levels)
        if entry.key not in wanted or not levels:
            changes.append(ScopeChange(entry, ScopeAction.DROP, (), DropReason.NOT_REQUESTED))
        elif not is_active:
            changes.append(ScopeChange(entry, ScopeAction.DROP, (), DropReason.NO_ACTIVITY))
        elif set(levels) == set(entry.levels):
            changes.append(ScopeChange(entry, ScopeAction.KEEP, _sorted_levels(entry.levels)))
        else:
            changes.append(ScopeChange(entry, ScopeAction.NARROW, _sorted_levels(levels)))
    return changes


# ---------------------------------------------------------------------------------------------------------
# The renewal form (seed 004 attachment 2: 重庆市职业技能等级认定机构延续备案申报表) as structured data

LEVEL_LABELS = {5: "五级/初级工", 4: "四级/中级工", 3: "三级/高级工", 2: "二级/技师", 1: "一级/高级技师"}


@dataclass(frozen=True)
class FieldSpec:
    """One field of the renewal form. kinds: text, textarea, int, date, bool, choice, levels, id_number."""

    key: str
    label: str
    kind: str = "text"
    required: bool = False
    max_length: int = 200
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""


@dataclass(frozen=True)
class SectionSpec:
    """A section of the form: one object (`table=False`) or a table of rows."""

    key: str
    title: str
    fields: tuple[FieldSpec, ...]
    table: bool = False
    min_rows: int = 0
    max_rows: int = 200
    help: str = ""

    def field(self, key: str) -> FieldSpec:
        return next(f for f in self.fields if f.key == key)


QUESTION_SOURCES = (("city_bank", "市级题库"), ("self_built", "自建试题资源"))
RESOURCE_TYPES = (("bank", "题库"), ("paper", "卷库"))
SUBJECTS = (("theory", "理论"), ("skill", "技能"), ("comprehensive", "综合"))
LEVEL_CHOICES = tuple((str(level), label) for level, label in LEVEL_LABELS.items())

_F = FieldSpec
FORM_SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "basic",
        "单位基本情况",
        (
            _F("name", "单位名称", required=True, max_length=128),
            _F("address", "单位地址", max_length=255),
            _F("registration_authority", "注册登记机构", max_length=128),
            _F("nature", "机构性质", max_length=64),
            _F("uscc", "统一社会信用代码", required=True, max_length=18),
            _F("legal_representative", "法定代表人", required=True, max_length=64),
            _F("legal_representative_title", "法定代表人职务", max_length=64),
            _F("contact_name", "联系人", required=True, max_length=64),
            _F("contact_title", "联系人职务", max_length=64),
            _F("contact_phone", "联系电话", required=True, max_length=32),
            _F("email", "电子邮箱", max_length=128),
        ),
    ),
    SectionSpec(
        "scope",
        "一、续期备案职业技能等级认定的职业(工种)范围",
        (
            _F("occupation_code", "职业编码", required=True, max_length=16),
            _F("occupation_name", "职业名称", max_length=128),
            _F("work_type", "工种名称", max_length=64),
            _F("levels", "认定等级范围", kind="levels", required=True),
            _F("start_date", "认定起始日期", kind="date"),
            _F("certified_count", "已认定人数(人)", kind="int"),
        ),
        table=True,
        min_rows=1,
        # REN-5
        help="续期备案只限原有认定范围,不得新增职业(工种)或等级;备案有效期内未开展认定的职业(工种)不列入续期备案范围。",
    ),
    SectionSpec(
        "rules",
        "二、本机构文件、规章制度清单",
        (
            _F("name", "名称", required=True, max_length=200),
            _F("made_on", "制定时间", kind="date"),
            _F("issuer_and_number", "发文部门及文号", max_length=200),
        ),
        table=True,
    ),
    SectionSpec(
        "strengths",
        "三、具备的组织和专业优势",
        (
            _F("organisation", "组织优势", kind="textarea", max_length=2000),
            _F("professional", "专业优势", kind="textarea", max_length=2000),
        ),
    ),
    SectionSpec(
        "sites",
        "四、场地设施设备等情况",
        (
            _F("workplace", "工作场所的地点、面积、数量、权属", kind="textarea", max_length=2000),
            _F("theory_rooms", "理论知识考场的地点、面积、数量、权属", kind="textarea", max_length=2000),
            _F(
                "practical_sites",
                "操作技能考核场所(分职业描述)地点、面积、数量、权属",
                "textarea",
                False,
                4000,
            ),
            _F("video_monitoring", "视频监控设备配置情况(含数量及覆盖情况)", "textarea", False, 2000),
        ),
    ),
    SectionSpec(
        "equipment",
        "四、(二)设施设备情况",
        (
            _F("name", "名称", required=True, max_length=128),
            _F("model", "规格/型号", max_length=128),
            _F("quantity", "数量", kind="int"),
            _F("ownership", "权属", max_length=64),
            _F("occupations", "对应认定职业(工种)及等级", max_length=200),
            _F("location", "设备存放地", max_length=200),
        ),
        table=True,
    ),
    SectionSpec(
        "managers",
        "五、(一)管理人员情况",
        (
            _F("name", "姓名", required=True, max_length=64),
            _F("id_number", "身份证号", kind="id_number"),
            _F("title", "职称/职务", max_length=64),
            _F("education", "学历", max_length=32),
            _F("post", "工作岗位", required=True, max_length=64),
            _F("own_staff", "是否本单位人员", kind="bool"),
        ),
        table=True,
        help="机构负责人、财务管理、设施设备管理、档案管理、考评人员、内部质量督导、命题与评价规范开发技术专家、"
        "考务管理、试题管理、证书管理员等。非本机构人员应另附聘用协议。",
    ),
    SectionSpec(
        "examiners",
        "五、(二)考评人员情况",
        (
            _F("name", "姓名", required=True, max_length=64),
            _F("id_number", "身份证号", kind="id_number"),
            _F("certificate_no", "考评员证书号", max_length=64),
            _F("occupation", "考评职业", max_length=128),
            _F("employer", "工作单位", max_length=128),
            _F("phone", "联系电话", max_length=32),
        ),
        table=True,
    ),
    SectionSpec(
        "internal_supervisors",
        "五、(三)内部督导人员情况",
        (
            _F("name", "姓名", required=True, max_length=64),
            _F("id_number", "身份证号", kind="id_number"),
            _F("title", "职称/职务/技能等级", max_length=64),
            _F("education", "学历", max_length=32),
            _F("own_staff", "是否本单位职工", kind="bool"),
        ),
        table=True,
    ),
    SectionSpec(
        "question_resources",
        "六、职业技能等级认定试题资源基本信息",
        (
            _F("occupation_name", "职业名称", required=True, max_length=128),
            _F("occupation_code", "职业编号", max_length=16),
            _F("work_type", "工种/职业方向", max_length=64),
            _F("level", "级别", kind="choice", choices=LEVEL_CHOICES),
            _F("source", "试题资源来源", kind="choice", required=True, choices=QUESTION_SOURCES),
            _F("resource_type", "试题资源类型", kind="choice", choices=RESOURCE_TYPES),
            _F("subject", "科目", kind="choice", choices=SUBJECTS),
            _F("quantity", "题量(题数/套数)", max_length=64),
        ),
        table=True,
        help="试题资源来源为市级题库的,不填写试题资源类型、科目、题量。使用自建试题资源的,须另交试题资源编制说明和"
        "专家评审意见表。",  # REN-2
    ),
    SectionSpec(
        "summary",
        "八、工作总结",
        (
            _F(
                "text",
                "工作总结",
                kind="textarea",
                required=True,
                max_length=SUMMARY_MAX_CHARS * 3,
                help="制度建设、机构管理、题库建设、考核组织、质量管控、数据报送、社会监督、收费监管、档案管理、"
                "评价服务及社会效益等方面的工作情况和下一步工作打算,2000 字以内。",
            ),
        ),
    ),
    SectionSpec(
        "commitment",
        "九、诚信及评价质量承诺",
        (
            _F("accepted", "本单位已阅读并郑重作出诚信及评价质量承诺", kind="bool", required=True),
            _F("legal_representative", "法定代表人(签字)", required=True, max_length=64),
        ),
    ),
)
SECTIONS_BY_KEY = {s.key: s for s in FORM_SECTIONS}

# SEC-3: the tables listing people; their ID numbers and phones are stored encrypted, shown masked
# (key → (characters kept at the start, at the end)).
PERSONAL_SECTIONS = ("managers", "examiners", "internal_supervisors")
PERSONAL_KEYS = {"id_number": (6, 4), "phone": (3, 4)}

COMMITMENT_TEXT = (
    "一、在申报职业技能等级认定机构备案中提交的有关材料均合法、真实、有效。如有不实之处,愿承担相应法律责任和由此产生的"
    "一切后果并自愿退出申报。",
    "二、严格按照申报职业的国家职业技能标准和重庆市职业技能等级认定题库建设技术规程及职业技能等级认定试题资源命制要求"
    "命题组卷,形成试题资源。如因本单位提供的试题资源侵犯了第三方权益,由此产生第三方对重庆市职业技能鉴定指导中心的权利"
    "诉求导致的损失由本单位承担。",
    "三、在技能人才认定工作中,自觉遵守国家法律法规,执行技能人才评价相关规定,加强机构建设,配齐配强人员,建立健全制度,"
    "配备相应设备设施,严格考生资格审查,按要求组织实施职业技能等级认定,保证认定工作公平公正,不断提升评价质量和公信力。"
    "凡有违反相关规定的,从事发之日起,在5个工作日内提交经单位法定代表人签字并加盖公章的工作整改报告,配合调查接受相应"
    "处理。逾期未提交工作整改报告或不配合调查接受处理,我单位自愿接受暂停开展认定工作或终止备案等相应处理。",
)

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_RE = re.compile(r"^[0-9+()\-\s转]{5,32}$")
_TRUE = {"1", "true", "on", "yes", "是", "y"}
_FALSE = {"", "0", "false", "off", "no", "否", "n"}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _clean_value(spec: FieldSpec, value: Any) -> tuple[Any, str | None]:
    """(cleaned value, Chinese error or None) for one field."""
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value, None
        text = "" if value is None else str(value).strip().lower()
        if text in _TRUE:
            return True, None
        if text in _FALSE:
            return False, None
        return None, f"{spec.label}应为“是”或“否”"
    if spec.kind == "levels":
        raw = value if isinstance(value, list | tuple) else str(value or "").replace("、", ",").split(",")
        levels = []
        for item in raw:
            text = str(item).strip()
            if not text:
                continue
            if isinstance(item, bool) or not text.isdigit() or int(text) not in LEVEL_LABELS:
                return None, f"{spec.label}中的等级“{text}”无效,只能是 1–5"
            levels.append(int(text))
        if len(set(levels)) != len(levels):
            return None, f"{spec.label}有重复的等级"
        return sorted(levels, reverse=True), None
    if spec.kind == "int":
        if isinstance(value, bool):
            return None, f"{spec.label}应为整数"
        try:
            number = int(str(value).strip())
        except ValueError:
            return None, f"{spec.label}应为整数"
        if number < 0:
            return None, f"{spec.label}不能为负数"
        return number, None
    text = str(value).strip()
    if spec.kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat(), None
        except ValueError:
            return None, f"{spec.label}应为 YYYY-MM-DD 格式的日期"
    if spec.kind == "choice":
        keys = [k for k, _ in spec.choices]
        if text not in keys:
            return None, f"{spec.label}“{text}”无效,应为 " + "、".join(label for _, label in spec.choices)
        return text, None
    if spec.kind == "id_number":
        try:
            return parse_resident_id(text).number, None
        except ValidationFailed as exc:
            return None, exc.message
    if len(text) > spec.max_length:
        return None, f"{spec.label}不能超过 {spec.max_length} 个字"
    return text, None


def _clean_object(section: SectionSpec, data: Any, prefix: str, errors: dict[str, list[str]]) -> dict:
    data = data if isinstance(data, Mapping) else {}
    clean: dict[str, Any] = {}
    for spec in section.fields:
        value = data.get(spec.key)
        if _blank(value):
            if spec.required and spec.kind != "bool":
                errors[f"{prefix}{spec.key}"] = [f"请填写{spec.label}"]
            clean[spec.key] = False if spec.kind == "bool" else ([] if spec.kind == "levels" else "")
            continue
        cleaned, error = _clean_value(spec, value)
        if error:
            errors[f"{prefix}{spec.key}"] = [error]
        elif spec.kind == "levels" and spec.required and not cleaned:
            errors[f"{prefix}{spec.key}"] = [f"请选择{spec.label}"]
        else:
            clean[spec.key] = cleaned
    return clean


def validate_materials(data: Any) -> dict[str, Any]:
    """The renewal form (seed 004 attachment 2) cleaned: every section present, blank table rows dropped.

    Raises ValidationFailed whose detail keys are `section.field` or `section.row.field` (row = the
    index among the submitted rows) with Chinese messages. Resident ID numbers are validated (python-
    stdnum) and returned in full: the service encrypts and masks them before anything is stored.
    """
    data = data if isinstance(data, Mapping) else {}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for section in FORM_SECTIONS:
        raw = data.get(section.key)
        if not section.table:
            clean[section.key] = _clean_object(section, raw, f"{section.key}.", errors)
            continue
        rows = raw if isinstance(raw, list | tuple) else []
        if raw is not None and not isinstance(raw, list | tuple):
            errors[section.key] = [f"{section.title}格式不正确,应为行的列表"]
        kept = []
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping):
                errors[f"{section.key}.{i}"] = [f"{section.title}第 {i + 1} 行格式不正确"]
                continue
            if all(_blank(row.get(spec.key)) or row.get(spec.key) is False for spec in section.fields):
                continue  # an empty row of the page's table
            kept.append(_clean_object(section, row, f"{section.key}.{i}.", errors))
        if len(kept) < section.min_rows:
            errors.setdefault(section.key, []).append(f"{section.title}至少填写 {section.min_rows} 行")
        if len(kept) > section.max_rows:
            errors.setdefault(section.key, []).append(f"{section.title}最多 {section.max_rows} 行")
        clean[section.key] = kept
    summary = clean["summary"].get("text", "")
    if len("".join(summary.split())) > SUMMARY_MAX_CHARS:
        errors["summary.text"] = [f"工作总结应在 {SUMMARY_MAX_CHARS} 字以内"]
    basic = clean["basic"]
    if basic.get("contact_phone") and not _PHONE_RE.match(basic["contact_phone"]):
        errors["basic.contact_phone"] = ["联系电话格式不正确"]
    if basic.get("email") and not _EMAIL_RE.match(basic["email"]):
        errors["basic.email"] = ["电子邮箱格式不正确"]
    if "commitment.accepted" not in errors and not clean["commitment"].get("accepted"):
        errors["commitment.accepted"] = ["请阅读并确认诚信及评价质量承诺"]
    for i, row in enumerate(clean["question_resources"]):
        if row.get("source") == "self_built" and not row.get("resource_type"):
            errors[f"question_resources.{i}.resource_type"] = ["自建试题资源须填写试题资源类型(题库/卷库)"]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(f"延续备案申报表填写有误:{first}", detail=errors)
    return clean


def uses_self_built_questions(materials: Mapping[str, Any]) -> bool:
    """REN-2: the institution uses self-built question resources (any row of section 六 says so)."""
    return any(row.get("source") == "self_built" for row in materials.get("question_resources") or ())


# ---------------------------------------------------------------------------------------------------------
# Document numbers (延续备案回执 / 整改通知书)

DEFAULT_RECEIPT_PREFIX = "延备回执"
DEFAULT_NOTICE_PREFIX = "延备整改"
DEFAULT_FILING_RECEIPT_PREFIX = "备案回执"


def document_number(prefix: str, year: int, seq: int) -> str:
    """`渝人社延备〔2025〕3号` (GB/T 9704 7.2.4: 六角括号, no leading zeros)."""
    return f"{prefix}〔{year}〕{seq}号"


def next_document_seq(existing: Iterable[str], prefix: str, year: int) -> int:
    """1 + the highest sequence among `existing` numbers of this prefix and year."""
    pattern = re.compile(rf"^{re.escape(prefix)}〔{year}〕(\d+)号$")
    seqs = [int(m.group(1)) for m in (pattern.match(n or "") for n in existing) if m]
    return max(seqs, default=0) + 1


def parse_decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


# ---------------------------------------------------------------------------------------------------------
# New filing applications (新备案申请; REN-6 sends late renewals here) and the renewal's rectification end.


def new_filing_period(approved_on: dt.date, years: int) -> tuple[dt.date, dt.date]:
    """[interpretation] A new filing is valid from its approval day for `years` years (the authority's
    renewal length): approved 2026-12-03 for 4 years → 2026-12-03 … 2030-12-02."""
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 10:
        message = "备案年限应为 1–10 年"
        raise ValidationFailed(message, detail={"renewal_years": [message]})
    return approved_on, add_years(approved_on, years) - dt.timedelta(days=1)


def check_late_renewal(expires: dt.date, today: dt.date) -> None:
    """REN-6: a filing may be re-filed as new only when a renewal is late (fewer than 30 days before its
    expiry) but the filing has not expired yet; on time → apply for renewal; expired → not accepted."""
    path = application_path(expires, today)
    if path is RenewalPath.RENEWAL:
        message = (
            f"备案有效期至 {expires:%Y-%m-%d},距届满尚有 {(expires - today).days} 日,请按延续备案程序申请"
        )
        raise ValidationFailed(message, code="renewal_on_time", detail={"previous_filing": [message]})
    if path is RenewalPath.NOT_ACCEPTED:
        message = f"原备案有效期已于 {expires:%Y-%m-%d} 届满,不能以逾期延续的名义申请,请按新设立评价机构申请"
        raise ValidationFailed(message, code="filing_expired", detail={"previous_filing": [message]})


def renewal_rectification_missed(deadline: dt.date | None, today: dt.date) -> bool:
    """REN-4 / seed 004 attachment 6 "若逾期未整改…终止备案": the deadline day itself is still open; the
    termination procedure may start from the next day."""
    return deadline is not None and today > deadline
