"""`dudao analytics scan` flags on small exact data sets: each kind raised, and not raised just under its
threshold (seed 001 art. 14; EXAM-7 pass mark, EXAM-16 tolerance, EXAM-18 panels)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from dudao.analytics.scan.flags import Thresholds, scan
from dudao.analytics.scan.significance import benjamini_hochberg, intraclass_leave_one_out

HEADER = [
    "institution",
    "batch",
    "occupation",
    "level",
    "subject",
    "room",
    "candidate",
    "examiner",
    "mark",
    "full",
]


def write(tmp_path: Path, rows: list[list], name: str = "marks.csv") -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def kinds(result: dict, kind: str) -> list[dict]:
    return [f for f in result["flags"] if f["kind"] == kind]


# ------------------------------------------------------------------------------------------- pass_rate
def pass_rate_rows(target_passed: int, target_n: int = 200) -> list[list]:
    """Ten peer institutions of 100 candidates with exactly 60 passing (rate 0.6, no spread between them) and
    one target institution; single-marked theory papers, 70 passes and 50 fails."""
    rows = []
    for inst in range(10):
        for c in range(100):
            rows.append(
                [
                    f"P{inst}",
                    f"PB{inst}",
                    "电工",
                    "3",
                    "theory",
                    "",
                    f"P{inst}C{c}",
                    "",
                    70 if c < 60 else 50,
                    100,
                ]
            )
    for c in range(target_n):
        rows.append(
            ["T", "TB", "电工", "3", "theory", "", f"TC{c}", "", 70 if c < target_passed else 50, 100]
        )
    return rows


def test_pass_rate_raised_at_exactly_the_minimum_excess(tmp_path):
    result = scan(write(tmp_path, pass_rate_rows(150)))  # 0.75 vs 0.60: excess exactly 0.15
    [flag] = kinds(result, "pass_rate")
    assert flag["institution"] == "T"
    assert flag["statistic"] == pytest.approx(0.15)
    assert flag["p_value"] < 1e-4
    assert flag["evidence"]["pass_rate"] == 0.75
    assert flag["evidence"]["peer_pass_rate"] == 0.6
    assert flag["evidence"]["candidates"] == 200


def test_pass_rate_not_raised_just_under_the_minimum_excess(tmp_path):
    result = scan(write(tmp_path, pass_rate_rows(149)))  # 0.745: significant, but too small an effect
    assert kinds(result, "pass_rate") == []


def test_pass_rate_needs_significance_after_fdr(tmp_path):
    # 9 of 10 pass (excess 0.3) is big, but 10 candidates cannot make it significant among 11 tests
    assert kinds(scan(write(tmp_path, pass_rate_rows(9, target_n=10))), "pass_rate") == []


def test_pass_rate_needs_the_minimum_number_of_candidates(tmp_path):
    rows = pass_rate_rows(9, target_n=9)  # all 9 pass: p = 0.6^9 ≈ 0.01 is not enough either
    assert kinds(scan(write(tmp_path, rows), Thresholds(fdr=0.5)), "pass_rate") == []
    rows = pass_rate_rows(10, target_n=10)
    assert [
        f["institution"] for f in kinds(scan(write(tmp_path, rows), Thresholds(fdr=0.5)), "pass_rate")
    ] == ["T"]


def test_pass_rate_uses_the_pass_mark(tmp_path):
    rows = pass_rate_rows(150)
    for r in rows:  # passes are 70: a pass mark of 71 fails everyone
        r[8] = r[8]
    assert kinds(scan(write(tmp_path, rows), Thresholds(pass_mark=71)), "pass_rate") == []


def test_spread_between_peers_weakens_the_test():
    """The intraclass correlation of the other institutions (leave one out) is 0 for equal rates, positive
    when they differ, and never counts the tested one."""
    n = np.array([100, 100, 100, 100, 100])
    equal = intraclass_leave_one_out(n, np.array([60, 60, 60, 60, 60]))
    assert equal.tolist() == [0.0] * 5
    spread = intraclass_leave_one_out(n, np.array([40, 80, 50, 70, 95]))
    assert (spread > 0).all()
    outlier = intraclass_leave_one_out(n, np.array([60, 60, 60, 60, 100]))
    assert outlier[4] == 0.0  # the others agree: the outlier is judged against no spread
    assert intraclass_leave_one_out(n[:3], np.array([1, 2, 3])).tolist() == [0.0, 0.0, 0.0]  # too few


# -------------------------------------------------------------------------------------------- heaping
def heaping_rows(at_mark: int) -> list[list]:
    """One batch: 60 theory papers spread evenly over 30..99 outside the zone [56, 62), and `at_mark` papers
    marked 60 (none in 56..59): the batch's own distribution predicts about a third of the zone at 60–61."""
    marks = [m for m in range(30, 100) if not 56 <= m < 62][:60] + [60] * at_mark
    return [["I", "B", "电工", "3", "theory", "", f"C{i}", "", m, 100] for i, m in enumerate(marks)]


def test_heaping_raised_at_the_minimum_count(tmp_path):
    [flag] = kinds(scan(write(tmp_path, heaping_rows(5))), "heaping")
    assert (flag["institution"], flag["batch"]) == ("I", "B")
    assert flag["evidence"]["at_pass_mark"] == 5
    assert flag["evidence"]["zone_papers"] == 5
    assert flag["statistic"] >= 1.5
    assert len(flag["evidence"]["candidates"]) == 5


def test_heaping_not_raised_under_the_minimum_count(tmp_path):
    assert kinds(scan(write(tmp_path, heaping_rows(4))), "heaping") == []


def test_heaping_not_raised_for_a_smooth_batch(tmp_path):
    rows = [["I", "B", "电工", "3", "theory", "", f"C{i}", "", 30 + i % 70, 100] for i in range(140)]
    assert kinds(scan(write(tmp_path, rows)), "heaping") == []


def test_heaping_follows_the_pass_mark(tmp_path):
    rows = heaping_rows(8)
    for r in rows:
        if r[8] == 60:
            r[8] = 70
    assert kinds(scan(write(tmp_path, rows)), "heaping") == []  # a pile at 70 is no pile at 60
    assert len(kinds(scan(write(tmp_path, rows), Thresholds(pass_mark=70)), "heaping")) == 1


# ------------------------------------------------------------------------------------------- leniency
def leniency_rows(lenient_by: float, papers: int = 60) -> list[list]:
    """Six examiners double-marking in rotating pairs; true marks 50..89; examiner E0 adds `lenient_by`, every
    mark wobbles by -1, 0 or 1 so that differences have a spread."""
    rows = []
    for p in range(papers):
        true = 50 + p % 40
        a, b = p % 6, (p + 1 + p // 6 % 5) % 6
        for e in (a, b):
            wobble = random.Random(1000 * p + e).choice((-1, 0, 1))  # seeded, not tied to the examiner
            mark = true + (lenient_by if e == 0 else 0) + wobble
            rows.append(["I", f"B{p // 30}", "电工", "3", "theory", "", f"C{p}", f"E{e}", mark, 100])
    return rows


def test_leniency_raised_for_the_examiner_above_his_co_markers(tmp_path):
    result = scan(write(tmp_path, leniency_rows(7)))
    [flag] = kinds(result, "leniency")
    assert flag["examiner"] == "E0"
    assert flag["evidence"]["direction"] == "lenient"
    assert flag["statistic"] >= 4.0
    assert flag["evidence"]["papers"] == sum(1 for r in leniency_rows(7) if r[7] == "E0")


def test_leniency_severe_examiner_raised_too(tmp_path):
    [flag] = kinds(scan(write(tmp_path, leniency_rows(-7))), "leniency")
    assert (flag["examiner"], flag["evidence"]["direction"]) == ("E0", "severe")


def test_leniency_small_difference_not_raised_however_significant(tmp_path):
    # 3 points above on every paper is significant, but under the 4-point minimum
    assert kinds(scan(write(tmp_path, leniency_rows(3))), "leniency") == []


def test_leniency_minimum_points_boundary(tmp_path):
    path = write(tmp_path, leniency_rows(7))
    [flag] = kinds(scan(path), "leniency")
    shrunk = abs(flag["statistic"])
    assert kinds(scan(path, Thresholds(leniency_min_points=shrunk - 0.001)), "leniency")
    assert not kinds(scan(path, Thresholds(leniency_min_points=shrunk + 0.001)), "leniency")


# --------------------------------------------------------------------------------------- disagreement
def disagreement_rows(target_gap: float, target_disagreeing: int) -> list[list]:
    """Ten batches of 20 double-marked theory papers with 1 pair 15 apart each, and batch T whose first
    `target_disagreeing` papers' marks are `target_gap` apart."""
    rows = []
    for b in range(10):
        for p in range(20):
            gap = 15 if p == 0 else 2
            rows += [
                ["I", f"B{b}", "电工", "3", "theory", "", f"B{b}C{p}", "E1", 70, 100],
                ["I", f"B{b}", "电工", "3", "theory", "", f"B{b}C{p}", "E2", 70 + gap, 100],
            ]
    for p in range(20):
        gap = target_gap if p < target_disagreeing else 2
        rows += [
            ["J", "T", "电工", "3", "theory", "", f"TC{p}", "E3", 70, 100],
            ["J", "T", "电工", "3", "theory", "", f"TC{p}", "E4", 70 + gap, 100],
        ]
    return rows


def test_disagreement_raised_for_a_batch_beyond_the_norm(tmp_path):
    [flag] = kinds(scan(write(tmp_path, disagreement_rows(11, 12))), "disagreement")
    assert (flag["batch"], flag["institution"]) == ("T", "J")
    assert flag["evidence"]["beyond_tolerance"] == 12
    assert flag["evidence"]["norm"] == 0.05


def test_disagreement_exactly_the_tolerance_is_no_disagreement(tmp_path):
    # EXAM-16: a third marker only when the difference is MORE than the tolerance
    assert kinds(scan(write(tmp_path, disagreement_rows(10, 12))), "disagreement") == []


def test_disagreement_a_third_mark_counts(tmp_path):
    rows = disagreement_rows(2, 0)
    rows += [["J", "T", "电工", "3", "theory", "", f"TC{p}", "E5", 71, 100] for p in range(12)]
    [flag] = kinds(scan(write(tmp_path, rows)), "disagreement")
    assert flag["evidence"]["beyond_tolerance"] == 12


# ------------------------------------------------------------------------------------------ identical
def identical_rows(agreeing: int) -> list[list]:
    """Five rooms of 10 practical candidates marked by panels of three with different marks, and room R9
    where the first `agreeing` candidates got the same mark from all three members."""
    rows = []
    for room in range(6):
        for c in range(10):
            same = room == 5 and c < agreeing
            for k in range(3):
                mark = 70 + c if same else 70 + c + k
                rows.append(
                    [
                        "I",
                        "B",
                        "电工",
                        "3",
                        "practical",
                        f"R{room + 4}",
                        f"R{room}C{c}",
                        f"E{room}{k}",
                        mark,
                        100,
                    ]
                )
    return rows


def test_identical_raised_at_exactly_most_of_a_room(tmp_path):
    [flag] = kinds(scan(write(tmp_path, identical_rows(8))), "identical")
    assert flag["evidence"]["pattern"] == "members_agree"
    assert flag["evidence"]["room"] == "R9"
    assert flag["statistic"] == 0.8
    assert len(flag["evidence"]["candidates"]) == 8


def test_identical_not_raised_under_most_of_a_room(tmp_path):
    assert kinds(scan(write(tmp_path, identical_rows(7))), "identical") == []


def test_identical_same_mark_for_most_candidates(tmp_path):
    rows = identical_rows(0)
    for r in rows:
        if r[5] == "R9":
            r[8] = 75 + int(r[7][-1])  # members differ, but every candidate of the room gets 75, 76, 77
    flags = kinds(scan(write(tmp_path, rows)), "identical")
    assert [f["evidence"]["pattern"] for f in flags] == ["same_mark"]


# ------------------------------------------------------------------------------------------------ FDR
def test_benjamini_hochberg_adjusted_values():
    q = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.2]))
    assert q == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2])


def test_a_p_value_significant_alone_is_not_among_many(tmp_path):
    alone = benjamini_hochberg(np.array([0.01]))
    assert alone[0] <= 0.05
    crowd = benjamini_hochberg(np.array([0.01, *np.linspace(0.05, 1, 99)]))
    assert crowd[0] > 0.05
