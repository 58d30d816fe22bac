"""The witness protocol's pure rules (issue 8 §7, dudao/supervision/draw/protocol.py): the final seed's
formula as a shell one-liner computes it, the bounds of a witness value, and the checks' outcomes."""

from __future__ import annotations

import hashlib

import pytest

from dudao.common.errors import ValidationFailed
from dudao.supervision.domain import (
    check_commitment,
    check_witness_value,
    final_seed,
    record_for_seed,
    scenario_digest,
    seed_commitment,
    solve_draw,
    verify_public_draw,
    witness_commitment,
)
from tests.supervision.draw_support import scenario, supervisor, target

RAW = scenario([target("T1", "I1"), target("T2", "I2")], [supervisor("S1"), supervisor("S2")])
VALUES = ["jijian-0123456789abcdef", "gongzheng-0123456789abcdef"]


def test_final_seed_is_the_hash_of_the_joined_inputs():
    # printf '%s' 'seed|v1|v2' | sha256sum
    expected = hashlib.sha256(f"abc|{VALUES[0]}|{VALUES[1]}".encode()).hexdigest()
    assert final_seed("abc", VALUES, "sha256") == expected
    assert final_seed("abc", list(reversed(VALUES)), "sha256") != expected  # the declared order counts
    assert witness_commitment(VALUES[0], "sha256") == hashlib.sha256(VALUES[0].encode()).hexdigest()


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("a" * 15, False),
        ("a" * 16, True),
        ("A-z_09" + "x" * 122, True),  # 128
        ("a" * 129, False),
        ("a" * 16 + "|", False),  # the separator
        ("a" * 16 + " ", False),
        ("见证人的随机值一二三四五六七八九十", False),
    ],
)
def test_witness_value_bounds(value, ok):
    if ok:
        assert check_witness_value(value) == value
    else:
        with pytest.raises(ValidationFailed):
            check_witness_value(value)


def test_commitment_is_64_hex_digits():
    assert check_commitment(" " + "AB" * 32 + " ") == "ab" * 32
    for bad in ("ab" * 31, "ab" * 33, "g" * 64, None):
        with pytest.raises(ValidationFailed):
            check_commitment(bad)


def _record(algorithm="sha256", seed="server-seed"):
    final = final_seed(seed, VALUES, algorithm)
    record = {
        "hash": algorithm,
        "scenario_digest": scenario_digest(RAW, algorithm),
        "seed_commitment": seed_commitment(seed, algorithm),
        "seed_scheme": "witness",
        "witnesses": [
            {"position": n, "name": f"W{n}", "commitment": witness_commitment(v, algorithm), "value": v}
            for n, v in enumerate(VALUES, start=1)
        ],
        "seed": seed,
        "final_seed": final,
    }
    return record, solve_draw(RAW, final, algorithm=algorithm).payload


def test_every_check_passes_on_an_honest_record():
    record, result = _record()
    outcome = verify_public_draw(record, RAW, result)
    assert (outcome.ok, outcome.failed, outcome.warnings) == (True, [], [])
    assert [c.key for c in outcome.checks] == [
        "seed_commitment",
        "scenario_digest",
        "witnesses",
        "final_seed",
        "result",
    ]


def test_a_missing_value_or_too_few_witnesses_fail():
    record, result = _record()
    record["witnesses"][1]["value"] = None
    outcome = verify_public_draw(record, RAW, result)
    assert outcome.failed == ["witnesses", "final_seed"]
    assert outcome.checks[2].detail == ["第 2 位见证人W2的随机值尚未录入"]
    record, result = _record()
    record["witnesses"] = record["witnesses"][:1]
    record["final_seed"] = final_seed(record["seed"], VALUES[:1], "sha256")
    assert "见证人只有 1 名,至少须 2 名" in verify_public_draw(record, RAW, result).checks[2].detail


def test_a_seed_without_a_record_is_checked_against_the_result_and_warns():
    result = solve_draw(RAW, "plain-seed", algorithm="sha256").payload
    outcome = verify_public_draw(record_for_seed("plain-seed", result), RAW, result)
    assert (outcome.ok, outcome.failed) == (True, [])
    assert outcome.warnings == ["未提供核验记录,未核对种子来源(见证人)", "未核对:以给定的种子为最终种子"]
    assert verify_public_draw(record_for_seed("other-seed", result), RAW, result).failed == [
        "seed_commitment",
        "result",
    ]


def test_a_malformed_record_or_an_invalid_scenario_fails_instead_of_crashing():
    record, result = _record()
    outcome = verify_public_draw({**record, "witnesses": "not a list"}, RAW, result)
    assert outcome.failed == ["witnesses", "final_seed"]
    assert outcome.checks[2].detail == ["见证人记录格式有误"]
    broken = {**RAW, "targets": []}
    outcome = verify_public_draw(record, broken, result)
    assert outcome.failed == ["scenario_digest", "result"]
    assert outcome.checks[4].detail[0].startswith("无法重算:")
