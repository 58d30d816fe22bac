"""Scenario of a draw: parse and validate the JSON (RAND-1), naming every offending entry.

Pure Python, no Django. Conflicts can number in the millions (a province: 2,000 targets x 5,000
supervisors, 10 % of pairs declared), so they are kept as sets of supervisor indices per target and
per institution, not as objects.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from itertools import compress, repeat
from operator import add, is_not, itemgetter, methodcaller, mul, or_
from typing import Any

from dudao.common.errors import ValidationFailed

# Naive date-times are China Standard Time (DESIGN: time, Asia/Shanghai; no DST since 1991).
CST = dt.timezone(dt.timedelta(hours=8), "CST")

TARGET_KINDS = ("daily", "special")  # ACT-2
SUPERVISOR_KINDS = ("external", "internal")  # SUP-1
SPECIAL_MIN_GROUP = 3  # ACT-4: a special supervision group has >= 3 supervisors unless a reason is recorded

TOP_KEYS = frozenset({"targets", "supervisors", "conflicts", "examiners", "sample", "meta"})
TARGET_KEYS = frozenset(
    {"id", "institution", "start", "end", "kind", "supervisor_kind", "group_size", "weight", "reason"}
)
TARGET_REQUIRED = ("id", "institution", "start", "end", "kind", "supervisor_kind", "group_size")
SUPERVISOR_KEYS = frozenset({"id", "kind", "institution", "employer", "card_valid_until", "max_tasks"})
SUPERVISOR_REQUIRED = ("id", "kind", "card_valid_until", "max_tasks")
CONFLICT_KEYS = frozenset({"supervisor", "institution", "target"})
EXAMINER_KEYS = frozenset({"supervisor", "target"})

MAX_REPORTED_ERRORS = 50
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Target:
    """One target of the draw: an institution's evaluation session (batch)."""

    id: str
    institution: str
    start: dt.datetime
    end: dt.datetime
    kind: str
    supervisor_kind: str
    group_size: int
    weight: Fraction
    reason: str | None

    @property
    def needs_act4_reason(self) -> bool:
        """ACT-4: a special target with fewer than three supervisors and no recorded reason."""
        return self.kind == "special" and self.group_size < SPECIAL_MIN_GROUP and not self.reason


@dataclass(frozen=True, slots=True)
class Supervisor:
    """One card holder who may be drawn (SUP-1, SUP-3)."""

    id: str
    kind: str
    institution: str | None
    employer: str | None
    card_valid_until: dt.datetime  # inclusive instant: the card is valid at this moment
    max_tasks: int


@dataclass(frozen=True, slots=True)
class Sample:
    """How many targets to draw: a count, a ratio (rounded up), or None for all targets."""

    count: int | None = None
    ratio: Fraction | None = None

    def size(self, population: int) -> int:
        """Number of targets to draw from `population` (ratio: ceil(ratio x population), exact)."""
        if self.count is not None:
            return self.count
        if self.ratio is not None:
            return math.ceil(self.ratio * population)
        return population


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario; targets and supervisors sorted by id, relations kept as index sets."""

    targets: tuple[Target, ...]
    supervisors: tuple[Supervisor, ...]
    # Declared conflicts (SUP-8) as integers row * len(supervisors) + supervisor index: a set of a
    # million ints is built and probed at C speed, a million tuples or objects are not.
    conflicts: frozenset[int]  # row = target index
    institution_index: dict[str, int]  # institutions named in conflicts -> row
    institution_conflicts: frozenset[int]  # row = institution_index[institution]
    examiners: tuple[frozenset[int], ...]  # per target index: supervisors examining there (SUP-8)
    sample: Sample

    def conflicted(self, ti: int, si: int) -> bool:
        """A declared conflict of supervisor si with target ti or with its institution (SUP-8)."""
        n = len(self.supervisors)
        if ti * n + si in self.conflicts:
            return True
        row = self.institution_index.get(self.targets[ti].institution)
        return row is not None and row * n + si in self.institution_conflicts


class _Errors:
    """Collects (path, message) pairs; raises one ValidationFailed naming every offending entry."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        if len(self.items) < MAX_REPORTED_ERRORS:
            self.items.append((path, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        detail: dict[str, list[str]] = {}
        for path, message in self.items:
            detail.setdefault(path, []).append(message)
        first_path, first_message = self.items[0]
        more = (
            f"(另有 {len(self.items) - 1} 处错误 / {len(self.items) - 1} more)" if len(self.items) > 1 else ""
        )
        raise ValidationFailed(
            f"抽取情景无效 (invalid scenario):{first_path}: {first_message}{more}",
            code="invalid_scenario",
            detail=detail,
        )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def load_scenario_json(text: str | bytes) -> Any:
    """Parse scenario JSON text; NaN/Infinity and malformed JSON raise ValidationFailed."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            f"抽取情景不是有效的 JSON (scenario is not valid JSON):{exc}",
            code="invalid_scenario",
            detail={"$": [str(exc)]},
        ) from exc


def _entry_path(collection: str, index: int, entry: Any) -> str:
    if isinstance(entry, dict) and _is_text(entry.get("id")):
        return f"{collection}[{index}](id={entry['id']})"
    return f"{collection}[{index}]"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def parse_datetime(value: Any, *, allow_date: bool) -> dt.datetime:
    """ISO 8601 date-time (naive = CST); with allow_date a bare date means through the end of that day."""
    if not isinstance(value, str):
        raise ValueError("必须是 ISO 日期时间字符串 (must be an ISO date-time string)")
    if _DATE_ONLY.match(value):
        if not allow_date:
            raise ValueError(
                "需要带时间的 ISO 日期时间,如 2025-06-01T09:00:00+08:00 "
                f"(date-time with a time needed): {value!r}"
            )
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"不是有效的 ISO 日期 (not an ISO date): {value!r}") from None
        return dt.datetime.combine(day, dt.time.max, tzinfo=CST)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"不是有效的 ISO 日期时间 (not an ISO date-time): {value!r}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=CST)


def _check_keys(errors: _Errors, path: str, entry: dict, allowed: frozenset[str], required: tuple[str, ...]):
    for key in required:
        if key not in entry:
            errors.add(f"{path}.{key}", "缺少必填字段 (missing field)")
    for key in sorted(set(entry) - allowed):
        errors.add(
            f"{path}.{key}", f"未知字段 (unknown field);允许的字段 (allowed): {', '.join(sorted(allowed))}"
        )


def _parse_number(value: Any) -> Fraction:
    # Exact value of the JSON number as written: 0.1 -> 1/10 (repr is the shortest round-trip text).
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _parse_targets(raw: Any, errors: _Errors) -> list[Target]:
    if not isinstance(raw, list) or not raw:
        errors.add("targets", "必须是非空数组 (must be a non-empty array)")
        return []
    targets: list[Target] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw):
        path = _entry_path("targets", index, entry)
        if not isinstance(entry, dict):
            errors.add(path, "必须是对象 (must be an object)")
            continue
        before = len(errors.items)
        _check_keys(errors, path, entry, TARGET_KEYS, TARGET_REQUIRED)
        for key in ("id", "institution"):
            if key in entry and not _is_text(entry[key]):
                errors.add(f"{path}.{key}", "必须是非空字符串 (must be a non-empty string)")
        if _is_text(entry.get("id")):
            if entry["id"] in seen:
                errors.add(f"{path}.id", f"编号重复,与 targets[{seen[entry['id']]}] 相同 (duplicate id)")
            else:
                seen[entry["id"]] = index
        times: dict[str, dt.datetime] = {}
        for key in ("start", "end"):
            if key in entry:
                try:
                    times[key] = parse_datetime(entry[key], allow_date=False)
                except ValueError as exc:
                    errors.add(f"{path}.{key}", str(exc))
        if len(times) == 2 and times["end"] <= times["start"]:
            errors.add(f"{path}.end", "结束时间必须晚于开始时间 (end must be after start)")
        if "kind" in entry and entry["kind"] not in TARGET_KINDS:
            errors.add(f"{path}.kind", "必须是 daily 或 special (must be daily or special)")
        if "supervisor_kind" in entry and entry["supervisor_kind"] not in SUPERVISOR_KINDS:
            errors.add(
                f"{path}.supervisor_kind", "必须是 external 或 internal (must be external or internal)"
            )
        if "group_size" in entry and not (_is_int(entry["group_size"]) and entry["group_size"] >= 1):
            errors.add(f"{path}.group_size", "必须是 ≥ 1 的整数 (must be an integer >= 1)")
        weight = entry.get("weight", 1)
        if not (isinstance(weight, int | float) and not isinstance(weight, bool) and weight > 0):
            errors.add(f"{path}.weight", "必须是大于 0 的数 (must be a number > 0)")
        reason = entry.get("reason")
        if reason is not None and not isinstance(reason, str):
            errors.add(f"{path}.reason", "必须是字符串 (must be a string)")
        if len(errors.items) > before or len(errors.items) >= MAX_REPORTED_ERRORS:
            continue
        targets.append(
            Target(
                id=entry["id"],
                institution=entry["institution"],
                start=times["start"],
                end=times["end"],
                kind=entry["kind"],
                supervisor_kind=entry["supervisor_kind"],
                group_size=entry["group_size"],
                weight=_parse_number(weight),
                reason=(reason.strip() or None) if isinstance(reason, str) else None,
            )
        )
    return targets


def _parse_supervisors(raw: Any, errors: _Errors) -> list[Supervisor]:
    if not isinstance(raw, list):
        errors.add("supervisors", "必须是数组 (must be an array)")
        return []
    supervisors: list[Supervisor] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw):
        path = _entry_path("supervisors", index, entry)
        if not isinstance(entry, dict):
            errors.add(path, "必须是对象 (must be an object)")
            continue
        before = len(errors.items)
        _check_keys(errors, path, entry, SUPERVISOR_KEYS, SUPERVISOR_REQUIRED)
        if "id" in entry and not _is_text(entry["id"]):
            errors.add(f"{path}.id", "必须是非空字符串 (must be a non-empty string)")
        elif _is_text(entry.get("id")):
            if entry["id"] in seen:
                errors.add(f"{path}.id", f"编号重复,与 supervisors[{seen[entry['id']]}] 相同 (duplicate id)")
            else:
                seen[entry["id"]] = index
        for key in ("institution", "employer"):
            if entry.get(key) is not None and not _is_text(entry[key]):
                errors.add(f"{path}.{key}", "必须是非空字符串 (must be a non-empty string)")
        kind = entry.get("kind")
        if "kind" in entry and kind not in SUPERVISOR_KINDS:
            errors.add(f"{path}.kind", "必须是 external 或 internal (must be external or internal)")
        if kind == "internal" and entry.get("institution") is None:
            errors.add(
                f"{path}.institution",
                "内部督导员必须注明所属机构 (an internal supervisor needs an institution)",  # SUP-1
            )
        valid_until = None
        if "card_valid_until" in entry:
            try:
                valid_until = parse_datetime(entry["card_valid_until"], allow_date=True)
            except ValueError as exc:
                errors.add(f"{path}.card_valid_until", str(exc))
        if "max_tasks" in entry and not (_is_int(entry["max_tasks"]) and entry["max_tasks"] >= 0):
            errors.add(f"{path}.max_tasks", "必须是 ≥ 0 的整数 (must be an integer >= 0)")
        if len(errors.items) > before or len(errors.items) >= MAX_REPORTED_ERRORS:
            continue
        supervisors.append(
            Supervisor(
                id=entry["id"],
                kind=kind,
                institution=entry.get("institution"),
                employer=entry.get("employer"),
                card_valid_until=valid_until,
                max_tasks=entry["max_tasks"],
            )
        )
    return supervisors


def _entry_ids(entries: Any) -> set[str]:
    if not isinstance(entries, list):
        return set()
    return {e["id"] for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)}


def _lookup(index: dict[str, int], value: Any) -> int | None:
    return index.get(value) if isinstance(value, str) else None


def _parse_sample(raw: Any, population: int, errors: _Errors) -> Sample:
    if not isinstance(raw, dict) or len(raw) != 1 or not raw.keys() <= {"count", "ratio"}:
        errors.add("sample", '必须是 {"count": N} 或 {"ratio": R} (must be {"count": N} or {"ratio": R})')
        return Sample()
    if "count" in raw:
        count = raw["count"]
        if not (_is_int(count) and 1 <= count <= max(population, 1)):
            errors.add(
                "sample.count", f"必须是 1 到 {population} 之间的整数 (must be an integer in 1..{population})"
            )
            return Sample()
        return Sample(count=count)
    ratio = raw["ratio"]
    if not (isinstance(ratio, int | float) and not isinstance(ratio, bool) and 0 < ratio <= 1):
        errors.add("sample.ratio", "必须是大于 0 且不超过 1 的数 (must be a number in (0, 1])")
        return Sample()
    return Sample(ratio=_parse_number(ratio))


def _conflict_keys_fast(
    conflicts: list, supervisor_index: dict[str, int], target_index: dict[str, int]
) -> tuple[frozenset[int], dict[str, int], frozenset[int]]:
    """Conflicts at province scale (10^6 entries) with C-level loops only; anything irregular raises.

    Lookups raise KeyError for unknown or non-string ids (the indexes hold strings only) and
    TypeError for unhashable ones; the caller then runs the checked loop, which names the entries.
    """
    n = len(supervisor_index)
    if not all(map(CONFLICT_KEYS.issuperset, conflicts)):
        raise ValueError("unknown key")
    sup = list(map(supervisor_index.__getitem__, map(itemgetter("supervisor"), conflicts)))
    tgt = list(map(methodcaller("get", "target"), conflicts))
    inst = list(map(methodcaller("get", "institution"), conflicts))
    has_target = list(map(is_not, tgt, repeat(None)))
    has_institution = list(map(is_not, inst, repeat(None)))
    if not all(map(or_, has_target, has_institution)):
        raise ValueError("neither target nor institution")
    target_rows = map(mul, map(target_index.__getitem__, compress(tgt, has_target)), repeat(n))
    pair_keys = frozenset(map(add, target_rows, compress(sup, has_target)))
    names = list(compress(inst, has_institution))
    if not all(map(str.strip, names)):  # TypeError for non-strings, False for blank ones
        raise ValueError("blank institution")
    institution_index = {name: i for i, name in enumerate(sorted(set(names)))}
    institution_rows = map(mul, map(institution_index.__getitem__, names), repeat(n))
    institution_keys = frozenset(map(add, institution_rows, compress(sup, has_institution)))
    return pair_keys, institution_index, institution_keys


def _conflict_keys_checked(
    conflicts: list,
    supervisor_index: dict[str, int],
    target_index: dict[str, int],
    bad_supervisors: set[str],
    bad_targets: set[str],
    errors: _Errors,
) -> tuple[frozenset[int], dict[str, int], frozenset[int]]:
    """The same as _conflict_keys_fast, entry by entry, recording every offending entry."""
    n = len(supervisor_index)
    pair_keys: set[int] = set()
    by_institution: list[tuple[str, int]] = []
    for index, entry in enumerate(conflicts):
        if type(entry) is not dict or not entry.keys() <= CONFLICT_KEYS:
            errors.add(
                f"conflicts[{index}]",
                "必须是只含 supervisor、institution、target 的对象 "
                "(object with supervisor, institution?, target?)",
            )
            continue
        supervisor = entry.get("supervisor")
        s = _lookup(supervisor_index, supervisor)
        if s is None:
            if not (isinstance(supervisor, str) and supervisor in bad_supervisors):
                errors.add(
                    f"conflicts[{index}].supervisor", f"未知的督导员 (unknown supervisor): {supervisor!r}"
                )
            continue
        target = entry.get("target")
        institution = entry.get("institution")
        if target is None and institution is None:
            errors.add(f"conflicts[{index}]", "须注明 institution 或 target (institution or target required)")
            continue
        if target is not None:
            t = _lookup(target_index, target)
            if t is None:
                if not (isinstance(target, str) and target in bad_targets):
                    errors.add(f"conflicts[{index}].target", f"未知的督导对象 (unknown target): {target!r}")
            else:
                pair_keys.add(t * n + s)
        if institution is not None:
            if not _is_text(institution):
                errors.add(f"conflicts[{index}].institution", "必须是非空字符串 (must be a non-empty string)")
            else:
                by_institution.append((institution, s))
    institution_index = {name: i for i, name in enumerate(sorted({name for name, _ in by_institution}))}
    institution_keys = frozenset(institution_index[name] * n + s for name, s in by_institution)
    return frozenset(pair_keys), institution_index, institution_keys


def parse_scenario(raw: Any) -> Scenario:
    """Validate a decoded scenario; raise ValidationFailed with every offending entry (up to 50)."""
    errors = _Errors()
    if not isinstance(raw, dict):
        errors.add("$", "抽取情景必须是 JSON 对象 (the scenario must be a JSON object)")
        errors.raise_if_any()
    for key in sorted(set(raw) - TOP_KEYS):
        errors.add(key, f"未知字段 (unknown field);允许的字段 (allowed): {', '.join(sorted(TOP_KEYS))}")
    if "supervisors" not in raw:  # a missing `targets` is reported by _parse_targets
        errors.add("supervisors", "缺少必填字段 (missing field)")
    targets = sorted(_parse_targets(raw.get("targets"), errors), key=lambda t: t.id)
    supervisors = sorted(_parse_supervisors(raw.get("supervisors", []), errors), key=lambda s: s.id)
    target_index = {t.id: i for i, t in enumerate(targets)}
    supervisor_index = {s.id: i for i, s in enumerate(supervisors)}
    # Relations to entries that failed validation are not reported twice as "unknown".
    bad_targets = _entry_ids(raw.get("targets")) - set(target_index)
    bad_supervisors = _entry_ids(raw.get("supervisors")) - set(supervisor_index)

    conflicts = raw.get("conflicts", [])
    if not isinstance(conflicts, list):
        errors.add("conflicts", "必须是数组 (must be an array)")
        conflicts = []
    try:
        conflict_keys, institution_index, institution_keys = _conflict_keys_fast(
            conflicts, supervisor_index, target_index
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        conflict_keys, institution_index, institution_keys = _conflict_keys_checked(
            conflicts, supervisor_index, target_index, bad_supervisors, bad_targets, errors
        )

    per_target_examiners: list[set[int]] = [set() for _ in targets]
    examiners = raw.get("examiners", [])
    if not isinstance(examiners, list):
        errors.add("examiners", "必须是数组 (must be an array)")
        examiners = []
    for index, entry in enumerate(examiners):
        path = f"examiners[{index}]"
        if type(entry) is not dict:
            errors.add(path, "必须是对象 (must be an object)")
            continue
        _check_keys(errors, path, entry, EXAMINER_KEYS, ("supervisor", "target"))
        supervisor, target = entry.get("supervisor"), entry.get("target")
        s = _lookup(supervisor_index, supervisor)
        t = _lookup(target_index, target)
        if (
            s is None
            and "supervisor" in entry
            and not (isinstance(supervisor, str) and supervisor in bad_supervisors)
        ):
            errors.add(f"{path}.supervisor", f"未知的督导员 (unknown supervisor): {supervisor!r}")
        if t is None and "target" in entry and not (isinstance(target, str) and target in bad_targets):
            errors.add(f"{path}.target", f"未知的督导对象 (unknown target): {target!r}")
        if s is not None and t is not None:
            per_target_examiners[t].add(s)

    sample = _parse_sample(raw["sample"], len(targets), errors) if "sample" in raw else Sample()
    errors.raise_if_any()
    return Scenario(
        targets=tuple(targets),
        supervisors=tuple(supervisors),
        conflicts=conflict_keys,
        institution_index=institution_index,
        institution_conflicts=institution_keys,
        examiners=tuple(frozenset(e) for e in per_target_examiners),
        sample=sample,
    )
