"""`dudao render-document`: render a document template with a JSON context (admins testing templates).

    dudao render-document TEMPLATE --context FILE.json --out OUT.docx [--pdf OUT.pdf] [--variant CODE]
    dudao render-document --list
    dudao render-document TEMPLATE --variables

TEMPLATE is a template name (looked up in the override directories, then the shipped templates) or a
path to a .docx file. Needs no database. Exit codes: 0 success; 2 the request failed (missing or broken
template, unreadable context, PDF conversion failed): message on stderr.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dudao.documents import render


class Command(BaseCommand):
    help = "用 JSON 数据渲染文书模板,生成 DOCX(可选 PDF),供管理员测试模板;--list 列出模板及其来源"
    requires_system_checks: list[str] = []  # no database, no checks: usable on a bare server

    def add_arguments(self, parser):
        parser.add_argument("template", nargs="?", help="模板名称(如 official_letter)或 .docx 文件路径")
        parser.add_argument("--context", help='数据 JSON 文件(对象,如 {"title": "…"});"-" 读标准输入')
        parser.add_argument("--out", help="输出 DOCX 文件")
        parser.add_argument("--pdf", help="同时输出 PDF 文件(需安装 LibreOffice)")
        parser.add_argument("--variant", help="模板变体(覆盖目录下的子目录名,如某鉴定机构的编码)")
        parser.add_argument("--list", action="store_true", help="列出内置模板及各自实际使用的文件")
        parser.add_argument("--variables", action="store_true", help="列出模板引用的变量名")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    def handle(self, *args, **options):
        try:
            if options["list"]:
                return self._list(options)
            if not options["template"]:
                raise CommandError("请给出模板名称或 .docx 文件路径")
            if options["variables"]:
                return self._variables(options)
            return self._render(options)
        except render.DocumentError as exc:
            self.stderr.write(exc.message)
            sys.exit(2)
        except CommandError as exc:
            self.stderr.write(str(exc))
            sys.exit(2)

    def _list(self, options):
        rows = []
        for name in render.shipped_templates():
            source = render.find_template(name, variant=options["variant"])
            rows.append({"name": name, "origin": source.origin, "path": str(source.path)})
        if options["json"]:
            payload = {"override_dirs": [str(d) for d in render.override_dirs()], "templates": rows}
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        self.stdout.write("覆盖目录:" + ",".join(str(d) for d in render.override_dirs()))
        for row in rows:
            origin = "管理员替换" if row["origin"] == "override" else "内置"
            self.stdout.write(f"{row['name']}\t{origin}\t{row['path']}")

    def _variables(self, options):
        names = render.template_variables(options["template"], variant=options["variant"])
        if options["json"]:
            self.stdout.write(json.dumps(names, ensure_ascii=False))
        else:
            self.stdout.write("\n".join(names))

    def _render(self, options):
        if not options["out"]:
            raise CommandError("请用 --out 指定输出的 DOCX 文件")
        source = render.find_template(options["template"], variant=options["variant"])
        context = _read_context(options["context"])
        started = time.perf_counter()
        docx = render.render_docx(source.path, context)
        docx_seconds = time.perf_counter() - started
        _write(Path(options["out"]), docx)
        result = {
            "template": source.name,
            "origin": source.origin,
            "path": str(source.path),
            "docx": options["out"],
            "docx_seconds": round(docx_seconds, 3),
        }
        if options["pdf"]:
            started = time.perf_counter()
            pdf = render.to_pdf(docx)
            result["pdf_seconds"] = round(time.perf_counter() - started, 3)
            _write(Path(options["pdf"]), pdf)
            result["pdf"] = options["pdf"]
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        origin = {"override": "管理员替换", "package": "内置", "path": "指定文件"}[source.origin]
        self.stdout.write(
            f"已生成 {options['out']}({docx_seconds:.2f} 秒;模板 {source.name},{origin}:{source.path})"
        )
        if options["pdf"]:
            self.stdout.write(f"已生成 {options['pdf']}({result['pdf_seconds']:.2f} 秒)")


def _read_context(path: str | None) -> dict:
    if not path:
        raise CommandError("请用 --context 指定数据 JSON 文件")
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"无法读取数据文件 {path}:{exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"数据文件 {path} 不是有效的 JSON(第 {exc.lineno} 行第 {exc.colno} 列):{exc.msg}"
        ) from exc
    if not isinstance(data, dict):
        raise CommandError(f"数据文件 {path} 的顶层必须是 JSON 对象")
    return data


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"无法写入 {path}:{exc.strerror}") from exc
