"""Examiner assignment benchmark (issue 10 item 5): one station-day.

Run: .venv/bin/python -m bench.assign_bench [--seed S] [--json]
Scenario (generated, fixed generator seed): 3,000 candidates (each seat a distinct candidate) in 120
rooms of 11 sessions over three overlapping time slots: 50 theory rooms of 30 (one of 35), 55 practical
rooms of 25 (ratio 5 or 8), 15 review rooms of 8 (panel 3 or 5); 500 examiners (about a third senior,
1-2 occupations each, about 6 % with an expired card, 10 % capped at one room), 10 of them supervising
the batch; relations: 5 % of the candidates (150) each have one related examiner; three previous teams
of 180, 40 examiners in all three.
Targets: solve <= 5 s on the 2-core reference machine, every constraint met (the independent checker),
max load <= lower bound + 1 (lower bound: max over room groups of ceil(slots / usable examiners)).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dudao.common.domain import canonical_json, preferred_hash_algorithm
from dudao.exams.domain.assignment import solve_parsed
from dudao.exams.domain.assignment_check import check
from dudao.exams.domain.assignment_scenario import CST, parse_scenario
from dudao.supervision.draw.engine import scenario_digest

GENERATOR_SEED = 20250607
DAY = dt.date(2025, 6, 7)
LIMIT_SECONDS = 5.0
OCCUPATIONS = ("4-01-02-01", "4-02-01-01", "6-05-01-01", "6-18-01-01", "4-10-01-01", "6-26-01-02")
# (subject, occupation index, level, start, end, rooms, candidates per room)
SESSIONS = (
    ("theory", 0, 3, "08:30", "10:00", 12, 30),
    ("theory", 1, 4, "08:30", "10:00", 12, 30),
    ("theory", 2, 3, "08:30", "10:00", 13, 30),
    ("theory", 3, 5, "10:00", "11:30", 13, 30),  # touches the first slot: not overlapping
    ("practical", 0, 3, "10:30", "12:30", 10, 25),
    ("practical", 1, 4, "13:30", "17:00", 12, 25),
    ("practical", 2, 3, "13:30", "17:00", 12, 25),
    ("practical", 3, 5, "13:00", "16:00", 11, 25),
    ("practical", 4, 4, "14:00", "17:30", 10, 25),
    ("review", 0, 2, "14:30", "16:30", 8, 8),
    ("review", 5, 1, "09:00", "11:00", 7, 8),
)


def _at(hhmm: str) -> str:
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime.combine(DAY, dt.time(hours, minutes), tzinfo=CST).isoformat()


def generate(rng: random.Random) -> dict:
    sessions, candidates = [], []
    seat = 0
    for index, (subject, occ, level, start, end, rooms, per_room) in enumerate(SESSIONS, start=1):
        session_rooms = []
        for r in range(1, rooms + 1):
            size = per_room + (5 if index == 1 and r == 1 else 0)  # 2,995 seats otherwise: 3,000 in all
            people = [f"C{seat + k:05d}" for k in range(1, size + 1)]
            seat += size
            candidates += people
            room = {"id": f"S{index:02d}-R{r:02d}", "candidates": people}
            if subject == "practical":
                room["ratio"] = rng.choice((5, 5, 5, 8))
            if subject == "review":
                room["panel"] = rng.choice((3, 3, 5))
            session_rooms.append(room)
        sessions.append(
            {
                "id": f"S{index:02d}",
                "subject": subject,
                "occupation": OCCUPATIONS[occ],
                "level": level,
                "start": _at(start),
                "end": _at(end),
                "rooms": session_rooms,
            }
        )
    examiners = []
    for n in range(1, 501):
        occupations = rng.sample(OCCUPATIONS, rng.choice((1, 2, 2)))
        senior = rng.random() < 0.35
        low = 1 if senior else rng.choice((3, 4))
        card = (
            DAY + dt.timedelta(days=rng.randint(-60, 1000))
            if rng.random() < 0.1
            else DAY + dt.timedelta(days=rng.randint(0, 1000))
        )
        examiner = {
            "id": f"E{n:04d}",
            "senior": senior,
            "card_valid_until": card.isoformat(),
            "scopes": [{"occupation": o, "levels": list(range(low, 6))} for o in occupations],
        }
        if rng.random() < 0.1:
            examiner["max_sessions"] = 1
        examiners.append(examiner)
    ids = [e["id"] for e in examiners]
    relations = [
        {"examiner": rng.choice(ids), "candidate": c} for c in rng.sample(candidates, len(candidates) // 20)
    ]
    veterans = rng.sample(ids, 40)
    others = [i for i in ids if i not in veterans]
    previous_teams = [sorted(veterans + rng.sample(others, 140)) for _ in range(3)]
    return {
        "station": "BENCH-STATION",
        "sessions": sessions,
        "examiners": examiners,
        "relations": relations,
        "supervisors": rng.sample(ids, 10),
        "previous_teams": previous_teams,
    }


def run(seed: str) -> dict:
    raw = generate(random.Random(GENERATOR_SEED))
    algorithm = preferred_hash_algorithm()
    text = canonical_json(raw)
    started = time.perf_counter()
    scenario = parse_scenario(json.loads(text))
    digest_hex = scenario_digest(raw, algorithm)
    outcome = solve_parsed(scenario, digest_hex, seed, algorithm)
    seconds = time.perf_counter() - started
    violations = check(scenario, outcome.payload)
    again = solve_parsed(scenario, digest_hex, seed, algorithm).to_json()
    stats = outcome.payload["stats"]
    slots = sum(room.need for room in scenario.rooms)
    return {
        "benchmark": "exam assignment, one station-day",
        "candidates": sum(len(room.candidates) for room in scenario.rooms),
        "rooms": len(scenario.rooms),
        "sessions": len(scenario.sessions),
        "examiners": len(scenario.examiners),
        "relations": len(raw["relations"]),
        "slots": slots,
        "hash": algorithm,
        "seconds": round(seconds, 3),
        "limit_seconds": LIMIT_SECONDS,
        "rooms_staffed": len(outcome.payload["assignments"]),
        "rooms_unassigned": len(outcome.payload["unassigned"]),
        "max_load": stats["max_load"],
        "lower_bound": outcome.lower_bound,
        "team_size": stats["team_size"],
        "new_members": stats["new_members"],
        "violations": len(violations),
        "reproducible": again == outcome.to_json(),
        "proven": outcome.proven,
        "phases": outcome.phases,
        "notes": outcome.notes,
        "ok": (
            seconds <= LIMIT_SECONDS
            and not violations
            and stats["max_load"] <= outcome.lower_bound + 1
            and again == outcome.to_json()
        ),
        "python": platform.python_version(),
    }


def section(figures: dict) -> str:
    """The docs/performance.md section of one run (bench/run.py appends it; Chinese, then English)."""
    if not figures or "seconds" not in figures:
        return ""
    verdict = "达标 met" if figures.get("ok") else "未达标 NOT MET"
    return "\n".join(
        [
            "## 考评人员安排基准 / Examiner assignment benchmark (issue 10 §5)",
            "",
            "命令 command: `.venv/bin/python -m bench.assign_bench --json`"
            "(`make bench` 也会调用 / also run by `make bench`)。一个考点一天 / one station-day: "
            f"{figures['candidates']:,} 名考生 candidates, {figures['rooms']} 个考场 rooms "
            f"({figures['sessions']} 个场次 sessions), {figures['examiners']} 名考评员 examiners, "
            f"{figures['relations']} 条回避关系 relations (5 %), {figures['slots']} 个岗位 places.",
            "",
            "| 指标 metric | 结果 result | 目标 target |",
            "|---|---|---|",
            f"| 求解时间 solve time | {figures['seconds']} s | ≤ {figures['limit_seconds']} s |",
            f"| 安排到位的考场 rooms staffed | {figures['rooms_staffed']} / {figures['rooms']} | 全部 all |",
            f"| 最大负荷 max load / 下界 lower bound | {figures['max_load']} / {figures['lower_bound']} "
            "| ≤ 下界 + 1 |",
            f"| 违反约束 violations (独立核验 independent checker) | {figures['violations']} | 0 |",
            f"| 两次运行字节一致 reproducible | {'是 yes' if figures['reproducible'] else '否 no'} "
            "| 是 yes |",
            f"| 结论 verdict | {verdict} | |",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", default="20250607", help="assignment seed")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = run(args.seed)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
