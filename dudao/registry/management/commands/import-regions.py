"""`dudao import-regions FILE`: import cities and districts (区划代码,名称) from an .xlsx or CSV file.

Runs as the operator at the console (audited as the system, not limited to a region); all or nothing;
re-running the same file changes nothing. Exit status 1 with every bad row listed when the file is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dudao.common.errors import ApplicationError
from dudao.common.excel import ImportFailed
from dudao.registry import services


class Command(BaseCommand):
    help = "导入地市、区县行政区划(.xlsx 或 CSV,列:区划代码,名称 或 code,name);全部成功或全部不导入"

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 或 .csv 文件(CSV 可为 UTF-8 或 GBK 编码)")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出新增/更新/未变条数或错误列表")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在:{file}")
        try:
            result = services.regions_import(actor=None, data=path.read_bytes(), filename=path.name)
        except ImportFailed as exc:
            if options["json"]:
                self.stdout.write(json.dumps(exc.as_dict(), ensure_ascii=False))
            else:
                for error in exc.errors:
                    where = f"第 {error.row} 行" if error.row else "文件"
                    column = f" {error.column}" if error.column else ""
                    self.stderr.write(f"{where}{column}:{error.message}")
            raise CommandError(exc.message) from None
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, sort_keys=True))
        else:
            self.stdout.write(
                f"导入完成:新增 {result['created']} 个、更新 {result['updated']} 个、"
                f"未变 {result['unchanged']} 个区划"
            )
