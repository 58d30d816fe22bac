"""Scoring answers against a score form: full and partial scores, answer checks (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dudao.scorecards.domain.model import (
    _K_BONUS,
    _K_CHOICE,
    _K_DEDUCT_ONE,
    ZERO,
    AnswersInvalid,
    ScoreForm,
    ScoreResult,
)

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
