"""Pure rules of the supervision lifecycle (no Django): content areas, methods, severities, the rating
form, deadlines, and the shape of the task workflow. The draw engine lives in `dudao.supervision.draw`
(re-exported by `domain.py`); this module holds what the product core adds around it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from dudao.common.errors import ValidationFailed

# ACT-1 (001 art. 12): what a supervision covers; item (2) is split into its named parts so that the
# on-site checklist has one entry per part. Codes are stable identifiers; labels are shown.
CONTENT_AREAS: dict[str, str] = {
    "1": "法律法规、政策执行及质量管理体系建设",
    "2.1": "评价范围",
    "2.2": "职业技能标准(评价规范)及试题(题库)执行",
    "2.3": "参加评价人员的资格条件",
    "2.4": "考场秩序",
    "2.5": "证书管理与发放",
    "2.6": "考评人员、管理人员工作情况",
    "3": "群众举报的违规违纪情况调查核实",
    "4": "重大问题调查研究",
}
# The default on-site checklist of a daily supervision (ACT-2/ACT-3): the evaluation-work parts.
DAILY_CHECKLIST: tuple[str, ...] = ("2.1", "2.2", "2.3", "2.4", "2.5", "2.6")

# SUP-6 (art. 9) powers as methods of finding something, plus ACT-3's data comparison and remote monitoring.
METHODS: dict[str, str] = {
    "monitor": "监督评价活动",
    "inquiry": "询问",
    "documents": "查阅、调阅文件资料",
    "interview": "个别访问",
    "questionnaire": "调查问卷",
    "test": "测试",
    "recheck": "复核",
    "open_visit": "现场调查(明察)",
    "covert_visit": "现场调查(暗访)",
    "data_comparison": "数据比对",
    "remote_monitoring": "远程监控",
}

# Severity of a finding; "none" records a checked content area without a problem (checklist progress).
SEVERITIES: dict[str, str] = {
    "none": "未发现问题",
    "minor": "一般问题",
    "major": "较重问题",
    "serious": "严重问题",
}
PROBLEM_SEVERITIES = ("minor", "major", "serious")

# SUP-10 (art. 17): events that lead to dismissal.
MISCONDUCT_KINDS: dict[str, str] = {
    "undispatched": "未经委派擅自参加督导工作",
    "unjustified_refusal": "无故拒绝参加督导工作",
    "non_performance": "不履行督导职责",
    "bad_influence": "在督导活动中造成不良影响",
}

# Reasons a supervisor may give when declining a dispatch; the authority judges them (SUP-10).
DECLINE_REASON_KINDS: dict[str, str] = {
    "recusal": "需回避",
    "illness": "身体原因",
    "schedule": "时间冲突",
    "other": "其他",
}

# INST-4 (001 art. 18): grounds and penalties.
PENALTY_GROUNDS: dict[str, str] = {
    "refused_documents": "拒绝向质量督导员提供相关情况和文件资料",
    "obstructed_reports": "阻挠有关人员向质量督导员反映情况",
    "refused_improvement": "对督导意见拒不采取改进措施",
    "falsification": "弄虚作假、采取欺骗手段干扰质量督导工作",
    "retaliation": "打击、报复质量督导员",
    "other": "其他影响质量督导工作的行为",
}

# SUP-11: 职业技能鉴定质量督导员评价表 (000, Jinan procedure 4.2.2). The seed names the form but not its
# items. [interpretation] Five items drawn from the duties the seeds list (SUP-6, SUP-7, SUP-8), each
# scored 1 (差) … 5 (优); total out of 25. Kept as data so an authority's own form can replace it.
RATING_ITEMS: dict[str, str] = {
    "punctuality": "按时到达现场,佩戴督导员证卡",
    "duties": "认真履行督导职责,严格执行考场规则",
    "objectivity": "客观公正反映情况,执行回避制度",
    "discipline": "遵守保密和廉洁纪律",
    "conduct": "工作作风和沟通协调",
}
RATING_MIN, RATING_MAX = 1, 5
RATING_BANDS = ((Decimal("0.8"), "满意"), (Decimal("0.6"), "基本满意"), (Decimal("0"), "不满意"))

SPECIAL_MIN_GROUP = 3  # ACT-4: a special supervision group has ≥ 3 supervisors unless a reason is recorded


def check_content_areas(items: Sequence[Any], *, field: str = "items", required: bool = False) -> list[str]:
    """ACT-1 codes, unique, in the canonical order; `required` for special supervision (ACT-4)."""
    if not isinstance(items, list | tuple):
        raise ValidationFailed("督导事项格式不正确", detail={field: ["应为督导内容编号列表"]})
    unknown = [str(i) for i in items if i not in CONTENT_AREAS]
    if unknown:
        message = f"未知的督导内容编号:{'、'.join(unknown)}"
        raise ValidationFailed(message, detail={field: [message]})
    if required and not items:
        message = "专项督导须先明确督导事项"
        raise ValidationFailed(message, detail={field: [message]})
    order = list(CONTENT_AREAS)
    return sorted(set(items), key=order.index)


def check_group(kind: str, group_size: int, reason: str) -> None:
    """ACT-4: a special group has at least three supervisors, or a recorded reason for fewer."""
    if not isinstance(group_size, int) or group_size < 1:
        raise ValidationFailed("督导组人数至少为 1", detail={"group_size": ["督导组人数至少为 1"]})
    if kind == "special" and group_size < SPECIAL_MIN_GROUP and not (reason or "").strip():
        message = "专项督导组原则上由 3 名以上督导员组成;人数不足 3 人须填写理由"
        raise ValidationFailed(message, code="act4_reason", detail={"group_reason": [message]})


def report_due_on(evaluation_end: dt.datetime, days: int) -> dt.date:
    """SUP-7: written feedback within `days` calendar days after the evaluation ends [interpretation:
    calendar days, configurable per authority]. An end at midnight belongs to the previous day."""
    last_moment = evaluation_end - dt.timedelta(microseconds=1)
    return last_moment.date() + dt.timedelta(days=days)


def is_late(submitted_on: dt.date, due_on: dt.date | None) -> bool:
    """Submitted after the due date (the due date itself is on time)."""
    return due_on is not None and submitted_on > due_on


def rating_total(scores: Mapping[str, Any], items: Mapping[str, str] = RATING_ITEMS) -> int:
    """Validate one rating (every item, integer 1–5) and return the total (SUP-11)."""
    if not isinstance(scores, Mapping):
        raise ValidationFailed("评分格式不正确", detail={"scores": ["应为 {项目: 分数}"]})
    errors: dict[str, list[str]] = {}
    for key in items:
        value = scores.get(key)
        if not (isinstance(value, int) and not isinstance(value, bool) and RATING_MIN <= value <= RATING_MAX):
            errors[f"scores.{key}"] = [f"「{items[key]}」须评 {RATING_MIN}–{RATING_MAX} 分"]
    for key in scores:
        if key not in items:
            errors[f"scores.{key}"] = ["评价表中没有此项目"]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], detail=errors)
    return sum(int(scores[key]) for key in items)


def rating_band(total: int, items: Mapping[str, str] = RATING_ITEMS) -> str:
    """满意 ≥ 80 % of the maximum, 基本满意 ≥ 60 %, else 不满意 [interpretation]."""
    share = Decimal(total) / Decimal(len(items) * RATING_MAX)
    for floor, label in RATING_BANDS:
        if share >= floor:
            return label
    return RATING_BANDS[-1][1]  # pragma: no cover


@dataclass(frozen=True)
class SupervisorStats:
    """SUP-9 inputs: what a supervisor's record shows over a period."""

    tasks: int
    reports: int
    reports_on_time: int
    declines: int
    unjustified_declines: int
    ratings: int
    rating_average: Decimal | None
    misconduct: int

    @property
    def on_time_rate(self) -> Decimal | None:
        """Share of submitted reports that met the SUP-7 deadline (None with no report)."""
        if not self.reports:
            return None
        return (Decimal(self.reports_on_time) / Decimal(self.reports)).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_EVEN
        )

    def as_dict(self) -> dict[str, Any]:
        rate = self.on_time_rate
        return {
            "tasks": self.tasks,
            "reports": self.reports,
            "reports_on_time": self.reports_on_time,
            "on_time_rate": None if rate is None else str(rate),
            "declines": self.declines,
            "unjustified_declines": self.unjustified_declines,
            "ratings": self.ratings,
            "rating_average": None if self.rating_average is None else str(self.rating_average),
            "misconduct": self.misconduct,
        }


def sample_size(population: int, count: int | None, ratio: Decimal | None) -> int:
    """Targets a draw will select: the count, ⌈ratio × population⌉, or everyone (the engine's rule)."""
    if count is not None:
        return count
    if ratio is not None:
        return math.ceil(ratio * population)
    return population


def weight_value(value: Any) -> Decimal:
    """A positive risk weight (RAND-1: raised for targets with complaints, violations, abnormal data)."""
    try:
        number = Decimal(str(value))
    except Exception:
        raise ValidationFailed("风险权重须为正数", detail={"risk_weights": ["风险权重须为正数"]}) from None
    if not number.is_finite() or number <= 0 or number > 1000:
        raise ValidationFailed(
            "风险权重须为 0 到 1000 之间的正数", detail={"risk_weights": ["须为 (0, 1000]"]}
        )
    return number


def scenario_weight(base: Decimal, factor: Decimal) -> int | float:
    """The weight written into the scenario: exact JSON number (an int when whole, else ≤ 4 decimals)."""
    value = (base * factor).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
    return int(value) if value == value.to_integral_value() else float(value)
