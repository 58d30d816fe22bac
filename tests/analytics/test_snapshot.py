"""The snapshot export (issue 13 item 4) and the refresh with its fingerprints (issue 13 item 1: a dismissed
pattern is not raised again on the same data; new data is a new pattern)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from django.core.management import call_command

from dudao.analytics import operational, services, snapshot
from dudao.analytics.models import Flag
from dudao.analytics.refresh import refresh
from dudao.exams.models_marking import Mark

from .support import START, Evaluation

pytestmark = pytest.mark.django_db


def read(path):
    con = duckdb.connect(":memory:")
    try:
        return con.read_parquet(str(path)).order("batch, candidate, examiner").fetchall()
    finally:
        con.close()


@pytest.fixture
def two(institution, users):
    a = Evaluation(institution, users, n=2, code="PC-EXAM-1", base=0)
    b = Evaluation(institution, users, n=1, code="PC-EXAM-2", base=10)
    a.mark(a.seats[0], 71, START, examiner=a.examiners[0])
    a.mark(a.seats[0], 69.5, START, examiner=a.examiners[1])
    a.mark(a.seats[1], 58, START, examiner=a.examiners[0])
    b.mark(b.seats[0], 90, START, examiner=b.examiners[0])
    return a, b


def test_export_writes_the_contract_columns_one_row_per_current_mark(tmp_path, two):
    a, b = two
    old = b.mark(b.seats[0], 80, START, examiner=b.examiners[1])
    Mark.objects.filter(pk=old.pk).update(current=False)  # superseded by a correction: not exported
    b.mark(b.seats[0], 85, START, examiner=b.examiners[1], role="leader")  # a ruling, not a marker's mark
    result = snapshot.export(tmp_path)
    assert (result["batches"], result["rows"], result["total_rows"]) == (2, 4, 4)
    rows = read(tmp_path / "marks.parquet")
    uscc, occupation = a.batch.institution.uscc, a.batch.occupation.code
    e0, e1 = str(a.examiners[0].pk), str(a.examiners[1].pk)
    reg = [s.registration.number for s in a.seats]
    assert rows[:3] == sorted(
        [
            (uscc, "PC-EXAM-1", occupation, "4", "theory", str(a.room.pk), reg[0], e0, 71.0, 100.0),
            (uscc, "PC-EXAM-1", occupation, "4", "theory", str(a.room.pk), reg[0], e1, 69.5, 100.0),
            (uscc, "PC-EXAM-1", occupation, "4", "theory", str(a.room.pk), reg[1], e0, 58.0, 100.0),
        ],
        key=lambda r: (r[6], r[7]),
    )
    assert rows[3][1] == "PC-EXAM-2" and rows[3][8] == 90.0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["watermark"]["mark_id"] == Mark.objects.order_by("-id").first().pk
    assert manifest["batches"]["PC-EXAM-1"]["rows"] == 3


def test_export_is_incremental_on_the_watermark(tmp_path, two):
    _, b = two
    snapshot.export(tmp_path)
    again = snapshot.export(tmp_path)
    assert (again["batches"], again["rows"], again["total_rows"]) == (0, 0, 4)
    b.mark(b.seats[0], 88, START, examiner=b.examiners[1])
    third = snapshot.export(tmp_path)
    assert (third["batches"], third["rows"], third["total_rows"]) == (1, 2, 5)
    assert len(read(tmp_path / "marks.parquet")) == 5
    # --since re-exports the batches with marks entered that day or later
    since = snapshot.export(tmp_path, since=START.date())
    assert since["batches"] == 2
    later = snapshot.export(tmp_path, since=START.date() + dt.timedelta(days=1))
    assert later["batches"] == 0


def test_the_export_command_and_its_bad_input(tmp_path, two, capsys):
    call_command("analytics", "export", "--out", str(tmp_path))
    assert "已导出 2 个批次、4 条评分" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        call_command("analytics", "export", "--out", str(tmp_path), "--since", "2026-13-01")
    assert exit_info.value.code == 2
    assert "日期“2026-13-01”格式不对" in capsys.readouterr().err


def test_scan_flags_map_onto_the_database_and_their_fingerprint_follows_the_data(tmp_path, two):
    a, b = two
    snapshot.export(tmp_path)
    flag = {
        "kind": "heaping",
        "institution": a.batch.institution.uscc,
        "batch": "PC-EXAM-1",
        "examiner": None,
        "statistic": 3.2,
        "p_value": 0.001,
        "evidence": {"subject": "theory", "papers": 2, "q_value": 0.004},
    }
    [c] = snapshot.scan_candidates(tmp_path / "marks.parquet", [flag])
    assert (c["institution_id"], c["batch_id"], c["examiner_id"]) == (
        a.batch.institution_id,
        a.batch.pk,
        None,
    )
    assert c["authority_id"] == a.batch.institution.authority_id
    assert c["period_start"] == c["period_end"] == START.date()
    assert c["basis"]["rows"] == 3
    before = services.fingerprint(c["kind"], c["subject_key"], c["basis"])
    b.mark(b.seats[0], 77, START, examiner=b.examiners[1])  # another batch: same data behind this flag
    snapshot.export(tmp_path)
    [same] = snapshot.scan_candidates(tmp_path / "marks.parquet", [flag])
    assert services.fingerprint(same["kind"], same["subject_key"], same["basis"]) == before
    a.mark(a.seats[1], 61, START, examiner=a.examiners[1])  # this batch's data changed
    snapshot.export(tmp_path)
    [changed] = snapshot.scan_candidates(tmp_path / "marks.parquet", [flag])
    assert changed["basis"]["rows"] == 4
    assert services.fingerprint(changed["kind"], changed["subject_key"], changed["basis"]) != before


def test_a_dismissed_flag_is_not_raised_again_on_the_same_data_but_is_on_new_data(tmp_path, two, users):
    from dudao.accounts.models import Role

    a, _ = two
    a.check_in(a.seats[0], START + dt.timedelta(minutes=3), status="late")
    low = operational.OperationalThresholds(late_checkin_min=1)
    first = refresh(tmp_path, operational_thresholds=low)
    assert first["by_kind"]["late_checkin"] == 1
    assert first["scan"]["rows"] == 4
    flag = Flag.objects.get(kind="late_checkin")
    services.flag_dismiss(
        actor=users[Role.AUTHORITY_STAFF], flag=flag, reason="考生持准考证迟到,已按规定登记", row_version=1
    )
    second = refresh(tmp_path, operational_thresholds=low)
    assert "late_checkin" not in second["by_kind"] and second["known"] >= 1
    assert Flag.objects.filter(kind="late_checkin").count() == 1
    a.check_in(a.seats[1], START + dt.timedelta(minutes=4), status="late")  # the pattern changed
    third = refresh(tmp_path, operational_thresholds=low)
    assert third["by_kind"]["late_checkin"] == 1
    assert list(Flag.objects.filter(kind="late_checkin").values_list("status", "statistic")) == [
        ("open", 2.0),
        ("dismissed", 1.0),
    ]


def test_the_refresh_command_records_flags(tmp_path, two, capsys):
    call_command("analytics", "refresh", "--out", str(tmp_path))
    out = capsys.readouterr().out
    # the fixture's batches have a filing scope and nothing else unusual at the default thresholds
    assert "统计比对 4 条评分,发现疑点 0 项,其中新疑点 0 项" in out
    assert Flag.objects.count() == 0


def test_refresh_on_a_platform_without_marks(tmp_path):
    result = refresh(tmp_path)
    assert (result["export"]["batches"], result["scan"]["rows"], result["raised"]) == (0, 0, 0)
    assert read(tmp_path / "marks.parquet") == []
