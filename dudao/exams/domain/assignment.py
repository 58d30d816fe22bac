"""Examiner and invigilator assignment (issue 10 item 5) as one pure function of (scenario, seed).

Hard constraints, each with its rule:
  nobody who supervises the batch (SUP-8); practical and review rooms: a card valid on the session's
  start date (EXAM-2) whose scope holds the session's occupation and level (EXAM-3); review rooms:
  senior examiners only (EXAM-7); no declared relation with a candidate of the room (EXAM-4); nobody
  who served in each of the last three teams (EXAM-5); nobody in two overlapping sessions, nor in two
  rooms of one session; at most max_sessions rooms; exactly the required number per room (EXAM-13,
  EXAM-7); at least ceil(team/3) of the team not in the previous team (EXAM-5).

Objectives, lexicographic, each optimum fixed before the next: (1) staff as many rooms as possible,
(2) minimise the largest load (rooms per examiner), (3) minimise the sum of squared loads (spread), with
seeded random pair weights breaking ties inside the same objective. The randomness lives in the weights,
H(H(seed|scenario_digest)|weight|room|examiner), never in the solver: one CP-SAT worker, a fixed solver
seed and deterministic work limits only, so the same scenario and seed give the same bytes on every run.

Infeasible rooms are reported, never partly staffed, with the count of examiners left after each filter
(STEPS, in this order) and the filter that emptied the pool.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from dudao.common.domain import canonical_json, digest, preferred_hash_algorithm
from dudao.common.errors import ValidationFailed
from dudao.supervision.draw.engine import (
    HASH_ALGORITHMS,
    check_seed,
    compare_results,
    scenario_digest,
    seed_commitment,
)
from dudao.supervision.draw.select import draw_key

from .assignment_check import check
from .assignment_scenario import Room, Scenario, parse_scenario

STEP_TOTAL = "考评人员总数"
STEP_NOT_SUPERVISOR = "非本批督导"  # SUP-8
STEP_CARD = "证卡有效"  # EXAM-2
STEP_SCOPE = "在认定范围"  # EXAM-3
STEP_SENIOR = "高级考评员"  # EXAM-7
STEP_NO_RELATION = "无回避关系"  # EXAM-4
STEP_ROTATION = "非连续三次"  # EXAM-5
STEP_TIME = "时间不冲突"
STEP_CAP = "未超场次上限"
STEP_NEED = "需要"
STEPS = (
    STEP_TOTAL,
    STEP_NOT_SUPERVISOR,
    STEP_CARD,
    STEP_SCOPE,
    STEP_SENIOR,
    STEP_NO_RELATION,
    STEP_ROTATION,
    STEP_TIME,
    STEP_CAP,
)
STEP_RULES = {
    STEP_NOT_SUPERVISOR: "本批次的督导人员不得担任考评人员",
    STEP_CARD: "考评员证卡须在考试当日有效",
    STEP_SCOPE: "考评员证卡须包含本职业及等级",
    STEP_SENIOR: "综合评审须由高级考评员担任",
    STEP_NO_RELATION: "与本考场考生有亲属、师生或师徒关系的须回避",
    STEP_ROTATION: "已连续三批在本站担任考评人员的不得再次担任",
    STEP_TIME: "同一时间只能在一个考场",
    STEP_CAP: "不得超过本人的场次上限",
}
REASON_ROTATION = "考评组轮换(至少三分之一为新成员)与其他考场的安排无法同时满足"
REASON_COMPETITION = "与其他考场同时安排时考评人员不足"
REASON_NOT_PROVEN = "在求解工作量限额内未能安排(未证明无法安排)"

SOLVER_SEED = 20200901  # fixed: the solver's own search adds no randomness
PHASE_DETERMINISTIC_LIMIT = 10.0  # deterministic (reproducible) work units per CP-SAT phase
SPREAD_DETERMINISTIC_LIMIT = 2.0  # the tie-break phase: its best solution within this work is kept
WALL_SAFETY_SECONDS = 600.0  # never expected; when hit the answer may not be reproducible: noted
WEIGHT_BITS = 10


@dataclass
class Outcome:
    """The published result (`payload`) and what the solver could prove (not part of the payload)."""

    payload: dict[str, Any]
    proven: bool
    lower_bound: int
    notes: list[str] = field(default_factory=list)
    phases: list[dict] = field(default_factory=list)

    def to_json(self) -> str:
        return canonical_json(self.payload)


# --------------------------------------------------------------------------------------- eligibility


def veterans(scenario: Scenario) -> frozenset[str]:
    """EXAM-5: whoever served in each of the last three teams may not serve a fourth time in a row."""
    if len(scenario.previous_teams) < 3:
        return frozenset()
    first, second, third = scenario.previous_teams[:3]
    return first & second & third


def static_reason(scenario: Scenario, room: Room, ei: int, exclude: frozenset[str]) -> str | None:
    """The first static filter (STEPS order) that keeps examiner ei out of the room, or None."""
    examiner = scenario.examiners[ei]
    session = scenario.sessions[room.session]
    if examiner.id in scenario.supervisors:
        return STEP_NOT_SUPERVISOR  # SUP-8
    if session.subject != "theory":
        if examiner.card_valid_until is None or examiner.card_valid_until < session.day:
            return STEP_CARD  # EXAM-2: valid on its last day
        if (session.occupation, session.level) not in examiner.scopes:
            return STEP_SCOPE  # EXAM-3
        if session.subject == "review" and not examiner.senior:
            return STEP_SENIOR  # EXAM-7
    if scenario.relations.get(examiner.id, frozenset()) & room.candidates:
        return STEP_NO_RELATION  # EXAM-4
    if examiner.id in exclude:
        return STEP_ROTATION  # EXAM-5
    return None


def session_cliques(scenario: Scenario) -> list[frozenset[int]]:
    """Maximal sets of pairwise overlapping sessions (half-open intervals: touching is not overlapping).

    Every maximal clique of an interval graph is the set of intervals running at the start of one of
    them; "at most one room per clique" per examiner is then exactly "no two overlapping sessions".
    """
    sessions = scenario.sessions
    sets = {frozenset(j for j, t in enumerate(sessions) if t.start <= s.start < t.end) for s in sessions}
    return sorted((c for c in sets if not any(c < other for other in sets)), key=sorted)


def _weight(key: str, room: str, examiner: str, algorithm: str) -> int:
    return int(digest(f"{key}|weight|{room}|{examiner}", algorithm)[:4], 16) >> (16 - WEIGHT_BITS)


# ------------------------------------------------------------------------------------------- model


class _Model:
    """CP-SAT model over the statically eligible (room, examiner) pairs of the staffable rooms."""

    def __init__(self, scenario: Scenario, pools: dict[int, list[int]], weights: dict[tuple[int, int], int]):
        self.scenario = scenario
        self.m = m = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.y: dict[int, cp_model.IntVar] = {}
        self.weights = weights
        self.by_examiner: dict[int, list[int]] = defaultdict(list)
        for ri, pool in pools.items():
            row = []
            for ei in pool:
                var = m.new_bool_var(f"x{ri}_{ei}")
                self.x[ri, ei] = var
                row.append(var)
                self.by_examiner[ei].append(ri)
            self.y[ri] = m.new_bool_var(f"y{ri}")
            m.add(sum(row) == scenario.rooms[ri].need * self.y[ri])
        top = max((len(rs) for rs in self.by_examiner.values()), default=0)
        self.max_load = m.new_int_var(0, top, "max_load")
        self.loads: dict[int, Any] = {}
        clique_of: dict[int, list[int]] = defaultdict(list)
        for ci, clique in enumerate(session_cliques(scenario)):
            for si in clique:
                clique_of[si].append(ci)
        for ei, rooms in self.by_examiner.items():
            load = sum(self.x[ri, ei] for ri in rooms)
            self.loads[ei] = load
            cap = scenario.examiners[ei].max_sessions
            if cap is not None and cap < len(rooms):
                m.add(load <= cap)
            m.add(load <= self.max_load)
            groups: dict[int, list[int]] = defaultdict(list)
            for ri in rooms:
                for ci in clique_of[scenario.rooms[ri].session]:
                    groups[ci].append(ri)
            for ci in sorted(groups):
                if len(groups[ci]) >= 2:
                    m.add(sum(self.x[ri, ei] for ri in groups[ci]) <= 1)
        self._rotation()

    def _rotation(self) -> None:
        """EXAM-5: 3 * new members >= team size, team = everyone assigned anywhere."""
        sc = self.scenario
        if not sc.previous_teams:
            return
        previous = sc.previous_teams[0]
        old = [ei for ei in self.by_examiner if sc.examiners[ei].id in previous]
        if not old:
            return
        used = {}
        for ei, rooms in self.by_examiner.items():
            u = self.m.new_bool_var(f"u{ei}")
            self.m.add_max_equality(u, [self.x[ri, ei] for ri in rooms])
            used[ei] = u
        new = [used[ei] for ei in used if sc.examiners[ei].id not in previous]
        self.m.add(2 * sum(new) >= sum(used[ei] for ei in old))

    def spread_terms(self, max_load: int) -> list:
        """Sum of squared loads: load + sum over k = 2..load of 2(k-1), with z_k = [load >= k]."""
        terms: list = [var for var in self.x.values()]
        for ei, rooms in self.by_examiner.items():
            cap = self.scenario.examiners[ei].max_sessions
            top = min(max_load, len(rooms), cap if cap is not None else len(rooms))
            if top < 2:
                continue
            zs = [self.m.new_bool_var(f"z{ei}_{k}") for k in range(2, top + 1)]
            self.m.add(self.loads[ei] <= 1 + sum(zs))
            for a, b in itertools.pairwise(zs):
                self.m.add_implication(b, a)
            terms += [2 * (k - 1) * z for k, z in zip(range(2, top + 1), zs, strict=True)]
        return terms

    def hint(self, values: dict[tuple[int, int], int]) -> None:
        self.m.clear_hints()
        for key, var in self.x.items():
            self.m.add_hint(var, values.get(key, 0))

    def solve(
        self, label: str, phases: list[dict], notes: list[str], *, lp: bool = True, limit: float | None = None
    ):
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = 1
        params.random_seed = SOLVER_SEED
        params.linearization_level = 2 if lp else 0
        params.max_deterministic_time = limit or PHASE_DETERMINISTIC_LIMIT
        params.max_time_in_seconds = WALL_SAFETY_SECONDS
        status = solver.solve(self.m)
        name = solver.status_name(status)
        if status in (cp_model.FEASIBLE, cp_model.UNKNOWN):
            if solver.wall_time >= WALL_SAFETY_SECONDS * 0.99:
                notes.append(f"{label}: wall-clock safety limit reached; this result may not be reproducible")
            else:
                notes.append(f"{label}: deterministic work limit reached (reproducible; not proven optimal)")
        values: dict[tuple[int, int], int] = {}
        objective = None
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = {key: int(solver.boolean_value(var)) for key, var in self.x.items()}
            objective = solver.objective_value if self.m.has_objective() else None
            self.hint(values)
        phases.append(
            {
                "phase": label,
                "variables": len(self.x),
                "status": name,
                "deterministic_time": round(solver.deterministic_time, 3),
                "wall_seconds": round(solver.wall_time, 3),
            }
        )
        return name, values, objective


def _lower_bound(scenario: Scenario, pools: dict[int, list[int]], rooms: list[int]) -> int:
    """max over groups of rooms (all; each subject/occupation/level) of ceil(slots / usable examiners)."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for ri in rooms:
        s = scenario.sessions[scenario.rooms[ri].session]
        groups[()].append(ri)
        groups[(s.subject, s.occupation, s.level)].append(ri)
    bound = 0
    for members in groups.values():
        slots = sum(scenario.rooms[ri].need for ri in members)
        usable = len(set().union(*(pools[ri] for ri in members)))
        if usable:
            bound = max(bound, math.ceil(slots / usable))
    return bound


def _flow(
    scenario: Scenario, pools: dict[int, list[int]], weights: dict[tuple[int, int], int], cap: int
) -> tuple[bool, dict[tuple[int, int], int]]:
    """Min-cost flow without the overlap and rotation constraints, loads capped at `cap`.

    Source -> room (capacity need) -> examiner (1 per pair, cost 2^10 - weight) -> sink through one arc
    per unit of load, the k-th costing (2k - 1) x (more than every pair cost together): the flow staffs
    every room iff the relaxation can, and among those it minimises the sum of squared loads, then
    maximises the seeded weights. Returns (every room staffed, pair values).
    """
    rooms = sorted(pools)
    examiners = sorted({ei for ri in rooms for ei in pools[ri]})
    room_node = {ri: 1 + i for i, ri in enumerate(rooms)}
    examiner_node = {ei: 1 + len(rooms) + i for i, ei in enumerate(examiners)}
    sink = 1 + len(rooms) + len(examiners)
    big = 1 + (1 << WEIGHT_BITS) * sum(scenario.rooms[ri].need for ri in rooms)
    smcf = min_cost_flow.SimpleMinCostFlow()
    for ri in rooms:
        smcf.add_arc_with_capacity_and_unit_cost(0, room_node[ri], scenario.rooms[ri].need, 0)
    pair_arcs = []
    for ri in rooms:
        for ei in pools[ri]:
            arc = smcf.add_arc_with_capacity_and_unit_cost(
                room_node[ri], examiner_node[ei], 1, (1 << WEIGHT_BITS) - weights[ri, ei]
            )
            pair_arcs.append((arc, ri, ei))
    for ei in examiners:
        limit = scenario.examiners[ei].max_sessions
        top = min(cap, limit) if limit is not None else cap
        for k in range(1, top + 1):
            smcf.add_arc_with_capacity_and_unit_cost(examiner_node[ei], sink, 1, (2 * k - 1) * big)
    total = sum(scenario.rooms[ri].need for ri in rooms)
    smcf.set_node_supply(0, total)
    smcf.set_node_supply(sink, -total)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        return False, {}
    values = {(ri, ei): 1 for arc, ri, ei in pair_arcs if smcf.flow(arc)}
    return smcf.maximum_flow() == total, values


def _flow_bound(
    scenario: Scenario, pools: dict[int, list[int]], weights: dict[tuple[int, int], int], start: int
) -> tuple[int | None, dict[tuple[int, int], int]]:
    """The least load cap at which the relaxation staffs every room (a lower bound), and its flow."""
    top = max((len(rs) for rs in _by_examiner(pools).values()), default=0)
    for cap in range(max(start, 1), top + 1):
        saturated, values = _flow(scenario, pools, weights, cap)
        if saturated:
            return cap, values
    return None, {}


def _by_examiner(pools: dict[int, list[int]]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for ri in sorted(pools):
        for ei in pools[ri]:
            out[ei].append(ri)
    return out


def _fits(scenario: Scenario, values: dict[tuple[int, int], int]) -> bool:
    """Whether a relaxed solution also meets the overlap and rotation constraints (EXAM-5)."""
    held: dict[int, list[int]] = defaultdict(list)
    for (ri, ei), value in values.items():
        if value:
            held[ei].append(ri)
    for rooms in held.values():
        sessions = [scenario.sessions[scenario.rooms[ri].session] for ri in rooms]
        for i, a in enumerate(sessions):
            if any(a.overlaps(b) for b in sessions[i + 1 :]):
                return False
    if scenario.previous_teams:
        previous = scenario.previous_teams[0]
        team = [scenario.examiners[ei].id for ei in held]
        new = sum(1 for name in team if name not in previous)
        if 3 * new < len(team):
            return False
    return True


def _repair(
    scenario: Scenario,
    pools: dict[int, list[int]],
    weights: dict[tuple[int, int], int],
    values: dict[tuple[int, int], int],
    cap: int,
) -> dict[tuple[int, int], int] | None:
    """Deterministic repair of the relaxed flow: whoever holds overlapping rooms keeps the earliest and
    is replaced in the others by the least-loaded, heaviest-weight free examiner of the pool; None when
    some room finds no substitute."""
    held: dict[int, list[int]] = defaultdict(list)
    for (ri, ei), value in sorted(values.items()):
        if value:
            held[ei].append(ri)
    members = {ri: {ei for ei in pools[ri] if values.get((ri, ei))} for ri in pools}

    def session(ri: int):
        return scenario.sessions[scenario.rooms[ri].session]

    def free(ei: int, ri: int) -> bool:
        limit = scenario.examiners[ei].max_sessions
        if len(held[ei]) >= (min(cap, limit) if limit is not None else cap):
            return False
        return not any(session(ri).overlaps(session(other)) for other in held[ei])

    for ei in sorted(held):
        rooms = sorted(held[ei], key=lambda ri: (session(ri).start, ri))
        kept: list[int] = []
        for ri in rooms:
            if any(session(ri).overlaps(session(k)) for k in kept):
                held[ei].remove(ri)
                members[ri].discard(ei)
                options = [o for o in pools[ri] if o not in members[ri] and o != ei and free(o, ri)]
                if not options:
                    return None
                pick = min(options, key=lambda o: (len(held[o]), -weights[ri, o], o))
                held[pick].append(ri)
                members[ri].add(pick)
            else:
                kept.append(ri)
    return {(ri, ei): 1 for ri, eis in members.items() for ei in eis}


def _fix(m: cp_model.CpModel, var: cp_model.IntVar, value: int) -> None:
    domain = m.proto.variables[var.index].domain
    domain[0], domain[1] = value, value


def _optimise(
    scenario: Scenario,
    pools: dict[int, list[int]],
    weights: dict[tuple[int, int], int],
    lower_bound: int,
    phases: list[dict],
    notes: list[str],
) -> tuple[dict[tuple[int, int], int], bool, int]:
    """The lexicographic optimisation: pair values, whether (1) and (2) are proven, the load bound."""
    if not pools:
        return {}, True, 0
    flow_bound, flow_values = _flow_bound(scenario, pools, weights, lower_bound)
    if flow_bound is not None:
        lower_bound = flow_bound
        phases.append({"phase": "flow", "variables": len(weights), "status": f"BOUND {flow_bound}"})
        if _fits(scenario, flow_values):
            return flow_values, True, lower_bound
        repaired = _repair(scenario, pools, weights, flow_values, flow_bound)
        if repaired is not None and _fits(scenario, repaired):
            phases.append({"phase": "repair", "variables": len(weights), "status": "FEASIBLE"})
            return repaired, True, lower_bound
    model = _Model(scenario, pools, weights)
    m = model.m
    model.hint(flow_values)
    # Fast path: every staffable room at the lower bound of the max load proves (1) and (2) at once.
    fast = m.new_bool_var("fast")
    m.add(model.max_load <= lower_bound).only_enforce_if(fast)
    m.add(sum(model.y.values()) == len(model.y)).only_enforce_if(fast)
    _fix(m, fast, 1)
    status, values, _ = model.solve("bound", phases, notes, lp=False)
    proven = status in ("OPTIMAL", "FEASIBLE")
    best_load = lower_bound
    if not proven:
        # General path: (1) as many rooms as possible, then (2) the least max load.
        _fix(m, fast, 0)
        m.maximize(sum(model.y.values()))
        first, values, staffed = model.solve("rooms", phases, notes)
        if staffed is None:
            notes.append("no solution found within the work limit: no room is staffed")
            return {}, False, lower_bound
        m.add(sum(model.y.values()) >= round(staffed))
        if round(staffed) == len(model.y):
            m.add(model.max_load >= lower_bound)  # valid only when every staffable room is staffed
        m.minimize(model.max_load)
        second, values, load = model.solve("max_load", phases, notes)
        best_load = round(load)
        m.add(model.max_load <= best_load)
        proven = first == "OPTIMAL" and second == "OPTIMAL"
    else:
        _fix(m, fast, 1)
    # (3) spread, then the seeded weights: one objective, weights scaled below one unit of spread.
    scale = 1 + sum(weights.values())
    spread = model.spread_terms(best_load)
    m.minimize(scale * sum(spread) - sum(w * model.x[key] for key, w in weights.items()))
    model.hint(values)
    _status, tie_values, _ = model.solve("spread", phases, notes, limit=SPREAD_DETERMINISTIC_LIMIT)
    return tie_values or values, proven, lower_bound


# ------------------------------------------------------------------------------------------ solve


def _counts_and_reason(
    scenario: Scenario,
    ri: int,
    exclude: frozenset[str],
    loads: dict[int, int],
    busy: dict[int, list[int]],
    static_short: bool,
    proven: bool,
) -> dict[str, Any]:
    room = scenario.rooms[ri]
    session = scenario.sessions[room.session]
    dropped: dict[str, int] = defaultdict(int)
    for ei, examiner in enumerate(scenario.examiners):
        step = static_reason(scenario, room, ei, exclude)
        if step is None and any(
            session.overlaps(scenario.sessions[scenario.rooms[o].session]) for o in busy[ei]
        ):
            step = STEP_TIME
        if step is None and examiner.max_sessions is not None and loads[ei] >= examiner.max_sessions:
            step = STEP_CAP
        if step is not None:
            dropped[step] += 1
    counts: dict[str, int] = {}
    left = len(scenario.examiners)
    for step in STEPS:
        left -= dropped.get(step, 0)
        counts[step] = left
    counts[STEP_NEED] = room.need
    emptied = next((step for step in STEPS if counts[step] < room.need), None)
    if emptied is not None:
        rule = STEP_RULES.get(emptied, "")
        reason = f"{rule}:符合条件的考评人员只有 {counts[emptied]} 人,需要 {room.need} 人"
        if emptied == STEP_TOTAL:
            reason = f"考评人员只有 {counts[emptied]} 人,需要 {room.need} 人"
    elif not proven and not static_short:
        reason = REASON_NOT_PROVEN
    elif scenario.previous_teams and any(
        scenario.examiners[e].id in scenario.previous_teams[0] for e in loads
    ):
        reason = REASON_ROTATION
    else:
        reason = REASON_COMPETITION
    return {"room": room.id, "reason": reason, "counts": counts}


def solve_parsed(scenario: Scenario, digest_hex: str, seed: str, algorithm: str) -> Outcome:
    """The assignment of an already validated scenario whose canonical digest is known."""
    key = draw_key(seed, digest_hex, algorithm)
    exclude = veterans(scenario)
    pools: dict[int, list[int]] = {}
    short: set[int] = set()
    for ri, room in enumerate(scenario.rooms):
        pool = [
            ei
            for ei, examiner in enumerate(scenario.examiners)
            if examiner.max_sessions != 0 and static_reason(scenario, room, ei, exclude) is None
        ]
        if len(pool) >= room.need:
            pools[ri] = pool
        else:
            short.add(ri)
    weights = {
        (ri, ei): _weight(key, scenario.rooms[ri].id, scenario.examiners[ei].id, algorithm)
        for ri, pool in pools.items()
        for ei in pool
    }
    lower_bound = _lower_bound(scenario, pools, sorted(pools))
    notes: list[str] = []
    phases: list[dict] = []
    values, proven, lower_bound = _optimise(scenario, pools, weights, lower_bound, phases, notes)

    assigned: dict[int, list[int]] = defaultdict(list)
    for (ri, ei), value in sorted(values.items()):
        if value:
            assigned[ri].append(ei)
    loads = {ei: 0 for ei in range(len(scenario.examiners))}
    busy: dict[int, list[int]] = defaultdict(list)
    for ri, eis in assigned.items():
        for ei in eis:
            loads[ei] += 1
            busy[ei].append(ri)
    used = {ei for ei, load in loads.items() if load}
    team = sorted(scenario.examiners[ei].id for ei in used)
    previous = scenario.previous_teams[0] if scenario.previous_teams else frozenset()
    unassigned = [
        _counts_and_reason(scenario, ri, exclude, loads, busy, ri in short, proven)
        for ri in range(len(scenario.rooms))
        if ri not in assigned
    ]
    payload = {
        "scenario_digest": digest_hex,
        "seed_commitment": seed_commitment(seed, algorithm),
        "assignments": {
            scenario.rooms[ri].id: sorted(scenario.examiners[ei].id for ei in eis)
            for ri, eis in assigned.items()
        },
        "unassigned": sorted(unassigned, key=lambda item: item["room"]),
        "team": team,
        "stats": {
            "max_load": max(loads.values(), default=0),
            "new_members": sum(1 for member in team if member not in previous),
            "team_size": len(team),
        },
    }
    return Outcome(payload=payload, proven=proven, lower_bound=lower_bound, notes=notes, phases=phases)


def solve_detailed(raw: Any, seed: Any, *, algorithm: str | None = None) -> Outcome:
    """Validate the seed and the scenario, then assign; bad input raises ValidationFailed."""
    check_seed(seed)
    algorithm = algorithm or preferred_hash_algorithm()
    scenario = parse_scenario(raw)
    return solve_parsed(scenario, scenario_digest(raw, algorithm), seed, algorithm)


def solve(raw: Any, seed: Any) -> dict[str, Any]:
    """The result dict for a decoded scenario and a seed (the `dudao exam assign` contract)."""
    return solve_detailed(raw, seed).payload


def _algorithm_of(raw: Any, result: Any) -> str:
    """The hash algorithm the result was made with: the one whose scenario digest it carries."""
    published = result.get("scenario_digest") if isinstance(result, dict) else None
    for algorithm in HASH_ALGORITHMS:
        try:
            if scenario_digest(raw, algorithm) == published:
                return algorithm
        except ValueError:  # this OpenSSL lacks the algorithm (SM3)
            continue
    return preferred_hash_algorithm()


def verify(raw: Any, seed: Any, result: Any) -> tuple[bool, list[str]]:
    """Whether `result` is exactly what the seed gives and meets every constraint; reasons in Chinese."""
    check_seed(seed)
    scenario = parse_scenario(raw)
    algorithm = _algorithm_of(raw, result)
    expected = solve_parsed(scenario, scenario_digest(raw, algorithm), seed, algorithm).payload
    reasons = [f"与种子计算的结果不一致:{line}" for line in compare_results(expected, result)]
    reasons += check(scenario, result)
    return not reasons, reasons


__all__ = [
    "STEPS",
    "Outcome",
    "ValidationFailed",
    "check",
    "parse_scenario",
    "solve",
    "solve_detailed",
    "verify",
]
