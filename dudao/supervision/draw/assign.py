"""Assignment of supervisors to the drawn targets (SUP-4, SUP-8, RAND-1/2, ACT-4) with OR-Tools.

Hard constraints (a pair that breaks a static one never becomes a variable):
  card valid through the target's end (SUP-3); supervisor kind = target's supervisor_kind (SUP-1);
  internal supervisors only at their own institution; external never at their employer (SUP-8);
  no declared conflict with the institution or the target (SUP-8, RAND-2); not an examiner of the
  same target (SUP-8); no two overlapping targets for one supervisor; at most max_tasks; exactly
  group_size supervisors per staffed target, and a special target needs group_size >= 3 unless it
  carries a reason (ACT-4; otherwise the target is reported unassigned).

Objectives, lexicographic: (1) staff as many targets as possible, (2) minimise the maximum load,
(3) among equally good assignments, maximise seeded random pair weights. The draw's randomness lives
in data (sampled candidates, weights), never in the solver: one CP-SAT worker, a fixed solver seed,
deterministic work limits only (DESIGN pitfall).

Proof strategy, so that a province (2,000 targets x 5,000 supervisors = 10^7 pairs) is solved in
seconds without giving up optimality of (1) and (2):
  LB = max over pools (the external pool; each institution's internal pool) of
       ceil(slots of the pool's staffable targets / supervisors usable for at least one of them)
  is a lower bound of the maximum load of any assignment that staffs every staffable target.
  Round r samples, per target, a seeded random subset of its usable supervisors (8, 32, 128 per
  slot, then all). In each round:
  a. min-cost max-flow (source -> target, capacity group_size; target -> supervisor, capacity 1,
     cost 2^10 - weight; supervisor -> sink, capacity min(LB, max_tasks)) solves the round's model
     without the overlap constraints exactly. When it fills every slot and no supervisor holds two
     overlapping targets, it is an optimal solution of the round's model with them (an optimum of a
     relaxation that is feasible for the original problem is optimal for it);
     When it cannot fill every slot, the round's model is infeasible (the relaxation already is);
  b. when it fills every slot but puts overlapping targets on someone, CP-SAT solves the round's
     model with the overlap constraints (maximising the weights when the model is small, else for
     feasibility only, hinted with the flow).
  A solution of either staffs every staffable target with max load LB: (1) and (2) are then proven
  optimal for the whole problem, not just for the sample. If neither succeeds on a sample, the next
  round takes more candidates; on the complete candidate lists (up to EXACT_MAX_PAIRS pairs) CP-SAT
  solves (1), (2), (3) one after the other, each optimum fixed before the next.
  When supervisors are too scarce to staff every target at LB and the complete model is larger than
  that, no exact method finishes in reasonable time; a deterministic greedy on the largest sample
  gives the answer and the result says that optimality is not proven.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from dudao.common.domain import digest

from .scenario import Scenario

# Order in which an excluded supervisor is counted (each one once, by the first rule it fails).
REASON_ORDER = ("conflicted", "own employer", "examiner", "card expired", "busy")
ACT4_REASON = "special supervision needs group_size >= 3 or a reason (ACT-4)"

SOLVER_SEED = 20200901  # fixed: the solver's own search must not add randomness (DESIGN pitfall)
PHASE_DETERMINISTIC_LIMIT = 20.0  # deterministic (reproducible) work units per CP-SAT phase
WALL_SAFETY_SECONDS = 900.0  # never expected; when hit the answer may not be reproducible: reported
ROUND_SLOT_FACTORS = (8, 32, 128)  # sampled candidates per slot, before the complete lists
FULL_SCAN_RATIO = 3  # scan the whole pool when it is at most this many times the wanted sample
MAX_MODEL_PAIRS = 400_000  # larger candidate sets are not modelled (reported: optimality not proven)
EXACT_MAX_PAIRS = 20_000  # CP-SAT solves the lexicographic objectives exactly up to this many pairs
WEIGHTED_MAX_PAIRS = 5_000  # CP-SAT maximises the tie-break weights up to this many pairs
WEIGHT_BITS = 10

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_US = dt.timedelta(microseconds=1)
_MASK64 = (1 << 64) - 1


def _micros(value: dt.datetime) -> int:
    return (value - _EPOCH) // _US


@dataclass
class AssignmentOutcome:
    """Assignment of the drawn targets plus what the solver could prove."""

    assignments: dict[int, tuple[int, ...]]  # target index -> supervisor indices (ascending)
    unassigned: dict[int, str]  # target index -> reason
    loads: list[int]  # per supervisor index
    eligible_supervisors: int  # usable for at least one drawn target (denominator of mean_load)
    lower_bound: int  # lower bound of the max load when every staffable target is staffed
    proven: bool  # objectives (1) and (2) proven optimal
    notes: list[str] = field(default_factory=list)
    rounds: list[dict] = field(default_factory=list)  # what ran, for benchmarks and diagnostics


class _Eligibility:
    """Static hard constraints, evaluated pair by pair on demand (never on all 10^7 pairs)."""

    def __init__(self, scenario: Scenario):
        self.sc = scenario
        sups = scenario.supervisors
        self.kind = [s.kind for s in sups]
        self.employer = [s.employer for s in sups]
        self.card = [_micros(s.card_valid_until) for s in sups]
        self.max_tasks = [s.max_tasks for s in sups]
        self.t_start = [_micros(t.start) for t in scenario.targets]
        self.t_end = [_micros(t.end) for t in scenario.targets]
        self.external_pool: list[int] = [i for i, s in enumerate(sups) if s.kind == "external"]
        self.internal_pools: dict[str, list[int]] = {}
        for i, s in enumerate(sups):
            if s.kind == "internal":
                self.internal_pools.setdefault(s.institution, []).append(i)

    def pool(self, ti: int) -> list[int]:
        """Supervisors of the right kind (SUP-1): all externals, or the institution's internals."""
        t = self.sc.targets[ti]
        if t.supervisor_kind == "external":
            return self.external_pool
        return self.internal_pools.get(t.institution, [])

    def static_reason(self, ti: int, si: int) -> str | None:
        """First static rule that excludes pool member si from target ti, or None."""
        t = self.sc.targets[ti]
        if self.sc.conflicted(ti, si):
            return "conflicted"  # SUP-8, RAND-2
        if self.kind[si] == "external" and self.employer[si] == t.institution:
            return "own employer"  # SUP-8
        if si in self.sc.examiners[ti]:
            return "examiner"  # SUP-8: not an examiner in the same session
        if self.card[si] < self.t_end[ti]:
            return "card expired"  # SUP-3: valid through the target's end
        return None

    def usable_checker(self, ti: int) -> Callable[[int], bool]:
        """Fast predicate for pool members of ti: statically eligible and max_tasks >= 1."""
        t = self.sc.targets[ti]
        n = len(self.kind)
        conflicts, inst_conflicts = self.sc.conflicts, self.sc.institution_conflicts
        row = self.sc.institution_index.get(t.institution)
        target_base = ti * n
        # No institution conflicts: probe a key no supervisor has (-1) instead of branching.
        inst_base = row * n if row is not None else -n - 1
        examiners = self.sc.examiners[ti]
        kind, employer, card, max_tasks = self.kind, self.employer, self.card, self.max_tasks
        end, institution = self.t_end[ti], t.institution

        def usable(si: int) -> bool:
            return not (
                target_base + si in conflicts
                or inst_base + si in inst_conflicts
                or (kind[si] == "external" and employer[si] == institution)
                or si in examiners
                or card[si] < end
                or max_tasks[si] < 1
            )

        return usable

    def overlap(self, a: int, b: int) -> bool:
        """Half-open intervals [start, end): back-to-back sessions do not overlap."""
        return self.t_start[a] < self.t_end[b] and self.t_start[b] < self.t_end[a]


def _target_seed(key: str, label: str, target_id: str, algorithm: str) -> int:
    return int(digest(f"{key}|{label}|{target_id}", algorithm), 16)


def _mix64(value: int) -> int:
    """splitmix64 finaliser: a cheap, well-spread hash of a 64-bit integer."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


@dataclass
class _Candidates:
    """A seeded random sample of one target's usable supervisors."""

    members: list[int]
    complete: bool  # members are all usable supervisors of the target


def _sample_candidates(pool: list[int], usable: Callable[[int], bool], want: int, rng: random.Random):
    """Seeded sample of `want` usable supervisors: rejection sampling on big pools, else a full scan."""
    if len(pool) > FULL_SCAN_RATIO * want:
        seen: set[int] = set()
        out: list[int] = []
        budget = 4 * want + 64
        size = len(pool)
        while len(out) < want and budget > 0:
            budget -= 1
            si = pool[rng.randrange(size)]
            if si in seen:
                continue
            seen.add(si)
            if usable(si):
                out.append(si)
        if len(out) == want:
            return _Candidates(out, complete=False)
    members = [si for si in pool if usable(si)]
    rng.shuffle(members)
    if len(members) <= want:
        return _Candidates(members, complete=True)
    return _Candidates(members[:want], complete=False)


def _max_cliques(items: list[tuple[int, int, int]]) -> list[list[int]]:
    """Maximal sets of pairwise overlapping intervals [start, end) given as (start, end, id)."""
    events = []
    for start, end, ident in items:
        events.append((start, 1, ident))
        events.append((end, 0, ident))
    events.sort(key=lambda e: (e[0], e[1]))  # an end before a start at the same instant
    active: set[int] = set()
    grew = False
    cliques = []
    for _time, is_start, ident in events:
        if is_start:
            active.add(ident)
            grew = True
        else:
            if grew and len(active) >= 2:
                cliques.append(sorted(active))
            grew = False
            active.discard(ident)
    return cliques


Pairs = dict[tuple[int, int], int]  # (target index, supervisor index) -> 0/1


class _Round:
    """One candidate set: its pairs, weights and the models built on it."""

    def __init__(self, elig: _Eligibility, staffable: list[int], members: dict[int, list[int]], seeds):
        self.elig = elig
        self.staffable = staffable
        self.members = members
        self.seeds = seeds
        self.weights = {ti: [self.weight(ti, si) for si in sis] for ti, sis in members.items()}
        self.pairs = sum(map(len, members.values()))

    def weight(self, ti: int, si: int) -> int:
        """A pair's tie-break weight: depends only on the draw key, the target and the supervisor."""
        return _mix64(self.seeds[ti] ^ si) >> (64 - WEIGHT_BITS)

    def flow(self, cap: int) -> tuple[Pairs | None, Pairs, bool]:
        """Min-cost max-flow without overlap constraints.

        Returns (solution if it proves phase 0, the flow, whether every slot was filled). A flow that
        cannot fill every slot proves phase 0 infeasible on this round: it is a relaxation.
        """
        elig = self.elig
        net = min_cost_flow.SimpleMinCostFlow()
        source, sink = 0, 1
        node = {}
        for ti in self.staffable:
            node[ti] = len(node) + 2
            net.add_arc_with_capacity_and_unit_cost(source, node[ti], self.elig.sc.targets[ti].group_size, 0)
        sup_node: dict[int, int] = {}
        arcs = []
        top = 1 << WEIGHT_BITS
        for ti in self.staffable:
            for si, w in zip(self.members[ti], self.weights[ti], strict=True):
                if si not in sup_node:
                    sup_node[si] = len(node) + len(sup_node) + 2
                arcs.append(
                    (ti, si, net.add_arc_with_capacity_and_unit_cost(node[ti], sup_node[si], 1, top - w))
                )
        for si in sorted(sup_node):
            net.add_arc_with_capacity_and_unit_cost(sup_node[si], sink, min(cap, elig.max_tasks[si]), 0)
        slots = sum(self.elig.sc.targets[ti].group_size for ti in self.staffable)
        net.set_node_supply(source, slots)
        net.set_node_supply(sink, -slots)
        status = net.solve_max_flow_with_min_cost()
        values = {(ti, si): int(net.flow(arc)) for ti, si, arc in arcs} if status == net.OPTIMAL else {}
        if status != net.OPTIMAL or net.maximum_flow() != slots:
            return None, values, False
        held: dict[int, list[int]] = {}
        for (ti, si), v in values.items():
            if v:
                held.setdefault(si, []).append(ti)
        for tis in held.values():
            if len(tis) > 1:
                tis.sort(key=lambda t: elig.t_start[t])
                if any(elig.t_start[b] < elig.t_end[a] for a, b in itertools.pairwise(tis)):
                    return None, values, True
        return values, values, True


class _Model:
    """CP-SAT model over a round's pairs; phases add constraints and change the objective."""

    def __init__(self, rnd: _Round, *, require_all: bool, load_cap: int | None):
        elig = rnd.elig
        self.model = m = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.y: dict[int, cp_model.IntVar] = {}
        self.weight_terms = []
        by_supervisor: dict[int, list[int]] = {}
        for ti in rnd.staffable:
            group = elig.sc.targets[ti].group_size
            row = []
            for si, w in zip(rnd.members[ti], rnd.weights[ti], strict=True):
                var = m.new_bool_var(f"x{ti}_{si}")
                self.x[ti, si] = var
                row.append(var)
                by_supervisor.setdefault(si, []).append(ti)
                self.weight_terms.append((var, w))
            if require_all:
                m.add(sum(row) == group)
            else:
                self.y[ti] = m.new_bool_var(f"y{ti}")
                m.add(sum(row) == group * self.y[ti])
        top = max((elig.max_tasks[si] for si in by_supervisor), default=0)
        self.max_load = m.new_int_var(0, top, "max_load") if load_cap is None else None
        for si in sorted(by_supervisor):
            tis = by_supervisor[si]
            cap = elig.max_tasks[si] if load_cap is None else min(load_cap, elig.max_tasks[si])
            row = [self.x[ti, si] for ti in tis]
            m.add(sum(row) <= cap)
            if self.max_load is not None:
                m.add(sum(row) <= self.max_load)
            if cap >= 2 and len(tis) >= 2:  # with cap 1 the load limit already forbids overlaps
                items = [(elig.t_start[ti], elig.t_end[ti], ti) for ti in tis]
                for clique in _max_cliques(items):
                    m.add(sum(self.x[ti, si] for ti in clique) <= 1)

    def hint(self, values: Pairs) -> None:
        self.model.clear_hints()
        for key, var in self.x.items():
            self.model.add_hint(var, values.get(key, 0))
        staffed = {ti for (ti, _si), v in values.items() if v}
        for ti, y in self.y.items():
            self.model.add_hint(y, int(ti in staffed))

    def maximise_weights(self) -> None:
        self.model.maximize(sum(w * var for var, w in self.weight_terms))

    def solve(
        self, label: str, rounds: list[dict], notes: list[str], *, feasibility: bool = False
    ) -> tuple[str, Pairs, float]:
        """Solve reproducibly; returns (status name, pair values, objective value)."""
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = 1
        # Measured: with the default linearization CP-SAT could not refute a 240-pair matching
        # without a perfect matching within 60 deterministic units (pigeonhole), level 2 does at
        # the root. For large pure-feasibility models the LP only slows the search down (10 s vs
        # 0.5 s measured on 34,000 pairs): pure SAT search finds b-matchings quickly.
        params.linearization_level = 0 if feasibility else 2
        params.random_seed = SOLVER_SEED
        params.max_deterministic_time = PHASE_DETERMINISTIC_LIMIT
        params.max_time_in_seconds = WALL_SAFETY_SECONDS
        status = solver.solve(self.model)
        name = solver.status_name(status)
        if status in (cp_model.FEASIBLE, cp_model.UNKNOWN):
            if solver.wall_time >= WALL_SAFETY_SECONDS * 0.99:
                notes.append(f"{label}: wall-clock safety limit reached; this result may not be reproducible")
            else:
                notes.append(
                    f"{label}: deterministic work limit reached (reproducible; optimality not proven)"
                )
        values: Pairs = {}
        objective = 0.0
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = {key: int(solver.boolean_value(var)) for key, var in self.x.items()}
            objective = solver.objective_value
            self.hint(values)
        rounds.append(
            {
                "phase": label,
                "method": "cp-sat",
                "variables": len(self.x),
                "status": name,
                "wall_seconds": round(solver.wall_time, 3),
            }
        )
        return name, values, objective


def _usable_union(elig: _Eligibility, targets: list[int]) -> dict[tuple[str, str | None], tuple[int, int]]:
    """Per pool: (slots of the targets, supervisors usable for at least one of them)."""
    groups: dict[tuple[str, str | None], list[int]] = {}
    for ti in targets:
        t = elig.sc.targets[ti]
        key = ("external", None) if t.supervisor_kind == "external" else ("internal", t.institution)
        groups.setdefault(key, []).append(ti)
    out = {}
    for key, tis in groups.items():
        tis = sorted(tis, key=lambda ti: elig.t_end[ti])
        ends = [elig.t_end[ti] for ti in tis]
        checkers = [elig.usable_checker(ti) for ti in tis]
        reachable = 0
        for si in elig.pool(tis[0]):
            # Only targets ending while the card is valid can take si (SUP-3): skip the rest.
            last = bisect.bisect_right(ends, elig.card[si])
            if any(checkers[i](si) for i in range(last)):
                reachable += 1
        out[key] = (sum(elig.sc.targets[ti].group_size for ti in tis), reachable)
    return out


def _lower_bound(groups: dict[tuple[str, str | None], tuple[int, int]]) -> int:
    return max((-(-slots // reach) for slots, reach in groups.values() if reach), default=0)


def _unassigned_reason(
    elig: _Eligibility, ti: int, loads: list[int], held: dict[int, list[int]], proven: bool
) -> str:
    """Counts, per rule, the pool members that could not take the target (each counted once)."""
    target = elig.sc.targets[ti]
    pool = elig.pool(ti)
    if not pool:
        who = "no external supervisor" if target.supervisor_kind == "external" else "no internal supervisor"
        return f"no eligible supervisor: {who}"
    counts: Counter[str] = Counter()
    available = 0
    for si in pool:
        reason = elig.static_reason(ti, si)
        if reason is None:
            if loads[si] >= elig.max_tasks[si] or any(elig.overlap(ti, other) for other in held.get(si, ())):
                reason = "busy"
            else:
                available += 1
                continue
        counts[reason] += 1
    parts = ", ".join(f"{counts[r]} {r}" for r in REASON_ORDER if counts[r])
    if available == 0:
        head = "no eligible supervisor"
    elif available >= target.group_size and not proven:
        head = f"not staffed within the solver limit: {available} eligible, group size {target.group_size}"
    else:
        head = f"only {available} eligible, group size {target.group_size}"
    return f"{head}: {parts}" if parts else head


def _greedy(rnd: _Round, priority: dict[int, int], *, complete: bool = False) -> Pairs:
    """Deterministic greedy: smaller groups first (more targets), then least-loaded, heaviest-weight.

    With complete=True a second pass gives every target left over one more chance from its whole
    pool, not just its sample (cheap: only the left-over targets are scanned).
    """
    elig = rnd.elig
    targets = elig.sc.targets
    load: Counter[int] = Counter()
    held: dict[int, list[int]] = {}
    values: Pairs = {}

    def staff(ti: int, candidates: list[int]) -> bool:
        group = targets[ti].group_size
        picks = []
        for si in sorted(candidates, key=lambda si: (load[si], -rnd.weight(ti, si), si)):
            if load[si] < elig.max_tasks[si] and not any(
                elig.overlap(ti, other) for other in held.get(si, ())
            ):
                picks.append(si)
                if len(picks) == group:
                    break
        if len(picks) < group:
            return False
        for si in picks:
            load[si] += 1
            held.setdefault(si, []).append(ti)
            values[ti, si] = 1
        return True

    order = sorted(rnd.staffable, key=lambda t: (targets[t].group_size, priority[t]))
    left = [ti for ti in order if not staff(ti, rnd.members[ti])]
    if complete:
        for ti in left:
            usable = elig.usable_checker(ti)
            staff(ti, [si for si in elig.pool(ti) if usable(si)])
    return values


def _lexicographic(
    rnd: _Round, label: str, rounds: list[dict], notes: list[str], start: Pairs
) -> tuple[Pairs, bool]:
    """(1) max staffed targets, (2) min max load, (3) max random weights, each fixed before the next."""
    if not rnd.staffable:
        return {}, True
    model = _Model(rnd, require_all=False, load_cap=None)
    model.hint(start)
    m = model.model
    m.maximize(sum(model.y.values()))
    first, values, staffed = model.solve(f"{label}:staffed", rounds, notes)
    if first not in ("OPTIMAL", "FEASIBLE"):
        notes.append("no CP-SAT solution within the limits: the greedy assignment is used")
        return start, False
    m.add(sum(model.y.values()) >= round(staffed))
    m.minimize(model.max_load)
    second, values, load = model.solve(f"{label}:max_load", rounds, notes)
    m.add(model.max_load <= round(load))
    if rnd.pairs <= WEIGHTED_MAX_PAIRS:
        model.maximise_weights()
        _third, tie_values, _ = model.solve(f"{label}:tie_break", rounds, notes)
        values = tie_values or values
    return values, first == "OPTIMAL" and second == "OPTIMAL"


def assign(scenario: Scenario, selected: Sequence[int], key: str, algorithm: str) -> AssignmentOutcome:
    """Staff the drawn targets (indices into scenario.targets) deterministically from the draw key."""
    elig = _Eligibility(scenario)
    targets = scenario.targets
    notes: list[str] = []
    rounds: list[dict] = []
    unassigned: dict[int, str] = {}
    candidate_seed = {ti: _target_seed(key, "candidates", targets[ti].id, algorithm) for ti in selected}
    weight_seed = {ti: _target_seed(key, "weights", targets[ti].id, algorithm) & _MASK64 for ti in selected}

    open_targets = []
    for ti in selected:
        if targets[ti].needs_act4_reason:
            unassigned[ti] = ACT4_REASON  # ACT-4: reported, never staffed with a short group
        else:
            open_targets.append(ti)

    def sample(factor: int | None) -> dict[int, _Candidates]:
        out = {}
        for ti in open_targets:
            pool = elig.pool(ti)
            want = len(pool) if factor is None else targets[ti].group_size * factor
            rng = random.Random(candidate_seed[ti])
            out[ti] = _sample_candidates(pool, elig.usable_checker(ti), max(want, 1), rng)
        return out

    staffable: list[int] = []
    lower_bound = 0
    final: Pairs | None = None
    proven = False
    largest: _Round | None = None
    largest_label = "empty"
    for factor in [*ROUND_SLOT_FACTORS, None]:
        cands = sample(factor)
        if factor == ROUND_SLOT_FACTORS[0]:
            # Exact already: an incomplete sample holds more than group_size usable supervisors, a
            # complete one holds all of them.
            staffable = [ti for ti in open_targets if len(cands[ti].members) >= targets[ti].group_size]
            lower_bound = _lower_bound(_usable_union(elig, staffable))
        members = {ti: sorted(cands[ti].members) for ti in staffable}
        exact = all(cands[ti].complete for ti in staffable)
        rnd = _Round(elig, staffable, members, weight_seed)
        if rnd.pairs > MAX_MODEL_PAIRS:
            notes.append(f"candidate pairs limited to {MAX_MODEL_PAIRS} ({rnd.pairs} in the next round)")
            break
        label = "all" if exact else f"x{factor}"
        largest, largest_label = rnd, label
        started = time.perf_counter()
        proof, flow_values, saturated = rnd.flow(lower_bound)
        rounds.append(
            {
                "phase": f"{label}:flow",
                "method": "min-cost-flow",
                "variables": rnd.pairs,
                "status": "PROVEN" if proof is not None else "NOT_PROVEN",
                "wall_seconds": round(time.perf_counter() - started, 3),
            }
        )
        if proof is not None:
            final, proven = proof, True
            break
        if saturated:
            # Only the overlap constraints are in the way: CP-SAT, hinted with the flow.
            model = _Model(rnd, require_all=True, load_cap=lower_bound)
            weighted = rnd.pairs <= WEIGHTED_MAX_PAIRS
            if weighted:
                model.maximise_weights()
            model.hint(flow_values)
            status, values, _ = model.solve(f"{label}:bound", rounds, notes, feasibility=not weighted)
            if status in ("OPTIMAL", "FEASIBLE"):
                final, proven = values, True
                break
        if exact:
            if rnd.pairs <= EXACT_MAX_PAIRS:
                final, proven = _lexicographic(rnd, label, rounds, notes, _greedy(rnd, candidate_seed))
            break
    if final is None:
        # Not every staffable target can be staffed at the lower bound and the complete model is too
        # large for an exact solve in reasonable time (measured: CP-SAT with one worker did not improve
        # a greedy start on 34,000 pairs within 5 deterministic units, 37 s). A deterministic greedy on
        # the largest sample is used instead and reported as not proven.
        rnd = largest or _Round(elig, staffable, {ti: [] for ti in staffable}, weight_seed)
        started = time.perf_counter()
        final = _greedy(rnd, candidate_seed, complete=True)
        rounds.append(
            {
                "phase": f"{largest_label}:greedy",
                "method": "greedy",
                "variables": rnd.pairs,
                "status": "NOT_PROVEN",
                "wall_seconds": round(time.perf_counter() - started, 3),
            }
        )
        proven = False
        notes.append(
            "optimality not proven: not every target can be staffed at the lower bound of the maximum "
            f"load ({lower_bound}) and the model is too large for an exact solve; a greedy assignment is used"
        )

    assignments: dict[int, list[int]] = {}
    for (ti, si), value in sorted(final.items()):
        if value:
            assignments.setdefault(ti, []).append(si)
    loads = [0] * len(scenario.supervisors)
    held: dict[int, list[int]] = {}
    for ti, sis in assignments.items():
        for si in sis:
            loads[si] += 1
            held.setdefault(si, []).append(ti)
    for ti in open_targets:
        if ti not in assignments:
            unassigned[ti] = _unassigned_reason(elig, ti, loads, held, proven)
    union = _usable_union(elig, list(selected))
    return AssignmentOutcome(
        assignments={ti: tuple(sis) for ti, sis in assignments.items()},
        unassigned=unassigned,
        loads=loads,
        eligible_supervisors=sum(reach for _slots, reach in union.values()),
        lower_bound=lower_bound,
        proven=proven,
        notes=notes,
        rounds=rounds,
    )
