"""`dudao render-document` as an admin runs it: a subprocess with a fresh var dir, no database."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from django.core.management import call_command
from docx import Document

from dudao.documents.render import PACKAGE_DIR

from .helpers import FORM, LETTER_MINIMAL, blocks, pdf_text, run_dudao, squash


def _context(tmp_path, data, name="context.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_list_shows_each_template_and_where_it_comes_from(tmp_path):
    overrides = tmp_path / "var" / "media" / "templates" / "documents"
    run = run_dudao(tmp_path, "render-document", "--list")
    assert (run.returncode, run.stderr) == (0, "")
    lines = run.stdout.splitlines()
    names = sorted(p.stem for p in PACKAGE_DIR.glob("*.docx"))
    assert lines[0] == f"覆盖目录:{overrides}"
    assert lines[1:] == [f"{name}\t内置\t{PACKAGE_DIR / f'{name}.docx'}" for name in names]
    overrides.mkdir(parents=True)
    shutil.copy(PACKAGE_DIR / "table_form.docx", overrides / "table_form.docx")
    run = run_dudao(tmp_path, "render-document", "--list", "--json")
    listed = {t["name"]: t for t in json.loads(run.stdout)["templates"]}
    assert json.loads(run.stdout)["override_dirs"] == [str(overrides)]
    assert sorted(listed) == names
    assert listed["official_letter"] == {
        "name": "official_letter",
        "origin": "package",
        "path": str(PACKAGE_DIR / "official_letter.docx"),
    }
    assert listed["table_form"] == {
        "name": "table_form",
        "origin": "override",
        "path": str(overrides / "table_form.docx"),
    }
    assert not (tmp_path / "var" / "dudao.sqlite3").exists()  # never opened a database


def test_render_docx(tmp_path):
    out = tmp_path / "form.docx"
    run = run_dudao(
        tmp_path,
        "render-document",
        "table_form",
        "--context",
        str(_context(tmp_path, FORM)),
        "--out",
        str(out),
    )
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.startswith(f"已生成 {out}(")
    assert run.stdout.endswith(f"秒;模板 table_form,内置:{PACKAGE_DIR / 'table_form.docx'})\n")
    assert blocks(out.read_bytes())[1] == ("公文标题", FORM["title"])


def test_render_override_and_pdf_as_json(tmp_path):
    overrides = tmp_path / "var" / "media" / "templates" / "documents"
    overrides.mkdir(parents=True)
    doc = Document()
    doc.add_paragraph("本地模板：{{ title }}")
    doc.save(overrides / "official_letter.docx")
    out, pdf = tmp_path / "out.docx", tmp_path / "out.pdf"
    args = [
        "--context",
        str(_context(tmp_path, LETTER_MINIMAL)),
        "--out",
        str(out),
        "--pdf",
        str(pdf),
        "--json",
    ]
    run = run_dudao(tmp_path, "render-document", "official_letter", *args)
    if run.returncode == 2 and "LibreOffice" in run.stderr:
        pytest.skip("LibreOffice (soffice) is not installed")
    assert (run.returncode, run.stderr) == (0, "")
    result = json.loads(run.stdout)
    assert {k: v for k, v in result.items() if not k.endswith("_seconds")} == {
        "template": "official_letter",
        "origin": "override",
        "path": str(overrides / "official_letter.docx"),
        "docx": str(out),
        "pdf": str(pdf),
    }
    assert result["docx_seconds"] >= 0 and result["pdf_seconds"] > 0
    assert [text for _, text in blocks(out.read_bytes())] == ["本地模板：延续备案回执"]
    assert squash(pdf_text(pdf.read_bytes(), tmp_path)) == "本地模板：延续备案回执"


def test_variables(tmp_path):
    run = run_dudao(tmp_path, "render-document", "table_form", "--variables", "--json")
    assert json.loads(run.stdout) == [
        "authority_name",
        "columns",
        "date",
        "fields",
        "issuer",
        "number",
        "remarks",
        "rows",
        "signatures",
        "subtitle",
        "title",
        "totals",
    ]


OFFICIAL = ["official_letter", "--context"]
ERRORS = [
    (["nope", "--context", "CTX", "--out", "o.docx"], "找不到文书模板「nope」"),
    (["official_letter", "--out", "o.docx"], "请用 --context 指定数据 JSON 文件"),
    ([*OFFICIAL, "CTX"], "请用 --out 指定输出的 DOCX 文件"),
    (["--context", "CTX", "--out", "o.docx"], "请给出模板名称或 .docx 文件路径"),
    (
        [*OFFICIAL, "missing.json", "--out", "o.docx"],
        "无法读取数据文件 missing.json:No such file or directory",
    ),
    (
        [*OFFICIAL, "BAD", "--out", "o.docx"],
        "数据文件 BAD 不是有效的 JSON(第 1 行第 2 列):Expecting property name enclosed in double quotes",
    ),
    ([*OFFICIAL, "LIST", "--out", "o.docx"], "数据文件 LIST 的顶层必须是 JSON 对象"),
    (
        [*OFFICIAL, "CTX", "--out", "no/such/dir/o.docx"],
        "无法写入 no/such/dir/o.docx:No such file or directory",
    ),
]


@pytest.mark.parametrize(("args", "message"), ERRORS)
def test_errors_exit_2_with_a_message(tmp_path, monkeypatch, args, message):
    # In-process (the subprocess path is covered above): same command object, same exit status.
    monkeypatch.chdir(tmp_path)
    ctx = str(_context(tmp_path, LETTER_MINIMAL))
    (tmp_path / "bad.json").write_text("{oops", encoding="utf-8")
    (tmp_path / "list.json").write_text("[1]", encoding="utf-8")
    paths = {"CTX": ctx, "BAD": str(tmp_path / "bad.json"), "LIST": str(tmp_path / "list.json")}
    args = [paths.get(a, a) for a in args]
    message = message.replace("BAD", paths["BAD"]).replace("LIST", paths["LIST"])
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("render-document", *args, stdout=stdout, stderr=stderr)
    assert (exc.value.code, stdout.getvalue(), stderr.getvalue()) == (2, "", message + "\n")
    assert not (tmp_path / "o.docx").exists()


def test_nonexistent_template_exits_2_from_the_console_script(tmp_path):
    run = run_dudao(tmp_path, "render-document", "nope", "--context", "x.json", "--out", "o.docx")
    assert (run.returncode, run.stdout, run.stderr) == (2, "", "找不到文书模板「nope」\n")
