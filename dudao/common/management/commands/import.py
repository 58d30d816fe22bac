"""`dudao import KIND FILE --as USERNAME [--batch CODE] [--dry-run] [--json]`: the import pages' templates and
rules, at the console, with the permissions of USERNAME.

Kinds: regions, occupations, institutions, venues, persons, supervisors, examiners, candidates
(dudao.common.imports). `--batch` names the batch of a candidates roster (required there, refused elsewhere).
Exit 0 and `{"kind","rows","created","updated","seconds"}` (JSON with --json, a Chinese summary otherwise);
exit 2 and `{"errors":[{"row","column","value","message"}…]}` with nothing written on any error (an unknown
user, a refused or malformed file, any bad row). `--dry-run` checks everything and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dudao.common import imports
from dudao.common.errors import ApplicationError
from dudao.common.excel import ImportFailed, RowError

EXIT_REFUSED = 2


class Command(BaseCommand):
    # Configuration is checked where it is deployed (`dudao check --deploy`, the server's start); importing
    # the URL configuration and every API module for the checks would cost each import 1.7 s of CPU.
    requires_system_checks: list[str] = []
    help = (
        "按导入模板导入数据(全部成功或全部不导入):行政区划、职业、评价机构、考核场所、人员、督导员、考评员、"
        "考生(报名名册)"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(imports.KINDS), help="导入类型")
        parser.add_argument("file", help="按模板填写的 .xlsx 文件(行政区划也可为 CSV)")
        parser.add_argument(
            "--as", dest="as_user", required=True, metavar="USERNAME", help="以该用户的权限导入"
        )
        parser.add_argument(
            "--batch", metavar="CODE", default=None, help="批次编号(仅导入考生 candidates 时使用,且必填)"
        )
        parser.add_argument("--dry-run", action="store_true", help="只校验,不写入")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果或错误列表")

    def handle(self, *args, kind: str, file: str, as_user: str, **options):
        as_json = options["json"]
        try:
            actor = self._actor(as_user)
            path = Path(file)
            if not path.is_file():
                raise ImportFailed(f"文件不存在:{file}", errors=[RowError(0, "", f"文件不存在:{file}")])
            result = imports.run(
                kind,
                path.read_bytes(),
                actor=actor,
                dry_run=options["dry_run"],
                filename=path.name,
                limits=imports.CONSOLE_LIMITS,
                max_bytes=imports.CONSOLE_MAX_BYTES,
                options={"batch": options["batch"]},
            )
        except ImportFailed as exc:
            self._refuse(exc.message, exc.errors, as_json)
        except ApplicationError as exc:  # permission denied, unknown user, …: one error for the whole file
            self._refuse(exc.message, [RowError(0, "", exc.message)], as_json)
        data = result.as_dict()
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        verb = "校验通过(未写入)" if options["dry_run"] else "导入完成"
        self.stdout.write(
            f"{verb}:{imports.get_kind(kind).label} 共 {data['rows']} 行,新增 {data['created']} 条、"
            f"更新 {data['updated']} 条,用时 {data['seconds']:.1f} 秒"
        )

    def _actor(self, username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise ApplicationError(f"用户「{username[:50]}」不存在", code="unknown_user")
        if not user.is_active:
            raise ApplicationError(f"用户「{username[:50]}」已停用", code="inactive_user")
        return user

    def _refuse(self, message: str, errors: list[RowError], as_json: bool) -> None:
        items = [{"row": e.row, "column": e.column, "value": e.value, "message": e.message} for e in errors]
        if as_json:
            self.stdout.write(json.dumps({"errors": items}, ensure_ascii=False))
        else:
            for e in errors:
                where = f"第 {e.row} 行" if e.row else "文件"
                column = f"「{e.column}」" if e.column else ""
                value = f"(填写的值:{e.value})" if e.value else ""
                self.stderr.write(f"{where}{column}:{e.message}{value}")
        raise CommandError(message, returncode=EXIT_REFUSED)
