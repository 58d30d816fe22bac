"""`dudao draw solve|verify` as a member of the public runs it: a subprocess, no database."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from dudao.common.domain import preferred_hash_algorithm
from dudao.supervision.domain import scenario_digest, solve_draw
from tests.supervision.draw_support import scenario, supervisor, target

DUDAO = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "dudao"


@pytest.fixture
def env(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DUDAO_"))}
    environ["DUDAO_VAR_DIR"] = str(var)
    # Nothing listens here: any database access would fail the command.
    environ["DATABASE_URL"] = "postgres://nobody@127.0.0.1:9/none"
    return environ


@pytest.fixture
def scenario_file(tmp_path):
    raw = scenario(
        [
            target("T1", "I1", group_size=2),
            target("T2", "I2", day="2025-06-03"),
            target("T3", "I3", kind="special", group_size=3, weight=2),
        ],
        [supervisor(f"S{n}", employer=f"I{n % 3 + 1}") for n in range(1, 8)],
        conflicts=[{"supervisor": "S1", "institution": "I2"}],
        examiners=[{"supervisor": "S2", "target": "T3"}],
        sample={"count": 2},
    )
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(raw, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def run(env, *args, hash_seed="0"):
    return subprocess.run(
        [str(DUDAO), "draw", *args],
        capture_output=True,
        env={**env, "PYTHONHASHSEED": hash_seed},
        timeout=120,
    )


def test_solve_prints_the_canonical_result(env, scenario_file):
    done = run(env, "solve", "--scenario", str(scenario_file), "--seed", "公开种子-1", "--json")
    assert done.returncode == 0, done.stderr.decode()
    raw = json.loads(scenario_file.read_text(encoding="utf-8"))
    assert done.stdout == (solve_draw(raw, "公开种子-1").to_json() + "\n").encode("utf-8")
    assert len(json.loads(done.stdout)["selected"]) == 2


def test_solve_is_byte_identical_across_processes(env, scenario_file):
    args = ("solve", "--scenario", str(scenario_file), "--seed", "s-42", "--json")
    first = run(env, *args, hash_seed="1")
    second = run(env, *args, hash_seed="2")
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout


def test_different_seeds_give_different_draws(env, scenario_file):
    outputs = {
        run(env, "solve", "--scenario", str(scenario_file), "--seed", f"s{n}", "--json").stdout
        for n in range(4)
    }
    draws = {(tuple(p["selected"]), json.dumps(p["assignments"])) for p in map(json.loads, outputs)}
    assert len(draws) > 1


def test_solve_without_json_prints_a_summary(env, scenario_file):
    done = run(env, "solve", "--scenario", str(scenario_file), "--seed", "s")
    assert done.returncode == 0
    text = done.stdout.decode()
    assert "情景摘要 scenario_digest (" in text and "已证明最优" in text


def test_verify_accepts_the_published_result_even_pretty_printed(env, scenario_file, tmp_path):
    done = run(env, "solve", "--scenario", str(scenario_file), "--seed", "s-7", "--json")
    published = tmp_path / "result.json"
    published.write_text(json.dumps(json.loads(done.stdout), indent=4, ensure_ascii=False), encoding="utf-8")
    check = run(env, "verify", "--scenario", str(scenario_file), "--seed", "s-7", "--result", str(published))
    assert check.returncode == 0, check.stderr.decode()
    assert "校验通过" in check.stdout.decode()


def test_verify_names_the_field_that_differs(env, scenario_file, tmp_path):
    done = run(env, "solve", "--scenario", str(scenario_file), "--seed", "s-7", "--json")
    payload = json.loads(done.stdout)
    payload["stats"]["max_load"] += 1
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(payload), encoding="utf-8")
    check = run(env, "verify", "--scenario", str(scenario_file), "--seed", "s-7", "--result", str(forged))
    assert check.returncode == 1
    err = check.stderr.decode()
    assert "校验失败" in err and "stats[max_load]" in err


def test_verify_with_the_wrong_seed_fails(env, scenario_file, tmp_path):
    done = run(env, "solve", "--scenario", str(scenario_file), "--seed", "right", "--json")
    published = tmp_path / "result.json"
    published.write_bytes(done.stdout)
    check = run(
        env, "verify", "--scenario", str(scenario_file), "--seed", "wrong", "--result", str(published)
    )
    assert check.returncode == 1
    assert "seed_commitment" in check.stderr.decode()


def test_verify_with_an_edited_scenario_fails(env, scenario_file, tmp_path):
    done = run(env, "solve", "--scenario", str(scenario_file), "--seed", "s", "--json")
    published = tmp_path / "result.json"
    published.write_bytes(done.stdout)
    raw = json.loads(scenario_file.read_text(encoding="utf-8"))
    raw["conflicts"] = []
    scenario_file.write_text(json.dumps(raw), encoding="utf-8")
    check = run(env, "verify", "--scenario", str(scenario_file), "--seed", "s", "--result", str(published))
    assert check.returncode == 1
    assert "scenario_digest" in check.stderr.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"targets": [', "不是有效的 JSON (not valid JSON)"),
        (
            '{"targets": [{"id": "T1"}], "supervisors": []}',
            "targets[0](id=T1).institution: 缺少必填字段 (missing field)",
        ),
        ('{"targets": [], "supervisors": []}', "targets: 必须是非空数组 (must be a non-empty array)"),
    ],
)
def test_bad_scenario_exits_2_with_a_message(env, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    done = run(env, "solve", "--scenario", str(path), "--seed", "s", "--json")
    assert done.returncode == 2
    assert done.stdout == b""
    assert message in done.stderr.decode()


def test_missing_file_exits_2(env, tmp_path):
    done = run(env, "solve", "--scenario", str(tmp_path / "nope.json"), "--seed", "s")
    assert done.returncode == 2
    assert "无法读取情景文件 (cannot read" in done.stderr.decode()


def test_empty_seed_exits_2(env, scenario_file):
    done = run(env, "solve", "--scenario", str(scenario_file), "--seed", "")
    assert done.returncode == 2
    assert "随机种子不能为空 (the seed must be a non-empty string)" in done.stderr.decode()


def test_result_that_is_not_json_exits_2(env, scenario_file, tmp_path):
    bad = tmp_path / "result.json"
    bad.write_text("not json", encoding="utf-8")
    done = run(env, "verify", "--scenario", str(scenario_file), "--seed", "s", "--result", str(bad))
    assert done.returncode == 2
    assert "结果文件不是有效的 JSON" in done.stderr.decode()


def test_missing_argument_exits_2(env, scenario_file):
    done = run(env, "verify", "--scenario", str(scenario_file), "--seed", "s")
    assert done.returncode == 2
    assert "--result" in done.stderr.decode()


# ---------------------------------------------------------------- issue 8 §7: the published record
def _record(
    raw, *, seed="server-seed-0123", values=("jijian-0123456789abcdef", "gongzheng-0123456789abcdef")
):
    """A record as the public page offers it, and the result the draw published with it."""
    from dudao.supervision.domain import final_seed, seed_commitment, witness_commitment

    algorithm = preferred_hash_algorithm()
    final = final_seed(seed, list(values), algorithm)
    record = {
        "number": "T-CQ2026-0001",
        "hash": algorithm,
        "scenario_digest": scenario_digest(raw, algorithm),
        "seed_commitment": seed_commitment(seed, algorithm),
        "seed_scheme": "witness",
        "witnesses": [
            {
                "position": n,
                "name": f"见证人{n}",
                "role": "notary",
                "commitment": witness_commitment(v, algorithm),
                "value": v,
            }
            for n, v in enumerate(values, start=1)
        ],
        "seed": seed,
        "final_seed": final,
    }
    return record, solve_draw(raw, final, algorithm=algorithm).to_json()


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_verify_with_the_record_runs_every_check(env, scenario_file, tmp_path):
    raw = json.loads(scenario_file.read_text(encoding="utf-8"))
    record, result = _record(raw)
    args = ("verify", "--scenario", str(scenario_file), "--result", _write(tmp_path, "r.json", result))
    done = run(env, *args, "--record", _write(tmp_path, "d.json", record))
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    for label in (
        "服务器种子与公布的种子承诺值一致",
        "见证人随机值与公布时的承诺值一致",
        "最终种子由服务器种子和见证人随机值按公布顺序算出",
    ):
        assert f"✓ {label}" in out
    # The seed changed after publication: the commitment check fails and says so.
    forged = {**record, "seed": "another-seed"}
    done = run(env, *args, "--record", _write(tmp_path, "forged.json", forged))
    assert done.returncode == 1
    err = done.stderr.decode()
    assert "✗ 服务器种子与公布的种子承诺值一致" in err and "✗ 最终种子" in err
    # A witness value that does not match its commitment.
    swapped = json.loads(json.dumps(record))
    swapped["witnesses"][0]["value"] = "other-0123456789abcdef"
    done = run(env, *args, "--record", _write(tmp_path, "swapped.json", swapped))
    assert done.returncode == 1
    assert "✗ 见证人随机值与公布时的承诺值一致" in done.stderr.decode()


def test_verify_a_legacy_record_warns(env, scenario_file, tmp_path):
    raw = json.loads(scenario_file.read_text(encoding="utf-8"))
    record, _ = _record(raw)
    legacy = {**record, "seed_scheme": "server", "witnesses": [], "final_seed": record["seed"]}
    result = solve_draw(raw, record["seed"], algorithm=record["hash"]).to_json()
    done = run(
        env,
        "verify",
        "--scenario",
        str(scenario_file),
        "--result",
        _write(tmp_path, "r.json", result),
        "--record",
        _write(tmp_path, "d.json", legacy),
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "警告 (warning): 无见证人熵(旧版抽取)" in done.stderr.decode()


def test_verify_needs_a_seed_or_a_record(env, scenario_file, tmp_path):
    done = run(env, "verify", "--scenario", str(scenario_file), "--result", _write(tmp_path, "r.json", "{}"))
    assert done.returncode == 2
    assert "--record" in done.stderr.decode() and "--seed" in done.stderr.decode()
    bad = run(
        env,
        "verify",
        "--scenario",
        str(scenario_file),
        "--result",
        _write(tmp_path, "r.json", "{}"),
        "--record",
        _write(tmp_path, "d.json", "[]"),
    )
    assert bad.returncode == 2
    assert "核验记录必须是 JSON 对象" in bad.stderr.decode()


def test_witness_secret_prints_a_value_and_its_commitment(env):
    done = run(env, "witness-secret", "--hash", "sha256")
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode().splitlines()
    value = lines[0].rsplit(" ", 1)[1]
    commitment = lines[1].rsplit(" ", 1)[1]
    assert len(value) == 32
    assert commitment == hashlib.sha256(value.encode()).hexdigest()
