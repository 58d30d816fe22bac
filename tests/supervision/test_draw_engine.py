"""The assignment engine's proof paths (min-cost flow, CP-SAT at the bound, lexicographic CP-SAT,
sampled rounds) and the byte-stable output contract."""

from __future__ import annotations

import hashlib
import json

from dudao.common.domain import canonical_json
from dudao.supervision.domain import solve_draw
from tests.supervision.draw_support import check_result, scenario, supervisor, target


def phases(result) -> list[str]:
    return [f"{r['phase']}={r['status']}" for r in result.outcome.rounds]


def test_output_contract_is_byte_stable():
    raw = scenario([target("T2", "I2"), target("T1")], [supervisor("S2"), supervisor("S1")])
    result = solve_draw(raw, "contract", algorithm="sha256")
    text = result.to_json()
    payload = json.loads(text)
    assert list(payload) == sorted(payload)
    assert list(payload) == [
        "assignments",
        "hash",
        "scenario_digest",
        "seed_commitment",
        "selected",
        "stats",
        "unassigned",
    ]
    assert payload["hash"] == "sha256"
    assert payload["seed_commitment"] == hashlib.sha256(b"contract").hexdigest()
    assert payload["selected"] == ["T1", "T2"]
    assert text == canonical_json(payload)
    assert " " not in text


def test_seed_commitment_is_the_hash_of_the_seed():
    raw = scenario([target("T1")], [supervisor("S1")])
    payload = solve_draw(raw, "种子-2025", algorithm="sha256").payload
    assert payload["seed_commitment"] == hashlib.sha256("种子-2025".encode()).hexdigest()
    assert payload["scenario_digest"] == hashlib.sha256(canonical_json(raw).encode()).hexdigest()


def test_mean_load_is_rounded_to_four_places():
    # 3 slots over 7 eligible supervisors: 0.428571... -> 0.4286
    raw = scenario([target("T1", group_size=3)], [supervisor(f"S{n}") for n in range(7)])
    assert solve_draw(raw, "mean").payload["stats"] == {"max_load": 1, "mean_load": 0.4286}


def test_mean_load_without_eligible_supervisors_is_zero():
    raw = scenario([target("T1")], [supervisor("S1", card="2020-01-01")])
    assert solve_draw(raw, "none").payload["stats"] == {"max_load": 0, "mean_load": 0.0}


def test_sampled_candidates_are_proven_by_the_flow():
    # 120 targets, 300 supervisors: each target samples 8 candidates per slot out of ~270 usable.
    targets = [
        target(f"T{n:03d}", f"I{n % 40}", day=f"2025-06-{1 + n % 28:02d}", group_size=1 + n % 3)
        for n in range(120)
    ]
    sups = [supervisor(f"S{n:03d}", employer=f"I{n % 50}", max_tasks=2) for n in range(300)]
    conflicts = [{"supervisor": f"S{(7 * n) % 300:03d}", "target": f"T{n % 120:03d}"} for n in range(3000)]
    raw = scenario(targets, sups, conflicts=conflicts)
    result = solve_draw(raw, "province")
    check_result(raw, result.payload)
    assert phases(result) == ["x8:flow=PROVEN"]
    assert result.proven_optimal
    assert result.payload["unassigned"] == {}
    assert result.payload["stats"]["max_load"] == result.lower_bound == 1


def test_a_sample_that_misses_a_needed_supervisor_leads_to_a_larger_round():
    # 30 targets and 30 supervisors: every supervisor is needed (lower bound 1 needs a perfect
    # matching) and S00..S09 can only take "their" target, which an 8-candidate sample may miss.
    targets = [target(f"T{n:02d}", f"I{n}") for n in range(30)]
    sups = [supervisor(f"S{n:02d}") for n in range(30)]
    conflicts = [
        {"supervisor": f"S{k:02d}", "target": f"T{n:02d}"} for k in range(10) for n in range(30) if n != k
    ]
    raw = scenario(targets, sups, conflicts=conflicts)
    result = solve_draw(raw, "tight")
    check_result(raw, result.payload)
    assert phases(result) == ["x8:flow=NOT_PROVEN", "all:flow=PROVEN"]
    assert all(result.payload["assignments"][f"T{k:02d}"] == [f"S{k:02d}"] for k in range(10))
    assert result.proven_optimal


def test_overlaps_at_load_two_are_settled_by_cp_sat_at_the_bound():
    # Four targets, two supervisors: each must take two, one of each overlapping pair.
    raw = scenario(
        [
            target("T1", start="09:00", end="12:00"),
            target("T2", "I2", start="10:00", end="13:00"),
            target("T3", "I3", start="14:00", end="16:00"),
            target("T4", "I4", start="15:00", end="17:00"),
        ],
        [supervisor("S1", max_tasks=2), supervisor("S2", max_tasks=2)],
    )
    seen = set()
    for n in range(12):
        result = solve_draw(raw, f"overlap-{n}")
        check_result(raw, result.payload)
        assert result.payload["stats"] == {"max_load": 2, "mean_load": 2.0}
        seen.add(tuple(phases(result)))
    assert ("all:flow=NOT_PROVEN", "all:bound=OPTIMAL") in seen  # the flow put an overlap on someone


def test_lexicographic_phases_when_the_bound_is_not_reachable():
    # Lower bound ceil(3 slots / 2 supervisors) = 2, but T1/T2/T3 all overlap: only two can be staffed.
    raw = scenario(
        [target("T1"), target("T2", "I2"), target("T3", "I3")],
        [supervisor("S1", max_tasks=3), supervisor("S2", max_tasks=3)],
    )
    result = solve_draw(raw, "lexi")
    check_result(raw, result.payload)
    assert phases(result) == [
        "all:flow=NOT_PROVEN",
        "all:bound=INFEASIBLE",
        "all:staffed=OPTIMAL",
        "all:max_load=OPTIMAL",
        "all:tie_break=OPTIMAL",
    ]
    assert len(result.payload["assignments"]) == 2
    assert list(result.payload["unassigned"].values()) == ["no eligible supervisor: 2 busy"]
    assert result.payload["stats"]["max_load"] == 1
    assert result.proven_optimal


def test_different_seeds_spread_the_work():
    raw = scenario([target("T1")], [supervisor(f"S{n}") for n in range(5)])
    chosen = {solve_draw(raw, f"spread-{n}").payload["assignments"]["T1"][0] for n in range(30)}
    assert chosen == {"S0", "S1", "S2", "S3", "S4"}


def test_result_does_not_depend_on_the_order_of_entries_beyond_the_digest():
    raw = scenario([target("T1", group_size=2), target("T2", "I2")], [supervisor(f"S{n}") for n in range(6)])
    reordered = {**raw, "targets": raw["targets"][::-1], "supervisors": raw["supervisors"][::-1]}
    first = solve_draw(raw, "order").payload
    second = solve_draw(reordered, "order").payload
    assert first["scenario_digest"] != second["scenario_digest"]  # list order is part of the scenario
    check_result(reordered, second)


def test_scarce_supervisors_on_a_large_model_fall_back_to_a_reported_greedy(monkeypatch):
    from dudao.supervision.draw import assign

    monkeypatch.setattr(assign, "EXACT_MAX_PAIRS", 0)  # stand-in for a province-sized complete model
    raw = scenario(
        [target(f"T{n}", f"I{n}", group_size=1 + n % 2, day=f"2025-06-0{1 + n % 3}") for n in range(6)],
        [supervisor("S1", max_tasks=2), supervisor("S2", max_tasks=1), supervisor("S3", max_tasks=1)],
    )
    result = solve_draw(raw, "scarce")
    check_result(raw, result.payload)
    assert phases(result) == ["all:flow=NOT_PROVEN", "all:greedy=NOT_PROVEN"]
    assert not result.proven_optimal
    assert any("optimality not proven" in note for note in result.notes)
    # 4 capacity for 9 slots: the greedy staffs the three one-person targets and one more.
    assert len(result.payload["assignments"]) == 3
    assert sorted(len(v) for v in result.payload["assignments"].values()) == [1, 1, 1]


def test_a_deterministic_limit_is_reported_and_still_reproducible(monkeypatch):
    from dudao.supervision.draw import assign

    monkeypatch.setattr(assign, "PHASE_DETERMINISTIC_LIMIT", 1e-6)
    raw = scenario(
        [target("T1"), target("T2", "I2"), target("T3", "I3")],
        [supervisor("S1", max_tasks=3), supervisor("S2", max_tasks=3)],
    )
    first = solve_draw(raw, "limit")
    check_result(raw, first.payload)
    assert not first.proven_optimal
    assert any("deterministic work limit reached" in note for note in first.notes)
    assert solve_draw(raw, "limit").to_json() == first.to_json()
    assert len(first.payload["assignments"]) == 2  # the greedy start, since CP-SAT had no time at all
