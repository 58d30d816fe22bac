"""Helpers for the draw tests: scenario builders and an independent checker of the hard constraints.

The checker re-implements the rules from the issue on the raw JSON on purpose (it shares no code
with the engine), so a rule dropped from the engine is caught here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

CST = dt.timezone(dt.timedelta(hours=8))
DAY = "2025-06-02"


def target(
    tid: str,
    institution: str = "I1",
    *,
    start: str = "09:00",
    end: str = "12:00",
    day: str = DAY,
    kind: str = "daily",
    supervisor_kind: str = "external",
    group_size: int = 1,
    **extra: Any,
) -> dict:
    """A target entry; times are local (CST) on `day`."""
    entry = {
        "id": tid,
        "institution": institution,
        "start": f"{day}T{start}:00+08:00",
        "end": f"{day}T{end}:00+08:00",
        "kind": kind,
        "supervisor_kind": supervisor_kind,
        "group_size": group_size,
    }
    entry.update(extra)
    return entry


def supervisor(
    sid: str, kind: str = "external", *, card: str = "2030-12-31", max_tasks: int = 3, **extra: Any
) -> dict:
    """A supervisor entry with a card valid until `card` (date or date-time)."""
    entry = {"id": sid, "kind": kind, "card_valid_until": card, "max_tasks": max_tasks}
    entry.update(extra)
    return entry


def scenario(targets: list[dict], supervisors: list[dict], **extra: Any) -> dict:
    return {"targets": targets, "supervisors": supervisors, **extra}


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=CST)


def card_covers(card: str, end: dt.datetime) -> bool:
    """A bare date is valid through the end of that day in CST; a date-time up to that instant."""
    if len(card) == 10:
        return end.astimezone(CST).date() <= dt.date.fromisoformat(card)
    return end <= _instant(card)


def overlaps(a: dict, b: dict) -> bool:
    return _instant(a["start"]) < _instant(b["end"]) and _instant(b["start"]) < _instant(a["end"])


def act4_blocked(t: dict) -> bool:
    return t["kind"] == "special" and t["group_size"] < 3 and not (t.get("reason") or "").strip()


def statically_eligible(raw: dict, t: dict, s: dict) -> bool:
    """Every static hard constraint of the issue, on raw JSON."""
    conflicts = raw.get("conflicts", [])
    examiners = raw.get("examiners", [])
    if s["kind"] != t["supervisor_kind"]:
        return False
    if s["kind"] == "internal" and s.get("institution") != t["institution"]:
        return False
    if s["kind"] == "external" and s.get("employer") == t["institution"]:
        return False
    for c in conflicts:
        if c["supervisor"] == s["id"] and (
            c.get("target") == t["id"] or c.get("institution") == t["institution"]
        ):
            return False
    if any(e["supervisor"] == s["id"] and e["target"] == t["id"] for e in examiners):
        return False
    if not card_covers(s["card_valid_until"], _instant(t["end"])):
        return False
    return s["max_tasks"] >= 1


def check_result(raw: dict, result: dict) -> None:
    """Assert that `result` satisfies every hard constraint and the output contract."""
    assert set(result) == {
        "scenario_digest",
        "seed_commitment",
        "hash",
        "selected",
        "assignments",
        "unassigned",
        "stats",
    }
    targets = {t["id"]: t for t in raw["targets"]}
    sups = {s["id"]: s for s in raw["supervisors"]}
    selected = result["selected"]
    assert selected == sorted(selected) and len(set(selected)) == len(selected)
    assert set(selected) <= set(targets)
    assigned, unassigned = set(result["assignments"]), set(result["unassigned"])
    assert assigned | unassigned == set(selected)
    assert not assigned & unassigned
    held: dict[str, list[str]] = {}
    for tid, sids in result["assignments"].items():
        t = targets[tid]
        assert sids == sorted(sids) and len(set(sids)) == len(sids)
        assert len(sids) == t["group_size"], tid  # exactly group_size
        assert not act4_blocked(t), tid  # ACT-4
        for sid in sids:
            assert statically_eligible(raw, t, sups[sid]), (tid, sid)
            held.setdefault(sid, []).append(tid)
    for sid, tids in held.items():
        assert len(tids) <= sups[sid]["max_tasks"], sid
        for a, b in itertools.combinations(tids, 2):
            assert not overlaps(targets[a], targets[b]), (sid, a, b)
    for tid in unassigned:
        assert isinstance(result["unassigned"][tid], str) and result["unassigned"][tid]
    loads = [len(v) for v in held.values()]
    assert result["stats"]["max_load"] == max(loads, default=0)
    assert isinstance(result["stats"]["mean_load"], float)


def brute_force_optimum(raw: dict, selected: list[str]) -> tuple[int, int]:
    """(max staffed targets, min max load among those) by exhaustive search; tiny scenarios only."""
    targets = [t for t in raw["targets"] if t["id"] in set(selected) and not act4_blocked(t)]
    sups = raw["supervisors"]
    options = []
    for t in targets:
        eligible = [s["id"] for s in sups if statically_eligible(raw, t, s)]
        options.append([None, *itertools.combinations(eligible, t["group_size"])])
    cap = {s["id"]: s["max_tasks"] for s in sups}
    best = (0, 0)
    held: dict[str, list[dict]] = {}

    def search(i: int, staffed: int) -> None:
        nonlocal best
        if i == len(targets):
            load = max((len(v) for v in held.values()), default=0)
            if (staffed, -load) > (best[0], -best[1]):
                best = (staffed, load)
            return
        t = targets[i]
        for group in options[i]:
            members = group or ()
            if any(
                len(held.get(s, [])) >= cap[s] or any(overlaps(t, o) for o in held.get(s, []))
                for s in members
            ):
                continue
            for s in members:
                held.setdefault(s, []).append(t)
            search(i + 1, staffed + (group is not None))
            for s in members:
                held[s].pop()

    search(0, 0)
    return best
