"""`dudao scorecards list|check|score|load`: score forms as data (FORM-A, FORM-B, REN-4).

`list`, `check` and `score` work without a database. `load [FILE.yaml ...]` loads definitions into the
database as new form versions (no file: the shipped forms); it needs a migrated database.

Exit codes: 0 success; 1 `check`/`load` found problems in the definition; 2 the request itself is bad
(unknown form, unreadable file, invalid answers, a loaded version with different text): message on
stderr, nothing on stdout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from dudao.common.errors import NotFound
from dudao.scorecards.domain import (
    AnswersInvalid,
    ScoreForm,
    ScoreResult,
    answers_from_document,
    lint,
    load_form,
    score,
    shipped_form,
    shipped_forms,
)


class _Fail(Exception):
    """Ends the command with messages on stderr and exit status 2."""

    def __init__(self, *messages: str):
        self.messages = messages


class Command(BaseCommand):
    help = (
        "评估表:list 列出内置评估表;check 校验 YAML 定义;score 按答案文件计分(以上无需数据库);"
        "load 将评估表载入数据库成为新版本"
    )
    requires_system_checks: list[str] = []  # pure computation: no checks, no database

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,check,score,load}")
        p_list = sub.add_parser("list", help="列出内置评估表编号(每行一个)")
        p_list.add_argument("--json", action="store_true", help="输出 JSON:[{id, version, title}]")
        p_check = sub.add_parser("check", help="校验评估表 YAML 定义文件")
        p_check.add_argument("file", help="评估表 YAML 文件")
        p_check.add_argument(
            "--json", action="store_true", help='输出 JSON:{"ok", "errors": [{path, message}]}'
        )
        p_score = sub.add_parser("score", help="按答案文件计分")
        p_score.add_argument("form_id", help="评估表编号,如 CQ-RENEWAL")
        p_score.add_argument(
            "--answers", required=True, help='答案 JSON 文件({"answers": {项目编号: 答案}});"-" 读标准输入'
        )
        p_score.add_argument("--json", action="store_true", help="输出 JSON")
        p_load = sub.add_parser("load", help="将评估表载入数据库(新版本);不指定文件则载入内置评估表")
        p_load.add_argument("files", nargs="*", metavar="FILE.yaml", help="评估表 YAML 文件")
        p_load.add_argument(
            "--json", action="store_true", help='输出 JSON:[{"form", "version", "created", "current"}]'
        )

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "list":
                code = self.do_list(options["json"])
            elif action == "check":
                code = self.do_check(options["file"], options["json"])
            elif action == "load":
                code = self.do_load(options["files"], options["json"])
            else:
                code = self.do_score(options["form_id"], options["answers"], options["json"])
        except _Fail as fail:
            for message in fail.messages:
                self.stderr.write(message)
            raise SystemExit(2) from None
        if code:
            raise SystemExit(code)

    # -- list
    def do_list(self, as_json: bool) -> int:
        forms = shipped_forms()
        if as_json:
            data = [{"id": f.id, "version": f.version, "title": f.title} for f in forms.values()]
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            for form_id in forms:
                self.stdout.write(form_id)
        return 0

    # -- check
    def do_check(self, file: str, as_json: bool) -> int:
        text = _read_text(file)
        errors = lint(text)
        if as_json:
            data = {"ok": not errors, "errors": [{"path": e.path, "message": str(e)} for e in errors]}
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        elif errors:
            for error in errors:
                self.stdout.write(str(error))
        else:
            form = load_form(text)
            self.stdout.write(
                f"OK {form.id} 第 {form.version} 版:{len(form.sections)} 个分区,{len(form.items)} 个项目,"
                f"基本分 {_num(form.base_max)},加分 {_num(form.bonus_max)},封顶 {_num(form.cap)}"
            )
        return 1 if errors else 0

    # -- score
    def do_score(self, form_id: str, answers_file: str, as_json: bool) -> int:
        try:
            form = shipped_form(form_id)
        except NotFound as exc:
            raise _Fail(exc.message) from None
        text = _read_text(answers_file)
        try:
            document = json.loads(text, object_pairs_hook=_no_duplicate_keys)
        except json.JSONDecodeError as exc:
            raise _Fail(
                f"答案文件 {answers_file} 不是合法的 JSON:第 {exc.lineno} 行第 {exc.colno} 列:{exc.msg}"
            ) from None
        try:
            result = score(form, answers_from_document(form, document))
        except AnswersInvalid as exc:
            raise _Fail(*(message for _, message in exc.problems)) from None
        if as_json:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            self.stdout.write(_table(form, result))
        return 0

    # -- load (needs the database)
    def do_load(self, files: list[str], as_json: bool) -> int:
        from dudao.common.errors import ApplicationError
        from dudao.scorecards import services
        from dudao.scorecards.domain import FormInvalid

        try:
            if files:
                results = []
                for file in files:
                    text = _read_text(file)
                    errors = lint(text)
                    if errors:
                        for error in errors:
                            self.stderr.write(f"{file}: {error}")
                        return 1
                    results.append(services.form_version_load(actor=None, definition=text, source="upload"))
            else:
                results = services.form_versions_load_shipped(actor=None)
        except FormInvalid as exc:  # pragma: no cover - linted above
            raise _Fail(*(str(e) for e in exc.errors)) from None
        except ApplicationError as exc:
            raise _Fail(exc.message) from None
        rows = [(row, created) for row, created in results]
        if as_json:
            data = [
                {"form": r.form_id, "version": r.version, "created": c, "current": r.is_current}
                for r, c in rows
            ]
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            for r, c in rows:
                state = "已载入" if c else "已存在(内容相同)"
                current = ",现行版本" if r.is_current else ""
                self.stdout.write(f"{state} {r.form_id} 第 {r.version} 版{current}")
        return 0


def _read_text(file: str) -> str:
    try:
        if file == "-":
            return sys.stdin.read()
        return Path(file).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _Fail(f"无法读取文件 {file}:不是 UTF-8 文本") from None
    except OSError as exc:
        raise _Fail(f"无法读取文件 {file}:{exc.strerror or exc}") from None


def _num(value: Any) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _table(form: ScoreForm, result: ScoreResult) -> str:
    """Readable score sheet: fixed-width numbers first, Chinese titles last so columns align."""
    lines = [f"{form.title}({form.id} 第 {form.version} 版)", f"{'编号':<8}{'满分':>8}{'得分':>8}  项目"]
    for section in form.sections:
        kind = "加分" if section.bonus else "小计"
        for item in section.items:
            lines.append(f"{item.id:<10}{item.max:>10.2f}{result.items[item.id]:>10.2f}  {item.title}")
        lines.append(
            f"{section.id:<10}{section.max:>10.2f}{result.sections[section.id]:>10.2f}"
            f"  {kind}:{section.title}"
        )
        lines.append("")
    band = next(b for b in form.bands if b.id == result.band)
    capped = "(已封顶)" if result.uncapped > form.cap else ""
    lines.append(f"总分:{result.total:.2f}{capped}(封顶 {_num(form.cap)})")
    lines.append(f"等级:{band.label_zh}({band.id})")
    return "\n".join(lines)


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """An item answered twice is ambiguous: refuse it instead of silently keeping the last value."""
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise _Fail(f"项目 {key}:答案文件中重复出现")
        seen[key] = value
    return seen
