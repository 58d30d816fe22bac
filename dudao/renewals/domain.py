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

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dudao.common.errors import ValidationFailed
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
        """The contract of `dudao renewals plan --json` (issue 3 item 5), in contract order, + provisional."""
        return {
            "path": self.path.value,
            "materials": [m.value for m in self.materials],
            "decide_by": self.decide_by.isoformat(),
            "evaluation_form": self.evaluation_form,
            "provisional": self.provisional,
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
        lines.append(f"说明:于备案有效期届满 {MIN_NOTICE_DAYS} 日前提出申请,按延续备案办理(REN-1)。")
        lines.append("所需材料:")
        lines.extend(f"  {MATERIAL_LABELS[m]}({m.value})" for m in p.materials)
        if p.kind is InstitutionKind.EMPLOYER and p.self_built_questions:
            lines.append("  用人单位无需另交(三)(四)项材料(REN-2)")
        if p.kind is InstitutionKind.EMPLOYER:
            lines.append("审核方式:人力社保部门提出审核意见,符合条件的出具延续备案回执(REN-3)")
        else:
            lines.append(
                f"评估表:{p.evaluation_form}(重庆市职业技能等级认定机构延续备案评估表):"
                "80 分及以上延续备案,60–79 分整改,60 分以下不予续期备案(REN-4)"
            )
        deadline_label = "办结期限"
    elif p.path is RenewalPath.NEW_FILING:
        lines.append(
            f"说明:未在备案有效期届满 {MIN_NOTICE_DAYS} 日前提出申请,但在有效期届满前提出,"
            "按新设立评价机构备案受理,所需材料依新备案程序(REN-6)。"
        )
        deadline_label = "答复期限"
    else:
        lines.append("说明:备案有效期届满后提出的延续备案申请不予受理(REN-6)。")
        deadline_label = "答复期限"
    deadline = f"{deadline_label}:{p.decide_by.isoformat()}(收到材料后 {p.decision_workdays} 个工作日内)"
    if p.provisional:
        years = "、".join(str(y) for y in p.unconfirmed_years)
        deadline += f",临时:{years} 年节假日安排尚未确认(CAL-3)"
    lines.append(deadline)
    return "\n".join(lines)
