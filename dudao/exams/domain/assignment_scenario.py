"""Scenario of an examiner/invigilator assignment (issue 10 item 5): strict parsing, every error named.

Pure Python, no Django. The JSON contract::

    {"station": "…",
     "sessions": [{"id", "subject": "theory|practical|review", "occupation": "d-dd-dd-dd", "level": 1-5,
                   "start": ISO, "end": ISO,
                   "rooms": [{"id", "candidates": ["c-id", …], "ratio": int?, "panel": int?}]}],
     "examiners": [{"id", "senior": bool, "card_valid_until": "YYYY-MM-DD",
                    "scopes": [{"occupation", "levels": [..]}], "max_sessions": int?}],
     "relations": [{"examiner", "candidate"}], "supervisors": ["…"], "previous_teams": [["…"], …]}

Naive date-times are China Standard Time. `relations`, `supervisors` and `previous_teams` may be absent
(empty). `senior` (default false), `card_valid_until` (absent or null: no valid card) and `scopes`
(default none) may be absent: an invigilator of a theory room needs no card (docs/exam-assignment.md).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from dudao.common.errors import ValidationFailed
from dudao.supervision.draw.scenario import CST, parse_datetime

SUBJECTS = ("theory", "practical", "review")
SUBJECT_NAMES = {"theory": "理论知识考试", "practical": "操作技能考核", "review": "综合评审"}
REVIEW_LEVELS = (1, 2)  # EXAM-14: levels 2 and 1 also need the comprehensive review
DEFAULT_PRACTICAL_RATIO = 5  # EXAM-13: 1:5 unless the occupation standard says otherwise
THEORY_PER_INVIGILATOR = 15  # EXAM-13: >= 1 invigilator per 15 candidates
THEORY_MIN = 2  # EXAM-13: >= 2 per room
PANEL_MIN = 3  # EXAM-7/EXAM-13: >= 3 examiners, odd

TOP_KEYS = frozenset({"station", "sessions", "examiners", "relations", "supervisors", "previous_teams"})
SESSION_KEYS = frozenset({"id", "subject", "occupation", "level", "start", "end", "rooms"})
ROOM_KEYS = frozenset({"id", "candidates", "ratio", "panel"})
EXAMINER_KEYS = frozenset({"id", "senior", "card_valid_until", "scopes", "max_sessions"})
SCOPE_KEYS = frozenset({"occupation", "levels"})
RELATION_KEYS = frozenset({"examiner", "candidate"})
OCCUPATION_CODE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_REPORTED_ERRORS = 50


def odd_at_least(value: int) -> int:
    """The smallest odd number >= value."""
    return value if value % 2 else value + 1


def required_examiners(subject: str, candidates: int, ratio: int | None, panel: int | None) -> int:
    """How many invigilators/examiners a room gets, exactly (EXAM-13, EXAM-7)."""
    if subject == "theory":
        return max(THEORY_MIN, math.ceil(candidates / THEORY_PER_INVIGILATOR))
    if subject == "practical":
        return odd_at_least(max(PANEL_MIN, math.ceil(candidates / (ratio or DEFAULT_PRACTICAL_RATIO))))
    return odd_at_least(max(PANEL_MIN, panel or PANEL_MIN))


@dataclass(frozen=True, slots=True)
class Room:
    """One exam room of a session and how many examiners it needs."""

    id: str
    session: int  # index into Scenario.sessions
    candidates: frozenset[str]
    need: int


@dataclass(frozen=True, slots=True)
class Session:
    """One sitting of one subject (ExamSession): an occupation and level, a half-open [start, end)."""

    id: str
    subject: str
    occupation: str
    level: int
    start: dt.datetime
    end: dt.datetime
    rooms: tuple[int, ...]  # indices into Scenario.rooms

    @property
    def day(self) -> dt.date:
        """The session's start date in China Standard Time (EXAM-2: the card must be valid that day)."""
        return self.start.astimezone(CST).date()

    def overlaps(self, other: Session) -> bool:
        """Half-open intervals: one ending when the other starts does not overlap it."""
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class Examiner:
    """A card holder who may examine or invigilate (EXAM-2, EXAM-3)."""

    id: str
    senior: bool
    card_valid_until: dt.date | None
    scopes: frozenset[tuple[str, int]]  # (occupation, level)
    max_sessions: int | None


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario; rooms and examiners in input order."""

    station: str
    sessions: tuple[Session, ...]
    rooms: tuple[Room, ...]
    examiners: tuple[Examiner, ...]
    relations: dict[str, frozenset[str]]  # examiner id -> related candidate ids (EXAM-4)
    supervisors: frozenset[str]  # SUP-8
    previous_teams: tuple[frozenset[str], ...]  # most recent first (EXAM-5)

    def room_session(self, room: Room) -> Session:
        return self.sessions[room.session]


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
        path, message = self.items[0]
        more = f"(另有 {len(self.items) - 1} 处错误)" if len(self.items) > 1 else ""
        raise ValidationFailed(
            f"考务安排情景有误:{path}:{message}{more}", code="invalid_assignment_scenario", detail=detail
        )


def load_json(text: str | bytes, what: str = "情景文件") -> Any:
    """Decode JSON text; malformed JSON, NaN and Infinity raise ValidationFailed (Chinese)."""

    def reject(name: str) -> Any:
        raise ValueError(f"{name} 不是有效的 JSON 数值")

    try:
        return json.loads(text, parse_constant=reject)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            f"{what}不是有效的 JSON(第 {exc.lineno} 行第 {exc.colno} 列)", code="invalid_json"
        ) from None
    except UnicodeDecodeError:
        raise ValidationFailed(f"{what}不是 UTF-8 编码的文本", code="invalid_json") from None
    except ValueError as exc:
        raise ValidationFailed(f"{what}不是有效的 JSON:{exc}", code="invalid_json") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _path(collection: str, index: int, entry: Any) -> str:
    if isinstance(entry, dict) and _is_text(entry.get("id")):
        return f"{collection}[{index}](id={entry['id']})"
    return f"{collection}[{index}]"


def _keys(
    errors: _Errors, path: str, entry: dict, allowed: frozenset[str], required: tuple[str, ...]
) -> None:
    for key in required:
        if key not in entry:
            errors.add(f"{path}.{key}", "缺少必填字段")
    for key in sorted(set(entry) - allowed):
        errors.add(f"{path}.{key}", f"未知字段;允许的字段:{'、'.join(sorted(allowed))}")


def _positive_int(errors: _Errors, path: str, value: Any, minimum: int) -> int | None:
    if value is None:
        return None
    if not _is_int(value) or value < minimum:
        errors.add(path, f"必须是不小于 {minimum} 的整数")
        return None
    return value


def _level_ok(value: Any) -> bool:
    return _is_int(value) and 1 <= value <= 5


def _parse_rooms(
    errors: _Errors, spath: str, raw: Any, subject: str, session_index: int, rooms: list[Room], seen: dict
) -> list[int]:
    if not isinstance(raw, list) or not raw:
        errors.add(f"{spath}.rooms", "必须是非空数组")
        return []
    indices: list[int] = []
    in_session: dict[str, str] = {}
    for r_index, entry in enumerate(raw):
        path = _path(f"{spath}.rooms", r_index, entry)
        if not isinstance(entry, dict):
            errors.add(path, "必须是对象")
            continue
        before = len(errors.items)
        _keys(errors, path, entry, ROOM_KEYS, ("id", "candidates"))
        room_id = entry.get("id")
        if "id" in entry and not _is_text(room_id):
            errors.add(f"{path}.id", "必须是非空字符串")
        elif _is_text(room_id):
            if room_id in seen:
                errors.add(
                    f"{path}.id", f"考场编号重复(与 {seen[room_id]} 相同):考场编号在整个情景中必须唯一"
                )
            else:
                seen[room_id] = path
        candidates = entry.get("candidates")
        if "candidates" in entry:
            if not isinstance(candidates, list):
                errors.add(f"{path}.candidates", "必须是考生编号数组")
            elif not candidates:
                errors.add(f"{path}.candidates", "考场没有考生")
            else:
                for c_index, candidate in enumerate(candidates):
                    if not _is_text(candidate):
                        errors.add(f"{path}.candidates[{c_index}]", "必须是非空字符串")
                    elif candidate in in_session:
                        errors.add(
                            f"{path}.candidates[{c_index}]",
                            f"考生 {candidate} 在同一场次中重复出现(已在考场 {in_session[candidate]})",
                        )
                    else:
                        in_session[candidate] = room_id if isinstance(room_id, str) else path
        ratio = _positive_int(errors, f"{path}.ratio", entry.get("ratio"), 1)
        panel = _positive_int(errors, f"{path}.panel", entry.get("panel"), 1)
        if len(errors.items) > before:
            continue
        need = required_examiners(subject, len(candidates), ratio, panel) if subject in SUBJECTS else 0
        indices.append(len(rooms))
        rooms.append(Room(id=room_id, session=session_index, candidates=frozenset(candidates), need=need))
    return indices


def _parse_sessions(errors: _Errors, raw: Any) -> tuple[list[Session], list[Room]]:
    sessions: list[Session] = []
    rooms: list[Room] = []
    if not isinstance(raw, list) or not raw:
        errors.add("sessions", "必须是非空数组")
        return sessions, rooms
    seen_sessions: dict[str, str] = {}
    seen_rooms: dict[str, str] = {}
    for index, entry in enumerate(raw):
        path = _path("sessions", index, entry)
        if not isinstance(entry, dict):
            errors.add(path, "必须是对象")
            continue
        before = len(errors.items)
        _keys(errors, path, entry, SESSION_KEYS, tuple(sorted(SESSION_KEYS)))
        sid = entry.get("id")
        if "id" in entry and not _is_text(sid):
            errors.add(f"{path}.id", "必须是非空字符串")
        elif _is_text(sid):
            if sid in seen_sessions:
                errors.add(f"{path}.id", f"场次编号重复(与 {seen_sessions[sid]} 相同)")
            else:
                seen_sessions[sid] = path
        subject = entry.get("subject")
        if "subject" in entry and subject not in SUBJECTS:
            errors.add(f"{path}.subject", "必须是 theory(理论)、practical(操作技能)或 review(综合评审)")
        occupation = entry.get("occupation")
        if "occupation" in entry and not (isinstance(occupation, str) and OCCUPATION_CODE.match(occupation)):
            errors.add(f"{path}.occupation", "职业编码格式应为 d-dd-dd-dd(如 4-01-02-01)")
        if "level" in entry and not _level_ok(entry["level"]):
            errors.add(f"{path}.level", "必须是 1 到 5 的整数")
        elif subject == "review" and entry.get("level") not in REVIEW_LEVELS:
            errors.add(
                f"{path}.level", "综合评审只适用于二级(技师)和一级(高级技师):level 应为 2 或 1"
            )  # EXAM-7/14
        times: dict[str, dt.datetime] = {}
        for key in ("start", "end"):
            if key in entry:
                try:
                    times[key] = parse_datetime(entry[key], allow_date=False)
                except ValueError:
                    errors.add(f"{path}.{key}", "必须是带时间的 ISO 日期时间,如 2025-06-01T09:00:00+08:00")
        if len(times) == 2 and times["end"] <= times["start"]:
            errors.add(f"{path}.end", "结束时间必须晚于开始时间")
        room_indices = (
            _parse_rooms(errors, path, entry.get("rooms"), subject, len(sessions), rooms, seen_rooms)
            if "rooms" in entry
            else []
        )
        if len(errors.items) > before:
            continue
        sessions.append(
            Session(
                id=sid,
                subject=subject,
                occupation=occupation,
                level=entry["level"],
                start=times["start"],
                end=times["end"],
                rooms=tuple(room_indices),
            )
        )
    return sessions, rooms


def _parse_examiners(errors: _Errors, raw: Any) -> list[Examiner]:
    examiners: list[Examiner] = []
    if not isinstance(raw, list):
        errors.add("examiners", "必须是数组")
        return examiners
    seen: dict[str, str] = {}
    for index, entry in enumerate(raw):
        path = _path("examiners", index, entry)
        if not isinstance(entry, dict):
            errors.add(path, "必须是对象")
            continue
        before = len(errors.items)
        _keys(errors, path, entry, EXAMINER_KEYS, ("id",))
        eid = entry.get("id")
        if "id" in entry and not _is_text(eid):
            errors.add(f"{path}.id", "必须是非空字符串")
        elif _is_text(eid):
            if eid in seen:
                errors.add(f"{path}.id", f"考评人员编号重复(与 {seen[eid]} 相同)")
            else:
                seen[eid] = path
        senior = entry.get("senior", False)
        if not isinstance(senior, bool):
            errors.add(f"{path}.senior", "必须是 true 或 false")
        card = entry.get("card_valid_until")
        valid_until = None
        if card is not None:
            try:
                if not (isinstance(card, str) and DATE.match(card)):
                    raise ValueError
                valid_until = dt.date.fromisoformat(card)
            except ValueError:
                errors.add(f"{path}.card_valid_until", "必须是日期 YYYY-MM-DD(或 null:没有有效证卡)")
        scopes: set[tuple[str, int]] = set()
        raw_scopes = entry.get("scopes", [])
        if not isinstance(raw_scopes, list):
            errors.add(f"{path}.scopes", "必须是数组")
            raw_scopes = []
        for s_index, scope in enumerate(raw_scopes):
            spath = f"{path}.scopes[{s_index}]"
            if not isinstance(scope, dict):
                errors.add(spath, "必须是对象 {occupation, levels}")
                continue
            _keys(errors, spath, scope, SCOPE_KEYS, ("occupation", "levels"))
            occupation, levels = scope.get("occupation"), scope.get("levels")
            if "occupation" in scope and not (
                isinstance(occupation, str) and OCCUPATION_CODE.match(occupation)
            ):
                errors.add(f"{spath}.occupation", "职业编码格式应为 d-dd-dd-dd(如 4-01-02-01)")
            elif "levels" in scope:
                if not isinstance(levels, list) or not levels or not all(map(_level_ok, levels)):
                    errors.add(f"{spath}.levels", "必须是由 1 到 5 的整数组成的非空数组")
                else:
                    scopes.update((occupation, level) for level in levels)
        max_sessions = _positive_int(errors, f"{path}.max_sessions", entry.get("max_sessions"), 0)
        if len(errors.items) > before:
            continue
        examiners.append(
            Examiner(
                id=eid,
                senior=senior,
                card_valid_until=valid_until,
                scopes=frozenset(scopes),
                max_sessions=max_sessions,
            )
        )
    return examiners


def _id_list(errors: _Errors, path: str, raw: Any) -> frozenset[str]:
    if not isinstance(raw, list):
        errors.add(path, "必须是编号数组")
        return frozenset()
    for index, value in enumerate(raw):
        if not _is_text(value):
            errors.add(f"{path}[{index}]", "必须是非空字符串")
    return frozenset(v for v in raw if isinstance(v, str))


def parse_scenario(raw: Any) -> Scenario:
    """Validate a decoded scenario; any problem raises ValidationFailed naming every offending path."""
    errors = _Errors()
    if not isinstance(raw, dict):
        errors.add("$", "情景必须是 JSON 对象")
        errors.raise_if_any()
    _keys(errors, "$", raw, TOP_KEYS, ("station", "sessions", "examiners"))
    if "station" in raw and not _is_text(raw["station"]):
        errors.add("station", "必须是非空字符串")
    sessions, rooms = _parse_sessions(errors, raw["sessions"]) if "sessions" in raw else ([], [])
    examiners = _parse_examiners(errors, raw.get("examiners")) if "examiners" in raw else []
    examiner_ids = {e.id for e in examiners}
    candidate_ids = set().union(*(room.candidates for room in rooms))
    relations: dict[str, set[str]] = {}
    raw_relations = raw.get("relations", [])
    if not isinstance(raw_relations, list):
        errors.add("relations", "必须是数组")
        raw_relations = []
    for index, entry in enumerate(raw_relations):
        path = f"relations[{index}]"
        if not isinstance(entry, dict):
            errors.add(path, "必须是对象 {examiner, candidate}")
            continue
        _keys(errors, path, entry, RELATION_KEYS, ("examiner", "candidate"))
        examiner, candidate = entry.get("examiner"), entry.get("candidate")
        # A relation naming nobody in the scenario is a typo that would silently drop a recusal (EXAM-4).
        if "examiner" in entry and (not isinstance(examiner, str) or examiner not in examiner_ids):
            errors.add(f"{path}.examiner", f"未知的考评人员:{examiner!r}")
        elif "candidate" in entry and (not isinstance(candidate, str) or candidate not in candidate_ids):
            errors.add(f"{path}.candidate", f"未知的考生(不在任何考场):{candidate!r}")
        elif "examiner" in entry and "candidate" in entry:
            relations.setdefault(examiner, set()).add(candidate)
    supervisors = _id_list(errors, "supervisors", raw.get("supervisors", []))
    previous: list[frozenset[str]] = []
    raw_previous = raw.get("previous_teams", [])
    if not isinstance(raw_previous, list):
        errors.add("previous_teams", "必须是数组的数组(最近一批在前)")
    else:
        for index, team in enumerate(raw_previous):
            previous.append(_id_list(errors, f"previous_teams[{index}]", team))
    errors.raise_if_any()
    return Scenario(
        station=raw["station"],
        sessions=tuple(sessions),
        rooms=tuple(rooms),
        examiners=tuple(examiners),
        relations={e: frozenset(c) for e, c in relations.items()},
        supervisors=supervisors,
        previous_teams=tuple(previous),
    )
