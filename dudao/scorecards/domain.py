"""Score forms as data (FORM-A, FORM-B, REN-4): parse and lint YAML definitions, score answers.

Pure rules, no Django. All arithmetic is ``Decimal`` (10 − 3 × 0.6 is exactly 8.2): YAML numbers are
read as exact decimals, never through binary floats.

A form has sections; a section has items of three kinds:

- ``choice``: the answer is one of ``full`` / ``partial`` / ``none``, each worth fixed points;
- ``deduction``: the item starts at its max and loses ``points × count`` per rule; never below 0
  (扣完为止). One rule → the answer is an integer count; several → a list of counts in rule order;
- ``bonus``: ``true`` / ``false`` → ``points`` or 0. Bonus items live only in ``bonus: true``
  sections, so the ordinary sections still add up to their declared maxima and the bonus is added
  on top of them.

Total = min(cap, Σ items) (bonus included). Bands are half-open ``[min, max)`` except the top band,
which includes the cap (REN-4 [interpretation]: fractional scores, half-open bands).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from dudao.common.errors import NotFound, ValidationFailed

FORMS_DIR = Path(__file__).resolve().parent / "forms"

ZERO = Decimal(0)
CENT = Decimal("0.01")
CHOICE_KEYS = ("full", "partial", "none")
CHOICE_DEFAULT_LABELS = {"full": "完全符合", "partial": "部分符合", "none": "不符合"}
KINDS = ("choice", "deduction", "bonus")

_FORM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_ITEM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

# Compiled item kinds (see ScoreForm._plan).
_K_CHOICE, _K_BONUS, _K_DEDUCT_ONE, _K_DEDUCT_MANY = range(4)


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Choice:
    """One choice of a choice item: key (full/partial/none), points, Chinese label."""

    key: str
    points: Decimal
    label_zh: str


@dataclass(frozen=True)
class DeductionRule:
    """Points lost per occurrence. ``max_count`` is the number of cases the form lists (a hint for the
    filling page's counter); a larger count is still a valid answer and the item floors at 0 (扣完为止)."""

    label_zh: str
    points: Decimal
    max_count: int | None = None


@dataclass(frozen=True)
class Item:
    """One scored line of a form. ``max`` of a bonus item is its points."""

    id: str
    title: str
    kind: str
    max: Decimal
    choices: tuple[Choice, ...] = ()
    rules: tuple[DeductionRule, ...] = ()
    group: str = ""
    method: str = ""
    note: str = ""

    @property
    def points(self) -> Decimal:
        """Points of a bonus item (same as ``max``)."""
        return self.max

    def choice(self, key: str) -> Choice | None:
        return next((c for c in self.choices if c.key == key), None)


@dataclass(frozen=True)
class Section:
    """A titled group of items whose maxima add up to ``max``; ``bonus`` sections add on top."""

    id: str
    title: str
    max: Decimal
    items: tuple[Item, ...]
    bonus: bool = False
    note: str = ""


@dataclass(frozen=True)
class Band:
    """Outcome band ``[min, max)``; the band whose ``max`` is the cap also includes the cap."""

    id: str
    label_zh: str
    min: Decimal
    max: Decimal


@dataclass(frozen=True)
class ScoreForm:
    """A validated score form (评估表) with a per-form scoring plan computed once."""

    id: str
    version: int
    title: str
    cap: Decimal
    bands: tuple[Band, ...]
    sections: tuple[Section, ...]
    source: str = ""
    note: str = ""
    definition: str = field(default="", repr=False, compare=False)  # the YAML text it was read from

    def __post_init__(self) -> None:
        # Scoring runs thousands of times per second (bench): flatten the form once into tuples.
        plan: list[tuple[str, int, Any]] = []
        slices: list[tuple[str, int, int]] = []
        for section in self.sections:
            start = len(plan)
            for item in section.items:
                if item.kind == "choice":
                    plan.append((item.id, _K_CHOICE, {c.key: c.points for c in item.choices}))
                elif item.kind == "bonus":
                    plan.append((item.id, _K_BONUS, item.max))
                elif len(item.rules) == 1:
                    rule = item.rules[0]
                    plan.append((item.id, _K_DEDUCT_ONE, (item.max, rule.points, rule.max_count)))
                else:
                    rules = tuple((r.points, r.max_count) for r in item.rules)
                    plan.append((item.id, _K_DEDUCT_MANY, (item.max, rules)))
            slices.append((section.id, start, len(plan)))
        object.__setattr__(self, "_plan", tuple(plan))
        object.__setattr__(self, "_slices", tuple(slices))
        object.__setattr__(self, "_item_ids", frozenset(p[0] for p in plan))
        object.__setattr__(self, "_item_order", tuple(p[0] for p in plan))
        object.__setattr__(self, "_items_by_id", {i.id: i for s in self.sections for i in s.items})
        object.__setattr__(self, "_bands_desc", tuple(sorted(self.bands, key=lambda b: b.min, reverse=True)))

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for s in self.sections for i in s.items)

    def item(self, item_id: str) -> Item:
        return self._items_by_id[item_id]  # type: ignore[attr-defined]

    @property
    def base_max(self) -> Decimal:
        """Sum of the ordinary (non-bonus) sections' maxima."""
        return sum((s.max for s in self.sections if not s.bonus), ZERO)

    @property
    def bonus_max(self) -> Decimal:
        return sum((s.max for s in self.sections if s.bonus), ZERO)

    def band_for(self, total: Decimal) -> Band:
        """The band containing ``total`` (0 ≤ total ≤ cap; bands cover [0, cap] without gaps)."""
        for band in self._bands_desc:  # type: ignore[attr-defined]
            if total >= band.min:
                return band
        raise ValueError(f"total {total} below every band")


@dataclass(frozen=True)
class ScoreResult:
    """Points per item and section, the capped total and its band."""

    form_id: str
    version: int
    total: Decimal
    band: str
    sections: dict[str, Decimal]
    items: dict[str, Decimal]
    uncapped: Decimal  # Σ items (bonus included) before the cap

    def as_json(self) -> dict[str, Any]:
        """`{"form", "version", "total", "band", "sections", "items"}`, numbers rounded to 2 decimals."""
        return {
            "form": self.form_id,
            "version": self.version,
            "total": json_number(self.total),
            "band": self.band,
            "sections": {k: json_number(v) for k, v in self.sections.items()},
            "items": {k: json_number(v) for k, v in self.items.items()},
        }


def json_number(value: Decimal) -> int | float:
    """Round to 2 decimals (half up); whole numbers as int (96), others as the shortest float (8.2)."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return int(rounded)
    return float(rounded)


def fmt(value: Decimal | int) -> str:
    """Decimal without exponent or trailing zeros: 100, 0.25, 8.2."""
    text = format(Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class LintError:
    """One problem in a form definition, located by a path such as ``sections[2].items[3]``."""

    path: str
    message: str  # English, precise: "choice 'full' (6) exceeds item max 5"
    message_zh: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" + (f" / {self.message_zh}" if self.message_zh else "")


class FormInvalid(ValidationFailed):
    """A form definition failed the linter; ``errors`` lists every problem."""

    code = "invalid_form"
    default_message = "评估表定义有误"

    def __init__(self, errors: list[LintError]):
        self.errors = errors
        detail: dict[str, list[str]] = {}
        for e in errors:
            detail.setdefault(e.path, []).append(e.message_zh or e.message)
        first = errors[0] if errors else None
        message = f"评估表定义有误:{first}" if first else None
        super().__init__(message, detail=detail)


class AnswersInvalid(ValidationFailed):
    """Answers do not fit the form; ``problems`` lists (item id, Chinese message naming the item)."""

    code = "invalid_answers"
    default_message = "评估答案有误"

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        detail: dict[str, list[str]] = {}
        for key, msg in problems:
            detail.setdefault(key, []).append(msg)
        message = problems[0][1] if problems else None
        if len(problems) > 1:
            message = f"{message}(共 {len(problems)} 处错误)"
        super().__init__(message, detail=detail)


# --------------------------------------------------------------------------- YAML reading

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SPECIAL_FLOATS = {".inf": "Infinity", "+.inf": "Infinity", "-.inf": "-Infinity", ".nan": "NaN"}


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML loader: floats become exact Decimals and a repeated mapping key is an error."""

    def construct_mapping(self, node, deep=False):
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = self.construct_object(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_decimal(loader, node):
    text = loader.construct_scalar(node).replace("_", "")
    return Decimal(_SPECIAL_FLOATS.get(text.lower(), text))


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def _read_yaml(text: str) -> tuple[Any, list[LintError]]:
    try:
        return yaml.load(text, Loader=_Loader), []  # noqa: S506 - _Loader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark else "yaml"
        problem = exc.problem or str(exc)
        return None, [LintError(where, f"YAML: {problem}", f"YAML 格式错误:{problem}")]
    except (yaml.YAMLError, InvalidOperation) as exc:
        return None, [LintError("yaml", f"YAML: {exc}", "YAML 格式错误")]


# --------------------------------------------------------------------------- linter / builder


class _Builder:
    """Walks a raw YAML document, records every problem with its path, builds the form if clean."""

    def __init__(self) -> None:
        self.errors: list[LintError] = []

    def err(self, path: str, en: str, zh: str) -> None:
        self.errors.append(LintError(path, en, zh))

    # -- field helpers
    def fields(self, obj: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...]) -> bool:
        if not isinstance(obj, dict):
            self.err(path, "must be a mapping", "应为键值对(映射)")
            return False
        for name in required:
            if name not in obj or obj[name] is None:
                self.err(path, f"missing field '{name}'", f"缺少字段 {name}")
        for name in obj:
            if name not in required and name not in optional:
                self.err(path, f"unknown field '{name}'", f"未知字段 {name}")
        return True

    def text(self, obj: dict, name: str, path: str, *, required: bool = True) -> str:
        value = obj.get(name)
        if value is None:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.err(path, f"'{name}' must be a non-empty string", f"{name} 应为非空文字")
            return ""
        return value.strip()

    def ident(self, obj: dict, path: str, pattern: re.Pattern[str]) -> str:
        value = obj.get("id")
        if value is None:
            return ""
        if not isinstance(value, str):
            self.err(
                path,
                f"id {value!s} must be a string (quote it: '{value!s}')",
                f"编号 {value!s} 应为字符串(请加引号:'{value!s}')",
            )
            return ""
        if not pattern.match(value):
            self.err(path, f"invalid id {value!r}", f"编号 {value!r} 不合法(只能用字母、数字、. _ -)")
            return ""
        return value

    def number(self, value: Any, path: str, name: str, *, positive: bool = False) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.err(path, f"'{name}' must be a number", f"{name} 应为数值")
            return None
        number = Decimal(value)
        if not number.is_finite():
            self.err(path, f"'{name}' must be a finite number", f"{name} 应为有限数值")
            return None
        if number < 0:
            self.err(path, f"negative points: '{name}' is {fmt(number)}", f"{name} 不能为负数({fmt(number)})")
            return None
        if positive and number == 0:
            self.err(path, f"'{name}' must be positive", f"{name} 必须大于 0")
            return None
        if (number * 100) % 1:
            self.err(
                path,
                f"'{name}' {fmt(number)} has more than 2 decimal places",
                f"{name} {fmt(number)} 最多两位小数",
            )
            return None
        return number

    def integer(self, value: Any, path: str, name: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.err(path, f"'{name}' must be a positive integer", f"{name} 应为正整数")
            return None
        return value

    # -- document
    def form(self, doc: Any, definition: str) -> ScoreForm | None:
        if not self.fields(
            doc, "form", ("id", "version", "title", "cap", "bands", "sections"), ("source", "note")
        ):
            return None
        form_id = self.ident(doc, "id", _FORM_ID)
        version = self.integer(doc.get("version"), "version", "version")
        title = self.text(doc, "title", "title")
        source = self.text(doc, "source", "source", required=False)
        note = self.text(doc, "note", "note", required=False)
        cap = self.number(doc.get("cap"), "cap", "cap", positive=True)

        sections: list[Section] = []
        raw_sections = doc.get("sections")
        if raw_sections is not None and (not isinstance(raw_sections, list) or not raw_sections):
            self.err("sections", "must be a non-empty list", "应为非空列表")
        elif raw_sections:
            section_ids: dict[str, str] = {}
            item_ids: dict[str, str] = {}
            for s_index, raw_section in enumerate(raw_sections):
                section = self.section(raw_section, f"sections[{s_index}]", section_ids, item_ids)
                if section is not None:
                    sections.append(section)
            if len(sections) == len(raw_sections) and all(s.bonus for s in sections):
                self.err("sections", "no ordinary (non-bonus) section", "没有计入基本分的分区")

        base = sum((s.max for s in sections if not s.bonus), ZERO)
        if cap is not None and len(sections) == len(raw_sections or ()) and base > cap:
            self.err(
                "cap",
                f"sum of non-bonus section maxima ({fmt(base)}) exceeds cap {fmt(cap)}",
                f"基本分区满分合计 {fmt(base)} 超过封顶分 {fmt(cap)}",
            )
        bands = self.bands(doc.get("bands"), cap)

        if self.errors:
            return None
        return ScoreForm(
            id=form_id,
            version=version,  # type: ignore[arg-type]
            title=title,
            cap=cap,  # type: ignore[arg-type]
            bands=tuple(bands),
            sections=tuple(sections),
            source=source,
            note=note,
            definition=definition,
        )

    def section(
        self, raw: Any, path: str, section_ids: dict[str, str], item_ids: dict[str, str]
    ) -> Section | None:
        errors_before = len(self.errors)
        if not self.fields(raw, path, ("id", "title", "max", "items"), ("bonus", "note")):
            return None
        section_id = self.ident(raw, path, _ITEM_ID)
        if section_id:
            if section_id in section_ids:
                self.err(
                    path,
                    f"duplicate section id '{section_id}' (first at {section_ids[section_id]})",
                    f"分区编号 {section_id} 重复(首次出现在 {section_ids[section_id]})",
                )
            else:
                section_ids[section_id] = path
        title = self.text(raw, "title", path)
        note = self.text(raw, "note", path, required=False)
        declared = self.number(raw.get("max"), path, "max")
        bonus = raw.get("bonus", False)
        if not isinstance(bonus, bool):
            self.err(path, "'bonus' must be true or false", "bonus 应为 true 或 false")
            bonus = False

        items: list[Item] = []
        raw_items = raw.get("items")
        complete = True
        if raw_items is not None and (not isinstance(raw_items, list) or not raw_items):
            self.err(path, "'items' must be a non-empty list", "items 应为非空列表")
            complete = False
        elif raw_items:
            for i_index, raw_item in enumerate(raw_items):
                item = self.item(raw_item, f"{path}.items[{i_index}]", item_ids, bonus)
                if item is None:
                    complete = False
                else:
                    items.append(item)
        if complete and declared is not None and items:
            total = sum((i.max for i in items), ZERO)
            if total != declared:
                self.err(
                    path,
                    f"declared max {fmt(declared)} differs from the sum of its items' maxima ({fmt(total)})",
                    f"分区满分 {fmt(declared)} 与各项目满分之和 {fmt(total)} 不一致",
                )
        if len(self.errors) > errors_before:
            return None
        return Section(id=section_id, title=title, max=declared, items=tuple(items), bonus=bonus, note=note)  # type: ignore[arg-type]

    def item(self, raw: Any, path: str, item_ids: dict[str, str], in_bonus_section: bool) -> Item | None:
        errors_before = len(self.errors)
        if not isinstance(raw, dict):
            self.err(path, "must be a mapping", "应为键值对(映射)")
            return None
        kind = raw.get("kind")
        common = ("group", "method", "note")
        if kind is None:
            self.fields(raw, path, ("id", "title", "kind"), (*common, "max", "choices", "rules", "points"))
        elif kind not in KINDS:
            self.err(
                path,
                f"unknown item kind {kind!r} (expected choice, deduction or bonus)",
                f"未知的项目类型 {kind!r}(应为 choice、deduction 或 bonus)",
            )
        elif kind == "choice":
            self.fields(raw, path, ("id", "title", "kind", "max", "choices"), common)
        elif kind == "deduction":
            self.fields(raw, path, ("id", "title", "kind", "max", "rules"), common)
        else:
            self.fields(raw, path, ("id", "title", "kind", "points"), common)

        item_id = self.ident(raw, path, _ITEM_ID)
        if item_id:
            if item_id in item_ids:
                self.err(
                    path,
                    f"duplicate item id '{item_id}' (first at {item_ids[item_id]})",
                    f"项目编号 {item_id} 重复(首次出现在 {item_ids[item_id]})",
                )
            else:
                item_ids[item_id] = path
        title = self.text(raw, "title", path)
        group, method, note = (self.text(raw, n, path, required=False) for n in common)

        choices: tuple[Choice, ...] = ()
        rules: tuple[DeductionRule, ...] = ()
        if kind == "bonus":
            maximum = self.number(raw.get("points"), path, "points", positive=True)
            if not in_bonus_section:
                self.err(path, "bonus item outside a bonus section", "加分项只能放在 bonus: true 的分区中")
        else:
            maximum = self.number(raw.get("max"), path, "max", positive=True)
            if kind in ("choice", "deduction") and in_bonus_section:
                self.err(path, f"{kind} item inside a bonus section", "加分分区(bonus: true)中只能有加分项")
            if kind == "choice":
                choices = self.choices(raw.get("choices"), path, maximum)
            elif kind == "deduction":
                rules = self.rules(raw.get("rules"), path)

        if len(self.errors) > errors_before:
            return None
        return Item(
            id=item_id,
            title=title,
            kind=kind,
            max=maximum,  # type: ignore[arg-type]
            choices=choices,
            rules=rules,
            group=group,
            method=method,
            note=note,
        )

    def choices(self, raw: Any, path: str, maximum: Decimal | None) -> tuple[Choice, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict) or not raw:
            self.err(path, "'choices' must be a non-empty mapping", "choices 应为非空映射")
            return ()
        result = []
        for key, value in raw.items():
            c_path = f"{path}.choices.{key}"
            if key not in CHOICE_KEYS:
                self.err(
                    path,
                    f"unknown choice {key!r} (expected full, partial or none)",
                    f"未知选项 {key!r}(应为 full、partial 或 none)",
                )
                continue
            label = CHOICE_DEFAULT_LABELS[key]
            if isinstance(value, dict):
                if not self.fields(value, c_path, ("points",), ("label_zh",)):
                    continue
                label = self.text(value, "label_zh", c_path) or label
                value = value.get("points")
            points = self.number(value, c_path, "points")
            if points is None:
                continue
            if maximum is not None and points > maximum:
                self.err(
                    path,
                    f"choice '{key}' ({fmt(points)}) exceeds item max {fmt(maximum)}",
                    f"选项 {key} 的分值 {fmt(points)} 超过项目满分 {fmt(maximum)}",
                )
            result.append(Choice(key=key, points=points, label_zh=label))
        if "full" not in raw:
            self.err(path, "choice 'full' is missing", "缺少选项 full")
        elif len(raw) < 2:
            self.err(path, "a choice item needs at least two choices", "选择题至少要有两个选项")
        if result and maximum is not None and len(result) == len(raw):
            best = max(c.points for c in result)
            if best < maximum:
                self.err(
                    path,
                    f"highest choice ({fmt(best)}) is below item max {fmt(maximum)}",
                    f"最高选项分值 {fmt(best)} 低于项目满分 {fmt(maximum)}",
                )
        # Keep the canonical order full, partial, none whatever the file's order.
        return tuple(sorted(result, key=lambda c: CHOICE_KEYS.index(c.key)))

    def rules(self, raw: Any, path: str) -> tuple[DeductionRule, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.err(path, "'rules' must be a non-empty list", "rules 应为非空列表")
            return ()
        result = []
        for r_index, rule in enumerate(raw):
            r_path = f"{path}.rules[{r_index}]"
            if not self.fields(rule, r_path, ("label_zh", "points"), ("max_count",)):
                continue
            label = self.text(rule, "label_zh", r_path)
            value = rule.get("points")
            if isinstance(value, int | Decimal) and not isinstance(value, bool) and value <= 0:
                self.err(
                    r_path,
                    f"deduction rule points must be positive (got {fmt(value)})",
                    f"扣分规则的分值必须大于 0(现为 {fmt(value)})",
                )
                continue
            points = self.number(value, r_path, "points", positive=True)
            max_count = self.integer(rule.get("max_count"), r_path, "max_count")
            if points is not None and label:
                result.append(DeductionRule(label_zh=label, points=points, max_count=max_count))
        return tuple(result)

    def bands(self, raw: Any, cap: Decimal | None) -> list[Band]:
        if raw is None:
            return []
        if not isinstance(raw, list) or not raw:
            self.err("bands", "must be a non-empty list", "应为非空列表")
            return []
        bands: list[tuple[int, Band]] = []
        seen: dict[str, str] = {}
        for index, rb in enumerate(raw):
            path = f"bands[{index}]"
            if not self.fields(rb, path, ("id", "label_zh", "min", "max"), ()):
                continue
            band_id = self.ident(rb, path, _FORM_ID)
            if band_id in seen:
                self.err(
                    path,
                    f"duplicate band id '{band_id}' (first at {seen[band_id]})",
                    f"分档编号 {band_id} 重复(首次出现在 {seen[band_id]})",
                )
            elif band_id:
                seen[band_id] = path
            label = self.text(rb, "label_zh", path)
            low = self.number(rb.get("min"), path, "min")
            high = self.number(rb.get("max"), path, "max")
            if low is None or high is None or not band_id or not label:
                continue
            if low >= high:
                self.err(
                    path,
                    f"band min {fmt(low)} is not below its max {fmt(high)}",
                    f"分档下限 {fmt(low)} 应小于上限 {fmt(high)}",
                )
                continue
            bands.append((index, Band(id=band_id, label_zh=label, min=low, max=high)))
        if cap is None or len(bands) != len(raw):
            return [b for _, b in bands]

        ordered = sorted(bands, key=lambda ib: (ib[1].min, ib[1].max))
        expected = ZERO
        previous = "bands"
        for index, band in ordered:
            path = f"bands[{index}]"
            if band.min > expected:
                self.err(
                    path,
                    f"gap in bands: [{fmt(expected)}, {fmt(band.min)}) is in no band",
                    f"分档有缺口:[{fmt(expected)}, {fmt(band.min)}) 不属于任何分档",
                )
            elif band.min < expected:
                self.err(
                    path,
                    f"band [{fmt(band.min)}, {fmt(band.max)}) overlaps {previous} below {fmt(expected)}",
                    f"分档 [{fmt(band.min)}, {fmt(band.max)}) 与 {previous} 重叠(低于 {fmt(expected)})",
                )
            expected = max(expected, band.max)
            previous = path
        if expected < cap:
            self.err(
                previous,
                f"gap in bands: [{fmt(expected)}, {fmt(cap)}] is in no band"
                f" (bands must reach cap {fmt(cap)})",
                f"分档有缺口:[{fmt(expected)}, {fmt(cap)}] 不属于任何分档(应覆盖到封顶分 {fmt(cap)})",
            )
        elif expected > cap:
            self.err(
                previous,
                f"bands reach {fmt(expected)} beyond cap {fmt(cap)}",
                f"分档上限 {fmt(expected)} 超过封顶分 {fmt(cap)}",
            )
        return [b for _, b in bands]


def _parse(text: str) -> tuple[ScoreForm | None, list[LintError]]:
    doc, errors = _read_yaml(text)
    if errors:
        return None, errors
    builder = _Builder()
    form = builder.form(doc, text)
    return form, builder.errors


def lint(raw_yaml_text: str) -> list[LintError]:
    """Every problem of a form definition, each with its path; empty when the form is valid."""
    return _parse(raw_yaml_text)[1]


def _read_source(source: str | Path) -> str:
    if isinstance(source, Path):
        return source.read_text(encoding="utf-8")
    if "\n" not in source and source.strip().lower().endswith((".yaml", ".yml")):
        return Path(source.strip()).read_text(encoding="utf-8")
    return source


def load_form(path_or_text: str | Path) -> ScoreForm:
    """Read a form from a YAML file (a ``Path`` or a one-line ``*.yaml`` string) or from YAML text.

    Raises ``FormInvalid`` listing every lint error; ``OSError`` when the file cannot be read.
    """
    form, errors = _parse(_read_source(path_or_text))
    if errors or form is None:
        raise FormInvalid(errors)
    return form


# --------------------------------------------------------------------------- scoring

_MISSING = object()


def _show(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:
        return repr(value)


def _answer_problems(form: ScoreForm, answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Slow path: explain every bad answer (missing, unknown, ill-typed, negative, too many)."""
    problems: list[tuple[str, str]] = []
    for item_id, kind, data in form._plan:  # type: ignore[attr-defined]
        item = form.item(item_id)
        value = answers.get(item_id, _MISSING)
        if value is _MISSING:
            problems.append((item_id, f"项目 {item_id}:缺少答案"))
        elif kind == _K_CHOICE:
            if type(value) is not str or value not in data:
                keys = "、".join(data)
                problems.append((item_id, f"项目 {item_id}:答案应为选项 {keys} 之一,收到 {_show(value)}"))
        elif kind == _K_BONUS:
            if type(value) is not bool:
                problems.append((item_id, f"项目 {item_id}:加分项答案应为 true 或 false,收到 {_show(value)}"))
        else:
            rules = item.rules
            if kind == _K_DEDUCT_ONE:
                counts = [value]
                if type(value) is not int:
                    problems.append(
                        (item_id, f"项目 {item_id}:答案应为扣分次数(非负整数),收到 {_show(value)}")
                    )
                    continue
            else:
                labels = ";".join(f"{n}. {r.label_zh}" for n, r in enumerate(rules, 1))
                if (
                    (type(value) is not list and type(value) is not tuple)
                    or len(value) != len(rules)
                    or any(type(v) is not int for v in value)
                ):
                    problems.append(
                        (
                            item_id,
                            f"项目 {item_id}:答案应为 {len(rules)} 个非负整数组成的列表"
                            f"(按扣分规则顺序:{labels}),收到 {_show(value)}",
                        )
                    )
                    continue
                counts = value
            for n, count in enumerate(counts, 1):
                where = f"项目 {item_id}" + (f" 第 {n} 条扣分规则" if len(rules) > 1 else "")
                if count < 0:
                    problems.append((item_id, f"{where}:扣分次数不能为负数({count})"))
    for key in answers:
        if key not in form._item_ids:  # type: ignore[attr-defined]
            problems.append((str(key), f"项目 {key}:评估表 {form.id} 中没有此项目"))
    return problems


def score(form: ScoreForm, answers: Mapping[str, Any]) -> ScoreResult:
    """Score one answer set (FORM-A, FORM-B): every item answered, strictly typed; Decimal throughout.

    Choice → its points; bonus true → points; deduction → max − Σ points × count, floored at 0
    (扣完为止). Total = min(cap, Σ items); band by total. Raises ``AnswersInvalid``.
    """
    if not isinstance(answers, dict) and not isinstance(answers, Mapping):
        raise AnswersInvalid([("answers", "答案应为以项目编号为键的对象")])
    values: list[Decimal] = []
    append = values.append
    get = answers.get
    ok = True
    for item_id, kind, data in form._plan:  # type: ignore[attr-defined]
        value = get(item_id, _MISSING)
        if kind == _K_CHOICE:
            points = data.get(value) if type(value) is str else None
            if points is None:
                ok = False
                break
            append(points)
        elif kind == _K_DEDUCT_ONE:
            maximum, per, _max_count = data
            if type(value) is not int or value < 0:
                ok = False
                break
            lost = per * value
            append(maximum - lost if lost < maximum else ZERO)
        elif kind == _K_BONUS:
            if value is True:
                append(data)
            elif value is False:
                append(ZERO)
            else:
                ok = False
                break
        else:
            maximum, rules = data
            if (type(value) is not list and type(value) is not tuple) or len(value) != len(rules):
                ok = False
                break
            lost = ZERO
            for count, (per, _max_count) in zip(value, rules, strict=True):
                if type(count) is not int or count < 0:
                    ok = False
                    break
                lost += per * count
            if not ok:
                break
            append(maximum - lost if lost < maximum else ZERO)
    if not ok or len(answers) != len(values):
        raise AnswersInvalid(_answer_problems(form, answers))

    items = dict(zip(form._item_order, values, strict=True))  # type: ignore[attr-defined]
    sections = {sid: sum(values[a:b], ZERO) for sid, a, b in form._slices}  # type: ignore[attr-defined]
    uncapped = sum(sections.values(), ZERO)
    total = uncapped if uncapped < form.cap else form.cap
    return ScoreResult(
        form_id=form.id,
        version=form.version,
        total=total,
        band=form.band_for(total).id,
        sections=sections,
        items=items,
        uncapped=uncapped,
    )


def _item_points(kind: int, data: Any, value: Any) -> Decimal | None:
    """Points of one answer by the compiled plan entry; None when the value does not fit the item."""
    if kind == _K_CHOICE:
        return data.get(value) if type(value) is str else None
    if kind == _K_BONUS:
        return data if value is True else ZERO if value is False else None
    if kind == _K_DEDUCT_ONE:
        maximum, per, _max_count = data
        if type(value) is not int or value < 0:
            return None
        lost = per * value
        return maximum - lost if lost < maximum else ZERO
    maximum, rules = data
    if (type(value) is not list and type(value) is not tuple) or len(value) != len(rules):
        return None
    lost = ZERO
    for count, (per, _max_count) in zip(value, rules, strict=True):
        if type(count) is not int or count < 0:
            return None
        lost += per * count
    return maximum - lost if lost < maximum else ZERO


def check_answer(form: ScoreForm, item_id: str, value: Any) -> Decimal:
    """Points of one item's answer, validated exactly as ``score`` validates it (evaluations save per item).

    Raises ``AnswersInvalid`` naming the item when the item is unknown or the value does not fit it.
    """
    entry = next((p for p in form._plan if p[0] == item_id), None)  # type: ignore[attr-defined]
    if entry is None:
        raise AnswersInvalid([(str(item_id), f"项目 {item_id}:评估表 {form.id} 中没有此项目")])
    points = _item_points(entry[1], entry[2], value)
    if points is None:
        raise AnswersInvalid([p for p in _answer_problems(form, {item_id: value}) if p[0] == item_id])
    return points


@dataclass(frozen=True)
class PartialScore:
    """Live score of an incomplete answer set (evaluation being filled).

    ``total`` = min(cap, Σ points of the answered items); ``ceiling`` = min(cap, total before the cap
    + Σ max of the unanswered items): the best the evaluation can still reach. ``band_low`` /
    ``band_high`` are the bands of ``total`` / ``ceiling``: equal once the outcome is settled. When
    every item is answered the numbers are those of ``score`` (``complete`` is True).
    """

    total: Decimal
    ceiling: Decimal
    answered: int
    item_count: int
    band_low: str
    band_high: str
    items: dict[str, Decimal]  # answered items only
    sections: dict[str, Decimal]  # Σ answered items per section (every section present)

    @property
    def complete(self) -> bool:
        return self.answered == self.item_count


def partial_score(form: ScoreForm, answers: Mapping[str, Any]) -> PartialScore:
    """Score the answered items only (``score`` stays strict: every item answered at submission).

    Raises ``AnswersInvalid`` for an unknown item or an answered value that does not fit its item.
    """
    unknown = [k for k in answers if k not in form._item_ids]  # type: ignore[attr-defined]
    if unknown:
        raise AnswersInvalid([(str(k), f"项目 {k}:评估表 {form.id} 中没有此项目") for k in unknown])
    items: dict[str, Decimal] = {}
    sections: dict[str, Decimal] = {}
    missing = ZERO
    plan = form._plan  # type: ignore[attr-defined]
    for section_id, start, end in form._slices:  # type: ignore[attr-defined]
        subtotal = ZERO
        for item_id, kind, data in plan[start:end]:
            if item_id not in answers:
                missing += form.item(item_id).max
                continue
            points = _item_points(kind, data, answers[item_id])
            if points is None:
                points = check_answer(form, item_id, answers[item_id])  # raises with the engine's message
            items[item_id] = points
            subtotal += points
        sections[section_id] = subtotal
    uncapped = sum(sections.values(), ZERO)
    total = min(uncapped, form.cap)
    ceiling = min(uncapped + missing, form.cap)
    return PartialScore(
        total=total,
        ceiling=ceiling,
        answered=len(items),
        item_count=len(plan),
        band_low=form.band_for(total).id,
        band_high=form.band_for(ceiling).id,
        items=items,
        sections=sections,
    )


def answers_from_document(form: ScoreForm, document: Any) -> dict[str, Any]:
    """The answers of an answers file ``{"answers": {ITEM_ID: VALUE}}`` (optional ``form``, ``version``).

    ``form``/``version``, when given, must match the form being scored. Raises ``AnswersInvalid``.
    """
    if not isinstance(document, dict) or not isinstance(document.get("answers"), dict):
        raise AnswersInvalid([("answers", '答案文件应为 {"answers": {项目编号: 答案}} 形式的 JSON 对象')])
    problems = []
    for key in document:
        if key not in ("answers", "form", "version"):
            problems.append((str(key), f"答案文件中有未知字段 {key}(只允许 answers、form、version)"))
    if "form" in document and document["form"] != form.id:
        problems.append(("form", f"答案文件针对评估表 {_show(document['form'])},不是 {form.id}"))
    if "version" in document and document["version"] != form.version:
        problems.append(
            ("version", f"答案文件针对第 {_show(document['version'])} 版,当前评估表为第 {form.version} 版")
        )
    if problems:
        raise AnswersInvalid(problems)
    return document["answers"]


# --------------------------------------------------------------------------- shipped forms


@functools.cache
def _shipped() -> dict[str, ScoreForm]:
    forms: dict[str, ScoreForm] = {}
    for path in sorted(FORMS_DIR.glob("*.yaml")):
        form = load_form(path)
        current = forms.get(form.id)
        if current is not None and current.version == form.version:
            raise ValueError(f"{path.name}: {form.id} version {form.version} shipped twice")
        if current is None or form.version > current.version:
            forms[form.id] = form
    return dict(sorted(forms.items()))


def shipped_forms() -> dict[str, ScoreForm]:
    """The forms shipped in ``dudao/scorecards/forms/``: the latest version of each form id."""
    return dict(_shipped())


def shipped_form(form_id: str) -> ScoreForm:
    """The latest shipped version of ``form_id``; ``NotFound`` when no such form is shipped."""
    form = _shipped().get(form_id)
    if form is None:
        known = "、".join(_shipped()) or "无"
        raise NotFound(f"评估表 {form_id} 不存在(可用:{known})")
    return form
