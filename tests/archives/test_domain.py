"""Pure archive rules: the manifest (build, verify: a changed byte, a missing file, an extra file), retention
per kind (ARCH-2: both sides of every boundary, permanent kinds), the setting, and when a batch is over."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from dudao.archives import domain as d

FILES = {"a.csv": b"\xef\xbb\xbfx,y\r\n1,2\r\n", "dir/b.json": b'{"k": 1}\n'}


def entries(files=FILES, **over):
    manifest = d.build_manifest(files, kinds={"results": sorted(files)}, package={"plan": 7}, algorithm="sm3")
    return {**files, d.MANIFEST: manifest, **over}


def test_the_manifest_lists_every_file_with_its_size_and_sm3():
    manifest = json.loads(entries()[d.MANIFEST])
    assert manifest["version"] == 1 and manifest["algorithm"] == "sm3"
    assert manifest["files"] == [
        {"path": "a.csv", "size": 13, "sm3": hashlib.new("sm3", FILES["a.csv"]).hexdigest()},
        {"path": "dir/b.json", "size": 9, "sm3": hashlib.new("sm3", FILES["dir/b.json"]).hexdigest()},
    ]
    assert manifest["kinds"] == [
        {"kind": "results", "label": "成绩与评分记录", "paths": ["a.csv", "dir/b.json"]}
    ]
    assert manifest["package"] == {"plan": 7}


def test_an_intact_package_verifies_and_reports_the_manifest_digest():
    files = entries()
    verdict = d.verify_entries(files)
    assert verdict.as_json() == {
        "valid": True,
        "files": 2,
        "errors": [],
        "manifest_sm3": hashlib.new("sm3", files[d.MANIFEST]).hexdigest(),
    }


def test_a_changed_byte_is_found():
    changed = entries(**{"a.csv": FILES["a.csv"][:-1] + b"3"})  # same size, one byte different
    verdict = d.verify_entries(changed)
    assert (verdict.valid, verdict.errors) == (False, ["文件内容已改变:a.csv"])


def test_a_missing_and_an_extra_file_are_found():
    files = entries(**{"c.txt": b"x"})
    del files["dir/b.json"]
    verdict = d.verify_entries(files)
    assert verdict.errors == ["缺少文件:dir/b.json", "多出未列入清单的文件:c.txt"]
    assert verdict.valid is False


def test_no_manifest_or_a_broken_one_is_not_a_package():
    with pytest.raises(d.NotAPackage, match=r"没有 manifest\.json"):
        d.verify_entries(dict(FILES))
    with pytest.raises(d.NotAPackage, match="不是有效的 JSON"):
        d.verify_entries({**FILES, d.MANIFEST: b"{"})
    bad = json.dumps({"version": 1, "algorithm": "md5", "files": []}).encode()
    with pytest.raises(d.NotAPackage, match="不受支持"):
        d.verify_entries({d.MANIFEST: bad})


def test_the_fallback_algorithm_is_recorded_and_used():
    manifest = d.build_manifest(FILES, kinds={}, package={}, algorithm="sha256")
    data = json.loads(manifest)
    assert data["algorithm"] == "sha256" and "sha256" in data["files"][0] and "sm3" not in data["files"][0]
    assert d.verify_entries({**FILES, d.MANIFEST: manifest}).valid


# ------------------------------------------------------------------------------------------ retention

SEALED = dt.date(2027, 1, 20)
CERTS = dt.date(2027, 1, 15)


def test_the_defaults_follow_arch_2():
    table = d.parse_retention("")
    assert {k for k, r in table.items() if r.permanent} == {
        "registrations",
        "examiners",
        "certificate_roster",
    }
    assert table["results"] == d.Retention(1, d.ANCHOR_CERTIFICATES)
    assert table["eligibility"] == d.Retention(1, d.ANCHOR_CERTIFICATES)
    assert table["seat_plans"] == d.Retention(5, d.ANCHOR_SEALED)


@pytest.mark.parametrize(
    ("kind", "last_kept"),
    [("results", dt.date(2028, 1, 15)), ("seat_plans", dt.date(2032, 1, 20))],
)
def test_the_last_day_is_kept_and_the_next_is_due(kind, last_kept):
    table = d.parse_retention("")
    dates = {"sealed_on": SEALED, "certificates_on": CERTS}
    assert d.keep_until(table[kind], **dates) == last_kept
    assert d.destroy_not_before(table[kind], **dates) == last_kept + dt.timedelta(days=1)
    assert d.due_kinds([kind], table, today=last_kept, **dates) == []
    assert d.due_kinds([kind], table, today=last_kept + dt.timedelta(days=1), **dates) == [kind]
    assert d.destruction_refusal(kind, table, on=last_kept, **dates) is not None
    assert d.destruction_refusal(kind, table, on=last_kept + dt.timedelta(days=1), **dates) is None


def test_permanent_kinds_are_never_due():
    table = d.parse_retention("")
    dates = {"sealed_on": SEALED, "certificates_on": CERTS}
    far = dt.date(2200, 1, 1)
    assert d.due_kinds(["certificate_roster", "registrations", "examiners"], table, today=far, **dates) == []
    assert (
        d.destruction_refusal("certificate_roster", table, on=far, **dates)
        == "「证书名册(合格人员名单)」须永久保存,不能销毁"
    )


def test_without_certificates_the_certificate_anchor_falls_back_to_sealing():
    table = d.parse_retention("")
    assert d.keep_until(table["results"], sealed_on=SEALED, certificates_on=None) == dt.date(2028, 1, 20)


def test_29_february_keeps_until_1_march():
    assert d.add_years(dt.date(2028, 2, 29), 1) == dt.date(2029, 3, 1)
    assert d.add_years(dt.date(2028, 2, 28), 1) == dt.date(2029, 2, 28)


def test_the_setting_overrides_and_is_checked():
    table = d.parse_retention(
        '{"seat_plans": 3, "results": {"years": 2, "from": "sealed"}, "video_index": "permanent"}'
    )
    assert table["seat_plans"] == d.Retention(3, d.ANCHOR_SEALED)
    assert table["results"] == d.Retention(2, d.ANCHOR_SEALED)
    assert table["video_index"].permanent
    for bad, message in (
        ("[", "不是有效的 JSON"),
        ("[1]", "应为对象"),
        ('{"nope": 1}', "不存在"),
        ('{"results": 0}', "1 到 100"),
        ('{"results": 101}', "1 到 100"),
        ('{"results": true}', "1 到 100"),
        ('{"results": {"years": 1, "from": "moon"}}', "certificates 或 sealed"),
        ('{"results": {"years": 1, "x": 1}}', "只能有"),
    ):
        with pytest.raises(d.RetentionSettingError, match=message):
            d.parse_retention(bad)
    assert d.parse_retention('{"results": 1}')["results"].years == 1
    assert d.parse_retention('{"results": 100}')["results"].years == 100


# ------------------------------------------------------------------------------------------ batch over

DAY = dt.date(2027, 1, 10)


def over(**kw):
    values = {
        "cancelled": False,
        "published": True,
        "objections_close_on": DAY - dt.timedelta(days=1),
        "today": DAY,
        "open_objections": 0,
        "passed_without_certificate": 0,
    }
    values.update(kw)
    return d.batch_over_refusal(**values)


def test_a_batch_is_over_after_the_window_with_everything_certified():
    assert over() is None
    assert "复核申请期" in over(objections_close_on=DAY)  # the last day of the window: not yet
    assert "尚未公示" in over(published=False, objections_close_on=None)
    assert "1 件复核申请" in over(open_objections=1)
    assert "2 名合格考生未发证" in over(passed_without_certificate=2)
    assert over(cancelled=True, published=False, objections_close_on=None) is None


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    text = d.csv_bytes(["h"], [["=1+1"], ["-3"], ["@x"], [True], [None]]).decode("utf-8")
    assert text == "\ufeffh\r\n'=1+1\r\n-3\r\n'@x\r\n是\r\n\"\"\r\n"
