"""`dudao scorecards list|check|score` as a user runs it: a subprocess, a fresh var dir, no database."""

from __future__ import annotations

import json

import pytest
import yaml

from .helpers import clean_answers, run_dudao, shipped_text, write_answers
from .test_scoring import CQ_MIXED


def assert_no_database(tmp_path):
    # The SQLite file only appears when a connection is opened: these commands never open one.
    assert not (tmp_path / "var" / "dudao.sqlite3").exists()


def test_list(tmp_path):
    run = run_dudao(tmp_path, "scorecards", "list")
    assert (run.returncode, run.stdout, run.stderr) == (0, "CQ-RENEWAL\nQC-STATION\n", "")
    run = run_dudao(tmp_path, "scorecards", "list", "--json")
    assert run.returncode == 0
    assert json.loads(run.stdout) == [
        {"id": "CQ-RENEWAL", "version": 1, "title": "重庆市职业技能等级认定机构延续备案评估表"},
        {"id": "QC-STATION", "version": 1, "title": "职业技能鉴定所(站)鉴定质量检查评估表"},
    ]
    assert_no_database(tmp_path)


def test_check_shipped_forms(tmp_path):
    for form_id, expected in [
        ("QC-STATION", "OK QC-STATION 第 1 版:5 个分区,22 个项目,基本分 100,加分 5,封顶 100\n"),
        ("CQ-RENEWAL", "OK CQ-RENEWAL 第 1 版:4 个分区,43 个项目,基本分 96,加分 4,封顶 100\n"),
    ]:
        path = tmp_path / f"{form_id}.yaml"
        path.write_text(shipped_text(form_id), encoding="utf-8")
        run = run_dudao(tmp_path, "scorecards", "check", str(path))
        assert (run.returncode, run.stdout, run.stderr) == (0, expected, "")
    assert_no_database(tmp_path)


def test_check_invalid_definition_exits_1_with_one_line_per_error(tmp_path):
    doc = yaml.safe_load(shipped_text("QC-STATION"))
    doc["sections"][3]["items"][3]["choices"]["full"]["points"] = 6  # item 3.4, max 5
    doc["sections"][0]["items"][1]["id"] = "1.1"
    doc["bands"][1]["max"] = 84
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    run = run_dudao(tmp_path, "scorecards", "check", str(path))
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        "sections[0].items[1]: duplicate item id '1.1' (first at sections[0].items[0])"
        " / 项目编号 1.1 重复(首次出现在 sections[0].items[0])",
        "sections[3].items[3]: choice 'full' (6) exceeds item max 5 / 选项 full 的分值 6 超过项目满分 5",
        "bands[0]: gap in bands: [84, 85) is in no band / 分档有缺口:[84, 85) 不属于任何分档",
    ]
    run = run_dudao(tmp_path, "scorecards", "check", str(path), "--json")
    assert run.returncode == 1
    assert [e["path"] for e in json.loads(run.stdout)["errors"]] == [
        "sections[0].items[1]",
        "sections[3].items[3]",
        "bands[0]",
    ]


def test_check_unreadable_file_exits_2(tmp_path):
    run = run_dudao(tmp_path, "scorecards", "check", str(tmp_path / "missing.yaml"))
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr == f"无法读取文件 {tmp_path / 'missing.yaml'}:No such file or directory\n"


def test_score_qc_all_full_json(tmp_path):
    path = write_answers(tmp_path, clean_answers("QC-STATION", bonus=True))
    run = run_dudao(tmp_path, "scorecards", "score", "QC-STATION", "--answers", str(path), "--json")
    assert run.returncode == 0, run.stderr
    items = {f"1.{n}": 5 for n in range(1, 7)} | {f"2.{n}": 4 for n in range(1, 5)} | {"B1": 5}
    items |= {f"3.{n}": 5 for n in range(1, 9)} | {"4.1": 5, "4.2": 4, "4.3": 5}
    assert json.loads(run.stdout) == {
        "form": "QC-STATION",
        "version": 1,
        "total": 100,
        "band": "excellent",
        "sections": {"1": 30, "2": 16, "B": 5, "3": 40, "4": 14},
        "items": items,
    }
    assert list(json.loads(run.stdout)) == ["form", "version", "total", "band", "sections", "items"]
    assert_no_database(tmp_path)


def test_score_cq_mixed_exact_json(tmp_path):
    path = write_answers(tmp_path, CQ_MIXED)
    run = run_dudao(tmp_path, "scorecards", "score", "CQ-RENEWAL", "--answers", str(path), "--json")
    assert run.returncode == 0, run.stderr
    assert run.stdout == (
        '{"form": "CQ-RENEWAL", "version": 1, "total": 76.2, "band": "rectify", '
        '"sections": {"A": 7.2, "B": 50.6, "C": 16.4, "D": 2}, '
        '"items": {"A1.1": 3.2, "A1.2": 0.5, "A2.1": 1, "A3.1": 0, "A3.2": 0.5, "A3.3": 0.5, '
        '"A3.4": 0.5, "A3.5": 1, "B1.1": 2, "B2.1": 1.5, "B3.1": 2, "B4.1": 4, "B4.2": 8, '
        '"B4.3": 4, "B4.4": 4, "B4.5": 0, "B5.1": 7, "B6.1": 3, "B6.2": 3, "B7.1": 0.2, '
        '"B7.2": 1.4, "B7.3": 2, "B8.1": 1, "B8.2": 1, "B8.3": 0.5, "B8.4": 0, "B9.1": 1, '
        '"B10.1": 2, "B10.2": 0, "B10.3": 2, "B10.4": 1, "C1.1": 1.4, "C1.2": 2, "C1.3": 2, '
        '"C2.1": 2, "C2.2": 1, "C2.3": 2, "C3.1": 1, "C4.1": 2, "C4.2": 1, "C4.3": 2, '
        '"D1": 2, "D2": 0}}\n'
    )


def test_score_cq_clean_json_and_answers_from_stdin(tmp_path):
    document = json.dumps({"form": "CQ-RENEWAL", "version": 1, "answers": clean_answers("CQ-RENEWAL")})
    run = run_dudao(tmp_path, "scorecards", "score", "CQ-RENEWAL", "--answers", "-", "--json", stdin=document)
    result = json.loads(run.stdout)
    assert (result["total"], result["band"], result["sections"]) == (
        96,
        "renew",
        {"A": 10, "B": 67, "C": 19, "D": 0},
    )


def test_score_readable_table(tmp_path):
    path = write_answers(tmp_path, CQ_MIXED)
    run = run_dudao(tmp_path, "scorecards", "score", "CQ-RENEWAL", "--answers", str(path))
    assert run.returncode == 0
    lines = run.stdout.splitlines()
    assert lines[0] == "重庆市职业技能等级认定机构延续备案评估表(CQ-RENEWAL 第 1 版)"
    assert "B7.1            2.00      0.20  按试卷要求阅卷评分" in lines
    assert "A              10.00      7.20  小计:内部管理" in lines
    assert "D               4.00      2.00  加分:加分项" in lines
    assert lines[-2:] == ["总分:76.20(封顶 100)", "等级:整改(rectify)"]


def _answers_without(item_id):
    answers = clean_answers("CQ-RENEWAL")
    del answers[item_id]
    return answers


@pytest.mark.parametrize(
    ("answers", "stderr"),
    [
        (_answers_without("B4.5"), "项目 B4.5:缺少答案\n"),
        ({**clean_answers("CQ-RENEWAL"), "Q1": 0}, "项目 Q1:评估表 CQ-RENEWAL 中没有此项目\n"),
        ({**clean_answers("CQ-RENEWAL"), "D2": "yes"}, '项目 D2:加分项答案应为 true 或 false,收到 "yes"\n'),
        ({**clean_answers("CQ-RENEWAL"), "C1.1": -2}, "项目 C1.1:扣分次数不能为负数(-2)\n"),
    ],
    ids=["missing", "unknown", "ill-typed", "negative"],
)
def test_score_bad_answers_exit_2_naming_the_item(tmp_path, answers, stderr):
    path = write_answers(tmp_path, answers)
    run = run_dudao(tmp_path, "scorecards", "score", "CQ-RENEWAL", "--answers", str(path), "--json")
    assert (run.returncode, run.stdout, run.stderr) == (2, "", stderr)
    assert_no_database(tmp_path)


def test_score_request_errors_exit_2(tmp_path):
    good = write_answers(tmp_path, clean_answers("CQ-RENEWAL"))
    run = run_dudao(tmp_path, "scorecards", "score", "NOPE", "--answers", str(good), "--json")
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == "评估表 NOPE 不存在(可用:CQ-RENEWAL、QC-STATION)\n"

    run = run_dudao(tmp_path, "scorecards", "score", "CQ-RENEWAL", "--answers", str(tmp_path / "no.json"))
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.startswith(f"无法读取文件 {tmp_path / 'no.json'}")

    broken = tmp_path / "broken.json"
    broken.write_text('{"answers": {', encoding="utf-8")
    run = run_dudao(tmp_path, "scorecards", "score", "CQ-RENEWAL", "--answers", str(broken), "--json")
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.startswith(f"答案文件 {broken} 不是合法的 JSON:第 1 行")

    wrong_form = tmp_path / "wrong.json"
    wrong_form.write_text(json.dumps({"form": "QC-STATION", "answers": {}}), encoding="utf-8")
    run = run_dudao(tmp_path, "scorecards", "score", "CQ-RENEWAL", "--answers", str(wrong_form), "--json")
    assert (run.returncode, run.stdout, run.stderr) == (
        2,
        "",
        '答案文件针对评估表 "QC-STATION",不是 CQ-RENEWAL\n',
    )

    flat = tmp_path / "flat.json"
    flat.write_text(json.dumps(clean_answers("CQ-RENEWAL")), encoding="utf-8")
    run = run_dudao(tmp_path, "scorecards", "score", "CQ-RENEWAL", "--answers", str(flat), "--json")
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == '答案文件应为 {"answers": {项目编号: 答案}} 形式的 JSON 对象\n'
    assert_no_database(tmp_path)


def test_usage_errors_exit_2(tmp_path):
    run = run_dudao(tmp_path, "scorecards", "score", "CQ-RENEWAL")
    assert (run.returncode, run.stdout) == (2, "")
    assert "--answers" in run.stderr


def test_an_item_answered_twice_is_refused(tmp_path):
    answers = tmp_path / "dup.json"
    answers.write_text('{"answers": {"1.1": "full", "1.1": "none"}}', encoding="utf-8")
    run = run_dudao(tmp_path, "scorecards", "score", "QC-STATION", "--answers", str(answers), "--json")
    assert (run.returncode, run.stdout) == (2, "")
    assert "项目 1.1:答案文件中重复出现" in run.stderr
