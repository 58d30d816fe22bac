"""The constraint checker of an assignment result: every hard rule, stated again from the scenario.

Written apart from the solver on purpose (it does not use the solver's filters), so `dudao exam verify`
and the benchmark judge a result without trusting the code that produced it. Violations are Chinese
sentences naming the room and the examiner.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from .assignment_scenario import Scenario

RESULT_KEYS = ("assignments", "scenario_digest", "seed_commitment", "stats", "team", "unassigned")


def _shape(result: Any) -> list[str]:
    if not isinstance(result, dict):
        return ["结果必须是 JSON 对象"]
    problems = [f"结果缺少字段 {key}" for key in RESULT_KEYS if key not in result]
    problems += [f"结果含有多余字段 {key}" for key in sorted(set(result) - set(RESULT_KEYS))]
    assignments = result.get("assignments")
    if not isinstance(assignments, dict) or not all(
        isinstance(v, list) and all(isinstance(e, str) for e in v) for v in assignments.values()
    ):
        problems.append("assignments 必须是 {考场编号: [考评人员编号, …]} 对象")
    unassigned = result.get("unassigned")
    if not isinstance(unassigned, list) or not all(
        isinstance(u, dict) and isinstance(u.get("room"), str) for u in unassigned
    ):
        problems.append('unassigned 必须是 [{"room", "reason", "counts"}, …] 数组')
    team = result.get("team")
    if not isinstance(team, list) or not all(isinstance(e, str) for e in team):
        problems.append("team 必须是考评人员编号数组")
    if not isinstance(result.get("stats"), dict):
        problems.append("stats 必须是对象")
    return problems


def check(scenario: Scenario, result: Any, *, at_least: bool = False) -> list[str]:
    """Every hard constraint the result breaks, in Chinese (empty: the result meets them all).

    A solver's result staffs each room with exactly the number it needs. `at_least` is for the product's
    changes after publishing (a replacement, a seat swap): a room may keep more than it needs, as long as
    theory rooms have enough and practical rooms and review panels an odd number of at least that many."""
    problems = _shape(result)
    if problems:
        return problems
    rooms = {room.id: room for room in scenario.rooms}
    examiners = {e.id: e for e in scenario.examiners}
    assignments: dict[str, list[str]] = result["assignments"]
    unassigned_rooms = [u["room"] for u in result["unassigned"]]
    if len(set(unassigned_rooms)) != len(unassigned_rooms):
        problems.append("unassigned 中有重复的考场")
    for room_id in sorted(set(assignments) | set(unassigned_rooms)):
        if room_id not in rooms:
            problems.append(f"考场 {room_id} 不在情景中")
    for room_id in sorted(set(assignments) & set(unassigned_rooms)):
        problems.append(f"考场 {room_id} 既已安排又列为未安排")
    for room_id in sorted(set(rooms) - set(assignments) - set(unassigned_rooms)):
        problems.append(f"考场 {room_id} 既未安排也未列为未安排")

    previous = scenario.previous_teams[0] if scenario.previous_teams else frozenset()
    three_in_a_row = (
        scenario.previous_teams[0] & scenario.previous_teams[1] & scenario.previous_teams[2]
        if len(scenario.previous_teams) >= 3
        else frozenset()
    )
    held: dict[str, list[str]] = defaultdict(list)
    for room_id in sorted(assignments):
        room = rooms.get(room_id)
        if room is None:
            continue
        session = scenario.sessions[room.session]
        names = assignments[room_id]
        if len(set(names)) != len(names):
            problems.append(f"考场 {room_id}:同一考评人员重复安排")
        if not at_least and len(names) != room.need:
            problems.append(f"考场 {room_id}:安排了 {len(names)} 人,应为 {room.need} 人")  # EXAM-13, EXAM-7
        elif at_least and len(names) < room.need:
            problems.append(f"考场 {room_id}:安排了 {len(names)} 人,至少应为 {room.need} 人")  # EXAM-13
        elif at_least and session.subject != "theory" and len(names) % 2 == 0:
            problems.append(f"考场 {room_id}:安排了 {len(names)} 人,考评小组应为奇数")  # EXAM-7
        for name in sorted(set(names)):
            examiner = examiners.get(name)
            if examiner is None:
                problems.append(f"考场 {room_id}:考评人员 {name} 不在情景中")
                continue
            held[name].append(room_id)
            where = f"考场 {room_id}:{name}"
            if name in scenario.supervisors:
                problems.append(f"{where} 是本批次督导人员")  # SUP-8
            if session.subject in ("practical", "review"):
                if examiner.card_valid_until is None or examiner.card_valid_until < session.day:
                    problems.append(f"{where} 的证卡在考试当日({session.day.isoformat()})无效")  # EXAM-2
                if (session.occupation, session.level) not in examiner.scopes:
                    problems.append(
                        f"{where} 的认定范围不含 {session.occupation} {session.level} 级"
                    )  # EXAM-3
            if session.subject == "review" and not examiner.senior:
                problems.append(f"{where} 不是高级考评员,不能参加综合评审")  # EXAM-7
            related = scenario.relations.get(name, frozenset()) & room.candidates
            if related:
                problems.append(f"{where} 与考生 {'、'.join(sorted(related))} 有回避关系")  # EXAM-4
            if name in three_in_a_row:
                problems.append(f"{where} 已连续三批担任本站考评人员")  # EXAM-5
    for name in sorted(held):
        mine = sorted(held[name])
        cap = examiners[name].max_sessions
        if cap is not None and len(mine) > cap:
            problems.append(f"{name} 安排了 {len(mine)} 个考场,超过其上限 {cap}")
        for i, a in enumerate(mine):
            for b in mine[i + 1 :]:
                sa, sb = scenario.sessions[rooms[a].session], scenario.sessions[rooms[b].session]
                if sa.start < sb.end and sb.start < sa.end:
                    problems.append(f"{name} 同时被安排在考场 {a} 和 {b}(时间重叠)")
    team = sorted(held)
    if result["team"] != team:
        problems.append(f"team 应为全部已安排的考评人员(共 {len(team)} 人)")
    new_members = sum(1 for name in team if name not in previous)
    if previous and new_members < math.ceil(len(team) / 3):
        problems.append(f"新成员 {new_members} 人,少于考评组 {len(team)} 人的三分之一")  # EXAM-5
    loads = [len(rooms_held) for rooms_held in held.values()]
    stats = {"max_load": max(loads, default=0), "new_members": new_members, "team_size": len(team)}
    if result["stats"] != stats or any(type(v) is not int for v in result["stats"].values()):
        problems.append(
            f"stats 应为 最大负荷 {stats['max_load']}、新成员 {stats['new_members']}、"
            f"考评组 {stats['team_size']} 人"
        )
    return problems
