"""Score forms as data: the form, its sections, items and bands, the score result and the errors (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from dudao.common.errors import ValidationFailed

FORMS_DIR = Path(__file__).resolve().parent.parent / "forms"

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
