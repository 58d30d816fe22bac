"""`dudao archives verify FILE.zip [--json]`: exit 0 intact, 1 changed (missing, extra, changed files listed
in Chinese), 2 not a package (not a ZIP, no manifest, hostile ZIP, no file). No database."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command

from dudao.archives import domain as d

FILES = {"results.json": b'{"results": []}\n', "registrations.csv": b"\xef\xbb\xbfa,b\r\n"}


def make_zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def package(**over) -> dict[str, bytes]:
    manifest = d.build_manifest(FILES, kinds={"results": ["results.json"]}, package={"plan": 1})
    entries = {**FILES, d.MANIFEST: manifest}
    entries.update(over)
    return {k: v for k, v in entries.items() if v is not None}


def run(tmp_path, data: bytes, *args: str, capsys) -> tuple[int, str, str]:
    path = tmp_path / "p.zip"
    path.write_bytes(data)
    try:
        call_command("archives", "verify", str(path), *args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_an_intact_package_exits_0(tmp_path, capsys):
    entries = package()
    code, out, _ = run(tmp_path, make_zip(entries), "--json", capsys=capsys)
    assert code == 0
    assert json.loads(out) == {
        "valid": True,
        "files": 2,
        "errors": [],
        "manifest_sm3": d.digest(entries[d.MANIFEST], "sm3"),
    }
    code, out, _ = run(tmp_path, make_zip(entries), capsys=capsys)
    assert code == 0 and "校验通过" in out


def test_changed_missing_and_extra_files_exit_1_in_chinese(tmp_path, capsys):
    data = make_zip(
        package(**{"results.json": b'{"results": [1]}\n', "registrations.csv": None, "x.txt": b"x"})
    )
    code, out, _ = run(tmp_path, data, "--json", capsys=capsys)
    assert code == 1
    assert json.loads(out)["errors"] == [
        "缺少文件:registrations.csv",
        "文件内容已改变:results.json",
        "多出未列入清单的文件:x.txt",
    ]
    code, out, _ = run(tmp_path, data, capsys=capsys)
    assert code == 1 and "校验未通过" in out and "缺少文件:registrations.csv" in out


def test_a_recorded_manifest_digest_is_checked(tmp_path, capsys):
    entries = package()
    digest = d.digest(entries[d.MANIFEST], "sm3")
    assert run(tmp_path, make_zip(entries), "--manifest-sm3", digest, capsys=capsys)[0] == 0
    code, out, _ = run(tmp_path, make_zip(entries), "--manifest-sm3", "0" * 64, "--json", capsys=capsys)
    assert code == 1 and "清单摘要与归档时记录的不一致" in json.loads(out)["errors"][0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all", "不是 ZIP"),
        (make_zip(FILES), "没有 manifest.json"),
        (make_zip({**FILES, "inner.zip": make_zip(FILES), d.MANIFEST: b"{}"}), "安全检查"),
        (make_zip({"bomb.csv": b"0" * (8 * 1024 * 1024), d.MANIFEST: b"{}"}), "安全检查"),
        (b"PK\x03\x04broken", "安全检查"),
    ],
    ids=["not-zip", "no-manifest", "nested", "bomb", "truncated"],
)
def test_not_a_package_exits_2_with_a_chinese_message(tmp_path, capsys, data, message):
    code, out, err = run(tmp_path, data, capsys=capsys)
    assert code == 2 and message in err and out == ""
    code, out, _ = run(tmp_path, data, "--json", capsys=capsys)
    assert code == 2
    result = json.loads(out)
    assert result["valid"] is False and message in result["errors"][0]


def test_a_missing_file_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        call_command("archives", "verify", str(tmp_path / "none.zip"))
    assert exc.value.code == 2
    assert "找不到文件" in capsys.readouterr().err
