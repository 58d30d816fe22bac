"""申报条件 (EXAM-15) as data: which route of a level a candidate's facts meet, and what each route lacks.

Rules are per occupation and standard version; the national template (`data/eligibility_default.yaml`) is
the default. `load_rules` lints a rules document (YAML text or the parsed mapping) and reports every
problem in Chinese; `parse_facts` does the same for a candidate's facts; `check` is the pure evaluation.

Facts (the `dudao eligibility check --facts FILE` contract)::

    {"level": 1-5, "work_years": number, "apprenticeship_completed": bool,
     "education": {"kind": "none|tech_school|…|college", "related": bool},
     "certificates": [{"level": 1-5, "related": bool, "preparatory_technician": bool,
                       "work_years_after": number}]}

"Years" are cumulative years in this or a related occupation and bounds are inclusive ("(含)"); a
certificate counts when it is of this or a related occupation, and one of a higher level (a smaller number)
satisfies a requirement for a lower one; a 预备技师 certificate has no level.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_RULES_PATH = Path(__file__).resolve().parent.parent / "data" / "eligibility_default.yaml"
OCCUPATION_RULES_DIR = Path(__file__).resolve().parent.parent / "data" / "eligibility"

LEVEL_NAMES = {5: "五级/初级工", 4: "四级/中级工", 3: "三级/高级工", 2: "二级/技师", 1: "一级/高级技师"}
EDUCATION_NAMES = {
    "none": "无相关学历",
    "tech_school": "技工学校",
    "secondary_vocational": "以中级技能为培养目标的中等及以上职业学校",
    "senior_tech_school": "高级技工学校",
    "technician_college": "技师学院",
    "higher_vocational": "以高级技能为培养目标的高等职业学校",
    "college": "大专及以上",
}
_EDUCATION_CHOICES = "、".join(k for k in EDUCATION_NAMES if k != "none")
CONDITION_KINDS = ("work_years", "apprenticeship_completed", "certificate", "education", "any")


class EligibilityError(ValueError):
    """Malformed facts or rules; `problems` lists every one in Chinese."""

    def __init__(self, what: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{what}有误:" + ";".join(problems))


# ----------------------------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class Certificate:
    level: int | None  # None for a 预备技师 certificate
    related: bool
    preparatory_technician: bool
    work_years_after: float


@dataclass(frozen=True)
class Facts:
    level: int
    work_years: float = 0
    apprenticeship_completed: bool = False
    education_kind: str = "none"
    education_related: bool = False
    certificates: tuple[Certificate, ...] = field(default_factory=tuple)


def _is_number(value: Any) -> bool:
    """A JSON number: not a boolean, and finite (JSON has no NaN or Infinity; Python reads them)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _level(value: Any, where: str, problems: list[str]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        problems.append(f"{where}应为 1 到 5 的整数(5 为五级/初级工,1 为一级/高级技师)")
        return None
    return value


def _years(value: Any, where: str, problems: list[str]) -> float:
    if not _is_number(value) or value < 0:
        problems.append(f"{where}应为不小于 0 的数字(年)")
        return 0
    return float(value)


def _flag(value: Any, where: str, problems: list[str]) -> bool:
    if not isinstance(value, bool):
        problems.append(f"{where}应为 true 或 false")
        return False
    return value


def _unknown_keys(data: Mapping, allowed: tuple[str, ...], where: str, problems: list[str]) -> None:
    for key in data:
        if key not in allowed:
            problems.append(f"{where}含未知字段「{key}」(可用字段:{'、'.join(allowed)})")


_FACT_KEYS = ("level", "work_years", "apprenticeship_completed", "education", "certificates")
_EDUCATION_KEYS = ("kind", "related")
_CERTIFICATE_KEYS = ("level", "related", "preparatory_technician", "work_years_after")


def parse_facts(data: Any) -> Facts:
    """Facts from their JSON form; EligibilityError lists every problem (Chinese)."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise EligibilityError("申报信息", ["应为一个 JSON 对象"])
    _unknown_keys(data, _FACT_KEYS, "申报信息", problems)
    level = _level(data.get("level"), "申报等级 level ", problems) if "level" in data else None
    if "level" not in data:
        problems.append("缺少申报等级 level(1 到 5)")
    work_years = _years(data.get("work_years", 0), "累计工作年限 work_years ", problems)
    apprenticeship = _flag(
        data.get("apprenticeship_completed", False), "学徒期满 apprenticeship_completed ", problems
    )
    education = data.get("education")
    kind, related = "none", False
    if education is not None:
        if not isinstance(education, Mapping):
            problems.append('学历 education 应为对象,如 {"kind": "tech_school", "related": true}')
        else:
            _unknown_keys(education, _EDUCATION_KEYS, "学历 education ", problems)
            kind = education.get("kind", "none")
            if kind not in EDUCATION_NAMES:
                problems.append(
                    f"学历类别 education.kind「{kind}」无效,应为 {'、'.join(EDUCATION_NAMES)} 之一"
                )
                kind = "none"
            related = _flag(education.get("related", False), "学历 education.related ", problems)
    certificates: list[Certificate] = []
    raw_certificates = data.get("certificates", [])
    if not isinstance(raw_certificates, list):
        problems.append("证书 certificates 应为列表")
        raw_certificates = []
    for index, item in enumerate(raw_certificates, start=1):
        where = f"第 {index} 个证书"
        if not isinstance(item, Mapping):
            problems.append(f"{where}应为对象")
            continue
        _unknown_keys(item, _CERTIFICATE_KEYS, where, problems)
        preparatory = _flag(
            item.get("preparatory_technician", False), f"{where} preparatory_technician ", problems
        )
        cert_level = None
        if not preparatory:  # a 预备技师 certificate's level is ignored
            if "level" not in item:
                problems.append(f"{where}缺少等级 level")
            else:
                cert_level = _level(item["level"], f"{where}等级 level ", problems)
        certificates.append(
            Certificate(
                level=cert_level,
                related=_flag(item.get("related", False), f"{where} related ", problems),
                preparatory_technician=preparatory,
                work_years_after=_years(
                    item.get("work_years_after", 0), f"{where}取证后工作年限 work_years_after ", problems
                ),
            )
        )
    if problems or level is None:
        raise EligibilityError("申报信息", problems)
    return Facts(level, work_years, apprenticeship, kind, related, tuple(certificates))


# ----------------------------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Route:
    route: str
    conditions: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Rules:
    standard: str
    levels: Mapping[int, tuple[Route, ...]]


def _lint_condition(condition: Any, where: str, problems: list[str]) -> None:
    if not isinstance(condition, Mapping) or len(condition) != 1:
        problems.append(f"{where}应为只含一个键的对象({'、'.join(CONDITION_KINDS)})")
        return
    ((kind, value),) = condition.items()
    if kind == "work_years":
        if not _is_number(value) or value < 0:
            problems.append(f"{where} work_years 应为不小于 0 的数字")
    elif kind == "apprenticeship_completed":
        if value is not True:
            problems.append(f"{where} apprenticeship_completed 只能为 true")
    elif kind == "certificate":
        if not isinstance(value, Mapping):
            problems.append(f"{where} certificate 应为对象")
            return
        _unknown_keys(
            value, ("level", "years_after", "preparatory_technician"), f"{where} certificate ", problems
        )
        preparatory = value.get("preparatory_technician", False)
        if preparatory is True:
            if "level" in value:
                problems.append(f"{where}预备技师证书没有等级,不应填写 level")
        elif "level" not in value:
            problems.append(f"{where} certificate 缺少 level(或 preparatory_technician: true)")
        else:
            _level(value["level"], f"{where} certificate.level ", problems)
        if "years_after" in value and (not _is_number(value["years_after"]) or value["years_after"] < 0):
            problems.append(f"{where} certificate.years_after 应为不小于 0 的数字")
    elif kind == "education":
        if not isinstance(value, Mapping):
            problems.append(f"{where} education 应为对象")
            return
        _unknown_keys(value, ("kinds", "related"), f"{where} education ", problems)
        kinds = value.get("kinds")
        if (
            not isinstance(kinds, list)
            or not kinds
            or any(k not in EDUCATION_NAMES or k == "none" for k in kinds)
        ):
            problems.append(f"{where} education.kinds 应为非空列表,取值为 {_EDUCATION_CHOICES}")
        if not isinstance(value.get("related"), bool):
            problems.append(f"{where} education.related 应为 true 或 false(是否要求本专业或相关专业)")
    elif kind == "any":
        if not isinstance(value, list) or len(value) < 2:
            problems.append(f"{where} any 应为至少两个条件的列表")
            return
        for index, inner in enumerate(value, start=1):
            _lint_condition(inner, f"{where} any 第 {index} 项", problems)
    else:
        problems.append(f"{where}的条件「{kind}」未知(可用:{'、'.join(CONDITION_KINDS)})")


def load_rules(source: str | Mapping[str, Any]) -> Rules:
    """Lint and load a rules document (YAML text or its parsed form); EligibilityError lists every problem."""
    problems: list[str] = []
    if isinstance(source, str):
        try:
            data = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f"第 {mark.line + 1} 行" if mark is not None else ""
            raise EligibilityError("申报条件规则", [f"不是有效的 YAML{at}"]) from None
    else:
        data = source
    if not isinstance(data, Mapping):
        raise EligibilityError("申报条件规则", ["应为含 standard 与 levels 的对象"])
    _unknown_keys(data, ("standard", "levels"), "规则", problems)
    standard = data.get("standard")
    if not isinstance(standard, str) or not standard.strip():
        problems.append("缺少 standard(规则依据的标准名称与版本)")
    levels_data = data.get("levels")
    levels: dict[int, tuple[Route, ...]] = {}
    if not isinstance(levels_data, Mapping) or not levels_data:
        problems.append("缺少 levels(各等级的申报条件)")
        levels_data = {}
    seen: set[str] = set()
    for raw_level, routes in levels_data.items():
        level = _level(raw_level, f"等级「{raw_level}」", problems)
        if not isinstance(routes, list) or not routes:
            problems.append(f"等级 {raw_level} 应列出至少一条申报路径")
            continue
        parsed = []
        for index, route in enumerate(routes, start=1):
            where = f"等级 {raw_level} 第 {index} 条路径"
            if not isinstance(route, Mapping):
                problems.append(f"{where}应为对象")
                continue
            _unknown_keys(route, ("route", "all"), where, problems)
            name = route.get("route")
            if not isinstance(name, str) or not name.strip():
                problems.append(f"{where}缺少路径编号 route")
                name = f"?{index}"
            elif name in seen:
                problems.append(f"路径编号「{name}」重复")
            seen.add(name)
            conditions = route.get("all")
            if not isinstance(conditions, list) or not conditions:
                problems.append(f"{where}({name})应在 all 中列出至少一个条件")
                continue
            for number, condition in enumerate(conditions, start=1):
                _lint_condition(condition, f"{where}({name})第 {number} 个条件", problems)
            parsed.append(Route(name, tuple(conditions)))
        if level is not None:
            levels[level] = tuple(parsed)
    if problems:
        raise EligibilityError("申报条件规则", problems)
    return Rules(standard.strip(), levels)


RULE_SHEET_COLUMNS = ("标准", "等级", "路径", "条件")


def rules_from_rows(rows: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """The rules document of a spreadsheet: one condition per row (等级, 路径, 条件 written as in the YAML,
    e.g. `work_years: 6` or `certificate: {level: 5, years_after: 4}`), rows of one route together; the
    标准 column is read from the first row that fills it. EligibilityError names the Excel row of each
    problem."""
    problems: list[str] = []
    standard = ""
    levels: dict[int, list[dict[str, Any]]] = {}
    routes: dict[tuple[int, str], dict[str, Any]] = {}
    for number, row in rows:
        standard = standard or str(row.get("标准") or "").strip()
        raw_level = row.get("等级")
        if isinstance(raw_level, str) and raw_level.strip().isdigit():
            raw_level = int(raw_level)  # a spreadsheet cell read as text
        level = _level(raw_level, f"第 {number} 行「等级」", problems)
        route = str(row.get("路径") or "").strip()
        text = str(row.get("条件") or "").strip()
        if not route:
            problems.append(f"第 {number} 行缺少「路径」")
        if not text:
            problems.append(f"第 {number} 行缺少「条件」")
            continue
        try:
            condition = yaml.safe_load(text)
        except yaml.YAMLError:
            problems.append(f"第 {number} 行「条件」写法有误:{text[:60]}")
            continue
        before = len(problems)
        _lint_condition(condition, f"第 {number} 行的条件", problems)
        if level is None or not route or len(problems) > before:
            continue
        entry = routes.get((level, route))
        if entry is None:
            entry = routes[(level, route)] = {"route": route, "all": []}
            levels.setdefault(level, []).append(entry)
        entry["all"].append(condition)
    if problems:
        raise EligibilityError("申报条件规则表", problems)
    return {"standard": standard, "levels": levels}


@functools.lru_cache(maxsize=64)
def rules_of_text(text: str) -> Rules:
    """`load_rules` of a YAML text, kept per text: every pre-check of an occupation reads the same rules
    (a loaded set's text never changes; an edited file is another text)."""
    return load_rules(text)


def default_rules() -> Rules:
    return rules_of_text(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def rules_for(occupation: str | None) -> Rules:
    """The occupation's own rules when shipped (`data/eligibility/<code>.yaml`), else the template."""
    if occupation:
        path = OCCUPATION_RULES_DIR / f"{occupation}.yaml"
        if path.is_file():
            return rules_of_text(path.read_text(encoding="utf-8"))
    return default_rules()


# ----------------------------------------------------------------------------------------------- check


def _years_text(value: float) -> str:
    return f"{value:g}"


def _education_text(kinds: list[str], related: bool) -> str:
    names = "或".join(EDUCATION_NAMES[k] for k in kinds)
    return f"{names}{'本专业或相关专业' if related else ''}毕业证书(含尚未取得毕业证书的应届毕业生)"


def _missing(condition: Mapping[str, Any], facts: Facts) -> str | None:
    """None when `condition` holds for `facts`, else what is missing (Chinese)."""
    ((kind, value),) = condition.items()
    if kind == "work_years":
        if facts.work_years >= value:  # "(含)": the bound itself is enough
            return None
        now = _years_text(facts.work_years)
        return f"累计从事本职业或相关职业工作 {_years_text(value)} 年(含)以上(现为 {now} 年)"
    if kind == "apprenticeship_completed":
        return None if facts.apprenticeship_completed else "本职业或相关职业学徒期满"
    if kind == "education":
        if facts.education_kind in value["kinds"] and (facts.education_related or not value["related"]):
            return None
        return _education_text(value["kinds"], value["related"])
    if kind == "certificate":
        if value.get("preparatory_technician"):
            held = [c for c in facts.certificates if c.preparatory_technician and c.related]
            name = "本职业或相关职业预备技师证书"
        else:
            required = value["level"]
            held = [
                c
                for c in facts.certificates
                if not c.preparatory_technician and c.related and c.level is not None and c.level <= required
            ]
            name = f"本职业或相关职业{LEVEL_NAMES[required]}(或更高等级)职业资格证书或职业技能等级证书"
        if not held:
            return name
        years = value.get("years_after")
        if years is None:
            return None
        best = max(c.work_years_after for c in held)
        if best >= years:
            return None
        need, now = _years_text(years), _years_text(best)
        return f"取得{name}后累计从事本职业或相关职业工作 {need} 年(含)以上(现为 {now} 年)"
    # any: one of its conditions
    missing = [_missing(inner, facts) for inner in value]
    if any(m is None for m in missing):
        return None
    return "以下之一:" + ";或".join(m for m in missing if m)


def check(facts: Facts, rules: Rules) -> dict[str, Any]:
    """`{"eligible", "route", "routes": [{"route", "met", "missing"}]}` for the facts' level (EXAM-15)."""
    routes = []
    for route in rules.levels.get(facts.level, ()):
        missing = [m for m in (_missing(c, facts) for c in route.conditions) if m is not None]
        routes.append({"route": route.route, "met": not missing, "missing": missing})
    met = next((r["route"] for r in routes if r["met"]), None)
    return {"eligible": met is not None, "route": met, "routes": routes}
