"""Examiner/invigilator assignment (issue 10 item 5): every rule on both sides of its boundary (EXAM-2, 3, 4,
5, 7, 13, SUP-8), the scenario validation, verification and the `dudao exam` CLI contract (no database)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dudao.common.errors import ValidationFailed
from dudao.exams.domain.assignment import STEPS, solve, verify
from dudao.exams.domain.assignment_scenario import parse_scenario, required_examiners

OCC = "4-01-02-01"
DAY = "2025-06-07"


def session(sid, subject="theory", rooms=(), start="09:00", end="11:00", level=3, occupation=OCC):
    return {
        "id": sid,
        "subject": subject,
        "occupation": occupation,
        "level": level,
        "start": f"{DAY}T{start}:00+08:00",
        "end": f"{DAY}T{end}:00+08:00",
        "rooms": list(rooms),
    }


def room(rid, n=10, prefix=None, **extra):
    prefix = prefix or rid
    return {"id": rid, "candidates": [f"{prefix}-c{i}" for i in range(1, n + 1)], **extra}


def examiner(eid, senior=False, card="2027-01-01", levels=(1, 2, 3, 4, 5), occupation=OCC, **extra):
    return {
        "id": eid,
        "senior": senior,
        "card_valid_until": card,
        "scopes": [{"occupation": occupation, "levels": list(levels)}],
        **extra,
    }


def scenario(sessions, examiners, **extra):
    return {"station": "S", "sessions": sessions, "examiners": examiners, **extra}


def staff(n):
    return [examiner(f"e{i:02d}") for i in range(1, n + 1)]


# --------------------------------------------------------------------------- required numbers (EXAM-13/7)


def test_theory_needs_max_2_and_ceil_n_over_15():
    assert required_examiners("theory", 1, None, None) == 2
    assert required_examiners("theory", 30, None, None) == 2
    assert required_examiners("theory", 31, None, None) == 3
    assert required_examiners("theory", 45, None, None) == 3
    assert required_examiners("theory", 46, None, None) == 4  # no odd rounding for invigilators


def test_practical_is_odd_at_least_3_with_the_room_ratio_default_5():
    assert required_examiners("practical", 15, None, None) == 3
    assert required_examiners("practical", 16, None, None) == 5  # ceil(16/5) = 4 -> odd 5
    assert required_examiners("practical", 25, None, None) == 5
    assert required_examiners("practical", 26, None, None) == 7
    assert required_examiners("practical", 25, 10, None) == 3
    assert required_examiners("practical", 11, 2, None) == 7  # ceil(11/2) = 6 -> 7


def test_review_panel_is_odd_at_least_3():
    assert required_examiners("review", 8, None, None) == 3
    assert required_examiners("review", 8, None, 3) == 3
    assert required_examiners("review", 8, None, 4) == 5
    assert required_examiners("review", 8, None, 5) == 5
    assert required_examiners("review", 100, 1, None) == 3  # candidates and ratio do not count


def test_the_room_gets_exactly_the_required_number():
    out = solve(scenario([session("T", rooms=[room("R", 31)])], staff(6)), "s")
    assert len(out["assignments"]["R"]) == 3
    out = solve(scenario([session("T", rooms=[room("R", 30)])], staff(6)), "s")
    assert len(out["assignments"]["R"]) == 2


# ------------------------------------------------------------------------------------ eligibility rules


def unassigned(out, rid):
    return next(item for item in out["unassigned"] if item["room"] == rid)


def test_card_valid_on_the_session_day_but_not_the_day_before():  # EXAM-2
    practical = [session("P", "practical", [room("R", 5)])]
    valid = [examiner(f"e{i}", card=DAY) for i in range(3)]
    assert solve(scenario(practical, valid), "s")["assignments"] == {"R": ["e0", "e1", "e2"]}
    expired = [examiner(f"e{i}", card="2025-06-06" if i == 0 else DAY) for i in range(3)]
    out = solve(scenario(practical, expired), "s")
    assert out["assignments"] == {}
    assert unassigned(out, "R") == {
        "room": "R",
        "reason": "考评员证卡须在考试当日有效:符合条件的考评人员只有 2 人,需要 3 人",
        "counts": {
            "考评人员总数": 3,
            "非本批督导": 3,
            "证卡有效": 2,
            "在认定范围": 2,
            "高级考评员": 2,
            "无回避关系": 2,
            "非连续三次": 2,
            "时间不冲突": 2,
            "未超场次上限": 2,
            "需要": 3,
        },
    }


def test_theory_invigilators_need_no_card_or_scope():
    people = [{"id": "a"}, {"id": "b", "card_valid_until": "2000-01-01"}]
    out = solve(scenario([session("T", rooms=[room("R", 5)])], people), "s")
    assert out["assignments"] == {"R": ["a", "b"]}


def test_scope_must_hold_the_occupation_and_level():  # EXAM-3
    base = [examiner("a"), examiner("b")]
    practical = [session("P", "practical", [room("R", 5)], level=3)]
    assert solve(scenario(practical, [*base, examiner("c", levels=(3,))]), "s")["assignments"] == {
        "R": ["a", "b", "c"]
    }
    out = solve(scenario(practical, [*base, examiner("c", levels=(4, 5))]), "s")
    assert (
        unassigned(out, "R")["reason"] == "考评员证卡须包含本职业及等级:符合条件的考评人员只有 2 人,需要 3 人"
    )
    out = solve(scenario(practical, [*base, examiner("c", occupation="6-05-01-01")]), "s")
    assert unassigned(out, "R")["counts"]["在认定范围"] == 2


def test_review_needs_senior_examiners():  # EXAM-7
    review = [session("V", "review", [room("R", 6)], level=2)]
    seniors = [examiner(f"s{i}", senior=True) for i in range(2)]
    assert solve(scenario(review, [*seniors, examiner("s2", senior=True)]), "s")["assignments"] == {
        "R": ["s0", "s1", "s2"]
    }
    out = solve(scenario(review, [*seniors, examiner("x", senior=False)]), "s")
    assert (
        unassigned(out, "R")["reason"] == "综合评审须由高级考评员担任:符合条件的考评人员只有 2 人,需要 3 人"
    )


def test_supervisors_of_the_batch_never_examine():  # SUP-8
    sessions = [session("T", rooms=[room("R", 5)])]
    out = solve(scenario(sessions, staff(3), supervisors=["e01", "nobody-known"]), "s")
    assert out["assignments"] == {"R": ["e02", "e03"]}
    out = solve(scenario(sessions, staff(2), supervisors=["e01"]), "s")
    assert unassigned(out, "R")["counts"]["非本批督导"] == 1


def test_a_relation_with_a_candidate_of_the_room_recuses():  # EXAM-4
    sessions = [session("T", rooms=[room("R1", 5), room("R2", 5)])]
    relations = [{"examiner": "e01", "candidate": "R1-c3"}]
    out = solve(scenario(sessions, staff(4), relations=relations), "s")
    assert "e01" not in out["assignments"]["R1"]
    out = solve(scenario([session("T", rooms=[room("R1", 5)])], staff(2), relations=relations), "s")
    assert (
        unassigned(out, "R1")["reason"]
        == "与本考场考生有亲属、师生或师徒关系的须回避:符合条件的考评人员只有 1 人,需要 2 人"
    )


def test_three_teams_in_a_row_exclude_but_two_do_not():  # EXAM-5
    sessions = [session("T", rooms=[room("R", 5)])]
    people = [*staff(2), examiner("new")]
    previous = [["e01", "e02"], ["e01"], ["e01"]]
    out = solve(scenario(sessions, people, previous_teams=previous), "s")
    assert "e01" not in out["team"]
    out = solve(scenario(sessions, staff(2), previous_teams=[["e01"], ["e01"], ["e01"]]), "s")
    assert (
        unassigned(out, "R")["reason"]
        == "已连续三批在本站担任考评人员的不得再次担任:符合条件的考评人员只有 1 人,需要 2 人"
    )
    older = solve(scenario(sessions, staff(2), previous_teams=[["x"], ["e01"], ["e01"], ["e01"]]), "s")
    assert older["assignments"] == {"R": ["e01", "e02"]}  # only the last three teams count
    two = solve(scenario(sessions, staff(2), previous_teams=[["x"], ["e01"], ["e01"]]), "s")
    assert two["assignments"] == {"R": ["e01", "e02"]}  # served in teams 2 and 3 only
    gap = solve(scenario(sessions, staff(2), previous_teams=[["e01"], ["x"], ["e01"], ["e01"]]), "s")
    assert gap["assignments"] == {"R": ["e01", "e02"]}


def test_rotation_needs_ceil_team_over_3_new_members():  # EXAM-5
    three = [session("T", rooms=[room("R", 31)])]  # 3 invigilators: 1 new member suffices
    old = [examiner("o1"), examiner("o2"), examiner("o3")]
    out = solve(scenario(three, [*old, examiner("n1")], previous_teams=[["o1", "o2", "o3"]]), "s")
    assert "n1" in out["assignments"]["R"]
    assert out["stats"] == {"max_load": 1, "new_members": 1, "team_size": 3}
    four = [session("T", rooms=[room("R", 46)])]  # 4 invigilators: ceil(4/3) = 2 new needed, 1 exists
    out = solve(scenario(four, [*old, examiner("n1")], previous_teams=[["o1", "o2", "o3"]]), "s")
    assert out["assignments"] == {}
    assert unassigned(out, "R")["reason"] == "考评组轮换(至少三分之一为新成员)与其他考场的安排无法同时满足"
    out = solve(
        scenario(four, [*old, examiner("n1"), examiner("n2")], previous_teams=[["o1", "o2", "o3"]]), "s"
    )
    assert out["stats"]["new_members"] == 2


def test_overlapping_sessions_exclude_touching_ones_do_not():
    two_rooms = lambda start2, end2: [  # noqa: E731
        session("A", rooms=[room("R1", 5)], start="09:00", end="11:00"),
        session("B", rooms=[room("R2", 5)], start=start2, end=end2),
    ]
    touching = solve(scenario(two_rooms("11:00", "12:00"), staff(2)), "s")
    assert touching["assignments"] == {"R1": ["e01", "e02"], "R2": ["e01", "e02"]}
    overlapping = solve(scenario(two_rooms("10:59", "12:00"), staff(2)), "s")
    assert len(overlapping["assignments"]) == 1
    (missing,) = overlapping["unassigned"]
    assert missing["counts"]["时间不冲突"] == 0
    assert missing["reason"] == "同一时间只能在一个考场:符合条件的考评人员只有 0 人,需要 2 人"


def test_two_rooms_of_one_session_never_share_an_examiner():
    out = solve(scenario([session("T", rooms=[room("R1", 5), room("R2", 5)])], staff(3)), "s")
    assert len(out["assignments"]) == 1
    out = solve(scenario([session("T", rooms=[room("R1", 5), room("R2", 5)])], staff(4)), "s")
    assert not set(out["assignments"]["R1"]) & set(out["assignments"]["R2"])


def test_max_sessions_caps_the_rooms():
    sessions = [
        session("A", rooms=[room("R1", 5)], start="09:00", end="10:00"),
        session("B", rooms=[room("R2", 5)], start="10:00", end="11:00"),
    ]
    people = [examiner("a", max_sessions=1), examiner("b"), examiner("c", max_sessions=2)]
    out = solve(scenario(sessions, people), "s")
    assert out["stats"]["max_load"] == 2
    assert sum("a" in names for names in out["assignments"].values()) <= 1
    capped = solve(scenario(sessions, [examiner("a", max_sessions=1), examiner("b", max_sessions=1)]), "s")
    assert len(capped["assignments"]) == 1
    assert capped["unassigned"][0]["counts"]["未超场次上限"] == 0


def test_max_load_is_minimised():
    sessions = [
        session("A", rooms=[room("R1", 5)], start="08:00", end="09:00"),
        session("B", rooms=[room("R2", 5)], start="09:00", end="10:00"),
    ]
    out = solve(scenario(sessions, staff(4)), "s")
    assert out["stats"] == {"max_load": 1, "new_members": 4, "team_size": 4}
    out = solve(scenario(sessions, staff(3)), "s")
    assert out["stats"]["max_load"] == 2


# ------------------------------------------------------------------------------------- input validation


def bad(raw) -> dict:
    with pytest.raises(ValidationFailed) as info:
        parse_scenario(raw)
    return info.value.detail


def test_invalid_scenarios_name_the_field():
    ok = scenario([session("T", rooms=[room("R", 5)])], staff(2))
    parse_scenario(ok)
    assert "sessions[0](id=T).rooms[0](id=R).candidates" in bad(
        scenario([session("T", rooms=[{"id": "R", "candidates": []}])], staff(2))
    )
    dup = scenario(
        [session("A", rooms=[room("R", 5)]), session("B", rooms=[room("R", 5, prefix="x")])], staff(2)
    )
    assert "考场编号重复" in bad(dup)["sessions[1](id=B).rooms[0](id=R).id"][0]
    assert "relations[0].examiner" in bad({**ok, "relations": [{"examiner": "zz", "candidate": "R-c1"}]})
    assert "relations[0].candidate" in bad({**ok, "relations": [{"examiner": "e01", "candidate": "zz"}]})
    assert "sessions[0](id=T).occupation" in bad(
        scenario([session("T", rooms=[room("R")], occupation="4-1")], [])
    )
    assert "sessions[0](id=T).end" in bad(scenario([session("T", rooms=[room("R")], end="09:00")], []))
    assert "$.extra" in bad({**ok, "extra": 1})
    assert "examiners[0](id=e01).max_sessions" in bad(
        scenario(ok["sessions"], [examiner("e01", max_sessions=-1)])
    )
    parse_scenario({**ok, "supervisors": ["unknown"], "previous_teams": [["unknown"]]})  # ignored ids


def test_a_seed_must_not_be_empty():
    with pytest.raises(ValidationFailed):
        solve(scenario([session("T", rooms=[room("R", 5)])], staff(2)), "")


# -------------------------------------------------------------------------------- determinism and verify


def bigger():
    sessions = [
        session("T", rooms=[room(f"T{i}", 20) for i in range(4)], start="08:00", end="10:00"),
        session("P", "practical", [room(f"P{i}", 12) for i in range(3)], start="09:30", end="12:00"),
        session("V", "review", [room("V0", 4, panel=3)], level=2, start="13:00", end="15:00"),
    ]
    people = [examiner(f"e{i:02d}", senior=i % 3 == 0) for i in range(20)]
    return scenario(
        sessions,
        people,
        relations=[{"examiner": "e01", "candidate": "T0-c1"}],
        previous_teams=[[f"e{i:02d}" for i in range(10)]],
    )


def test_same_scenario_and_seed_give_the_same_bytes():
    raw = bigger()
    first, second = solve(raw, "2025"), solve(json.loads(json.dumps(raw)), "2025")
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert verify(raw, "2025", first) == (True, [])


def test_verify_rejects_tampering():
    raw = bigger()
    result = solve(raw, "2025")
    ok, reasons = verify(raw, "2026", result)
    assert not ok and any("seed_commitment" in r for r in reasons)
    swapped = json.loads(json.dumps(result))
    room_id = sorted(swapped["assignments"])[0]
    outsider = next(e["id"] for e in raw["examiners"] if e["id"] not in swapped["assignments"][room_id])
    swapped["assignments"][room_id][0] = outsider
    ok, reasons = verify(raw, "2025", swapped)
    assert not ok and any(f"assignments[{room_id}]" in r for r in reasons)
    stats = json.loads(json.dumps(result))
    stats["stats"]["max_load"] += 1
    ok, reasons = verify(raw, "2025", stats)
    assert not ok and any(r.startswith("stats 应为") for r in reasons)


def test_every_count_step_is_reported_in_order():
    out = solve(scenario([session("P", "practical", [room("R", 5)])], [examiner("a")]), "s")
    assert list(unassigned(out, "R")["counts"]) == [*STEPS, "需要"]


# ---------------------------------------------------------------------------------------------------- CLI


def _cli(*args, stdin=None):
    return subprocess.run(
        [str(Path(sys.executable).with_name("dudao")), "exam", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:////nonexistent/none.sqlite3"},
        check=False,
    )


def test_cli_assign_verify_exit_codes(tmp_path):
    raw = bigger()
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    done = _cli("assign", "--scenario", "-", "--seed", "7", "--json", stdin=json.dumps(raw))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1
    result = json.loads(done.stdout)
    assert result == solve(raw, "7")
    result_path = tmp_path / "result.json"
    result_path.write_text(done.stdout, encoding="utf-8")
    ok = _cli("verify", "--scenario", str(path), "--seed", "7", "--result", str(result_path))
    assert (ok.returncode, ok.stdout) == (0, "核验通过\n")
    wrong = _cli("verify", "--scenario", str(path), "--seed", "8", "--result", str(result_path))
    assert wrong.returncode == 1
    assert wrong.stdout.startswith("核验未通过")
    summary = _cli("assign", "--scenario", str(path), "--seed", "7")
    assert summary.returncode == 0 and summary.stdout.startswith("已安排 8 个考场")


def test_cli_bad_input_exits_2_with_nothing_on_stdout(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    for args in (
        ("assign", "--scenario", str(broken), "--seed", "1"),
        ("assign", "--scenario", str(tmp_path / "missing.json"), "--seed", "1"),
        ("assign", "--scenario", "-", "--seed", "1"),
        ("assign", "--scenario", "-", "--seed", ""),
        ("verify", "--scenario", "-", "--seed", "1", "--result", str(broken)),
    ):
        done = _cli(*args, stdin=json.dumps(scenario([session("T", rooms=[room("R", 0)])], staff(2))))
        assert (done.returncode, done.stdout) == (2, ""), args
        assert "错误" in done.stderr
    done = _cli("assign", "--scenario", "-", "--seed", "1", stdin="[]")
    assert done.returncode == 2 and "情景必须是 JSON 对象" in done.stderr


@pytest.mark.parametrize(("level", "ok"), [(1, True), (2, True), (3, False), (5, False)])
def test_review_sessions_only_for_levels_two_and_one(level, ok):
    """EXAM-7/14: the comprehensive review is for 二级 and 一级; another level is malformed input."""
    from dudao.exams.domain.assignment_scenario import parse_scenario

    raw = {
        "station": "S",
        "sessions": [
            {
                "id": "V",
                "subject": "review",
                "occupation": "6-18-02-04",
                "level": level,
                "start": "2026-12-20T09:00:00+08:00",
                "end": "2026-12-20T11:00:00+08:00",
                "rooms": [{"id": "R", "candidates": ["c1"]}],
            }
        ],
        "examiners": [],
        "relations": [],
        "supervisors": [],
        "previous_teams": [],
    }
    if ok:
        assert parse_scenario(raw).sessions[0].level == level
    else:
        with pytest.raises(ValidationFailed) as exc:
            parse_scenario(raw)
        assert "综合评审只适用于二级" in str(exc.value.detail)
