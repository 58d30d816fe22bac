"""Reading a score form from YAML: exact decimals, the linter and builder, ``lint``, ``load_form`` (pure)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from dudao.scorecards.domain.model import (
    _FORM_ID,
    _ITEM_ID,
    CHOICE_DEFAULT_LABELS,
    CHOICE_KEYS,
    KINDS,
    ZERO,
    Band,
    Choice,
    DeductionRule,
    FormInvalid,
    Item,
    LintError,
    ScoreForm,
    Section,
    fmt,
)

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
