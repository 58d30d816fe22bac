"""Properties of the draw (hypothesis): assignments never break a hard constraint, they are optimal
for (1) staffed targets and (2) maximum load (checked by exhaustive search), the seed alone decides
the result, and verification rejects any altered result."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dudao.common.domain import canonical_json
from dudao.supervision.domain import solve_draw, verify_draw
from tests.supervision.draw_support import brute_force_optimum, check_result

INSTITUTIONS = ["I1", "I2", "I3"]
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@st.composite
def scenarios(draw, max_targets: int = 5, max_supervisors: int = 6) -> dict:
    n_targets = draw(st.integers(1, max_targets))
    n_supervisors = draw(st.integers(1, max_supervisors))
    targets = []
    for n in range(n_targets):
        day = draw(st.integers(1, 2))
        start = draw(st.integers(8, 14))
        length = draw(st.integers(1, 5))
        special = draw(st.sampled_from([False, False, True]))
        target = {
            "id": f"T{n}",
            "institution": draw(st.sampled_from(INSTITUTIONS)),
            "start": f"2025-06-0{day}T{start:02d}:00:00+08:00",
            "end": f"2025-06-0{day}T{start + length:02d}:00:00",  # naive: CST
            "kind": "special" if special else "daily",
            "supervisor_kind": draw(st.sampled_from(["external"] * 4 + ["internal"])),
            "group_size": draw(st.integers(1, 3)),
        }
        if draw(st.booleans()):
            target["weight"] = draw(st.sampled_from([1, 2, 0.5, 3.25]))
        if special and draw(st.sampled_from([True, True, False])):
            target["reason"] = draw(st.sampled_from(["经批准两人成组", "经批准两人成组", ""]))
        targets.append(target)
    supervisors = []
    for n in range(n_supervisors):
        kind = draw(st.sampled_from(["external"] * 4 + ["internal"]))
        sup = {
            "id": f"S{n}",
            "kind": kind,
            "card_valid_until": draw(
                st.sampled_from(
                    ["2025-06-01", "2025-06-02", "2025-06-02T12:00:00+08:00", *["2026-01-01"] * 4]
                )
            ),
            "max_tasks": draw(st.sampled_from([0, 1, 2, 2, 3])),
        }
        if kind == "internal":
            sup["institution"] = draw(st.sampled_from(INSTITUTIONS))
        elif draw(st.booleans()):
            sup["employer"] = draw(st.sampled_from(INSTITUTIONS))
        supervisors.append(sup)
    raw = {"targets": targets, "supervisors": supervisors}
    if supervisors:
        sup_ids = st.sampled_from([s["id"] for s in supervisors])
        target_ids = st.sampled_from([t["id"] for t in targets])
        conflict = st.one_of(
            st.fixed_dictionaries({"supervisor": sup_ids, "institution": st.sampled_from(INSTITUTIONS)}),
            st.fixed_dictionaries({"supervisor": sup_ids, "target": target_ids}),
        )
        raw["conflicts"] = draw(st.lists(conflict, max_size=4))
        raw["examiners"] = draw(
            st.lists(st.fixed_dictionaries({"supervisor": sup_ids, "target": target_ids}), max_size=3)
        )
    sample = draw(
        st.one_of(
            st.none(),
            st.builds(lambda c: {"count": c}, st.integers(1, n_targets)),
            st.builds(lambda r: {"ratio": r}, st.sampled_from([0.1, 0.5, 0.75, 1])),
        )
    )
    if sample is not None:
        raw["sample"] = sample
    return raw


seeds = st.text(min_size=1, max_size=12)


@PROPERTY_SETTINGS
@given(raw=scenarios(max_targets=4, max_supervisors=5), seed=seeds)
def test_assignments_never_break_a_constraint_and_are_optimal(raw, seed):
    result = solve_draw(raw, seed)
    payload = result.payload
    check_result(raw, payload)
    assert result.proven_optimal
    staffed, load = brute_force_optimum(raw, payload["selected"])
    assert len(payload["assignments"]) == staffed
    assert payload["stats"]["max_load"] == load


@PROPERTY_SETTINGS
@given(raw=scenarios(max_targets=8, max_supervisors=10), seed=seeds)
def test_same_scenario_and_seed_give_byte_identical_results(raw, seed):
    first = solve_draw(raw, seed)
    again = solve_draw(copy.deepcopy(raw), seed)
    assert first.to_json().encode() == again.to_json().encode()
    check_result(raw, first.payload)


def _mutations(payload: dict) -> list:
    """Every kind of change a forger could make to a published result."""
    out = []

    def change(fn):
        altered = copy.deepcopy(payload)
        fn(altered)
        out.append(altered)

    change(lambda p: p.update(scenario_digest="0" * 64))
    change(lambda p: p.update(seed_commitment=p["seed_commitment"][::-1]))
    change(lambda p: p.update(hash="sha256" if p["hash"] == "sm3" else "sm3"))
    change(lambda p: p["stats"].update(max_load=p["stats"]["max_load"] + 1))
    change(lambda p: p["stats"].update(mean_load=p["stats"]["mean_load"] + 0.0001))
    change(lambda p: p["stats"].update(max_load=float(p["stats"]["max_load"])))  # 1 vs 1.0
    change(lambda p: p.update(extra=1))
    change(lambda p: p.pop("unassigned"))
    change(lambda p: p["selected"].append("T-forged"))
    if payload["selected"]:
        change(lambda p: p["selected"].pop())
        change(lambda p: p["selected"].reverse() if len(p["selected"]) > 1 else p["selected"].append("T0"))
    for tid in payload["assignments"]:
        change(lambda p, tid=tid: p["assignments"][tid].__setitem__(0, "S-forged"))
        change(lambda p, tid=tid: p["unassigned"].update({tid: "forged"}) or p["assignments"].pop(tid))
    for tid in payload["unassigned"]:
        change(lambda p, tid=tid: p["unassigned"].update({tid: p["unassigned"][tid] + "."}))
        change(lambda p, tid=tid: p["assignments"].update({tid: ["S0"]}) or p["unassigned"].pop(tid))
    return out


@PROPERTY_SETTINGS
@given(raw=scenarios(), seed=seeds, data=st.data())
def test_verify_accepts_the_result_and_rejects_any_alteration(raw, seed, data):
    payload = solve_draw(raw, seed).payload
    assert verify_draw(raw, seed, copy.deepcopy(payload)).ok
    altered = data.draw(st.sampled_from(_mutations(payload)))
    assert canonical_json(altered) != canonical_json(payload)
    outcome = verify_draw(raw, seed, altered)
    assert not outcome.ok
    assert outcome.differences


@PROPERTY_SETTINGS
@given(raw=scenarios(), seed=seeds, other=seeds)
def test_verify_rejects_the_result_under_another_seed(raw, seed, other):
    payload = solve_draw(raw, seed).payload
    assert verify_draw(raw, other, payload).ok == (other == seed)
