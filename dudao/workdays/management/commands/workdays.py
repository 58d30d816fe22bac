"""`dudao workdays add|between|list-years|load-year`: the working-day calendar from the console (CAL-1…4).

Works without a database (only the shipped arrangements are used then); with one, rows loaded
by admins override the shipped file. Bad input: a Chinese message on stderr, exit status 2,
nothing on stdout.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.core.management.base import BaseCommand

from dudao.common.errors import ApplicationError
from dudao.workdays import selectors
from dudao.workdays.domain import parse_date

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """Input the user can fix; reported in Chinese with exit status 2."""


def _parse_date(text: str, what: str):
    try:
        return parse_date(text)
    except ApplicationError:
        raise BadInput(f"{what}“{text}”不是有效日期,应为 YYYY-MM-DD 格式") from None


def _parse_int(text: str) -> int:
    if not re.fullmatch(r"[+-]?\d{1,9}", text.strip()):
        raise BadInput(f"工作日数“{text}”不是整数")
    return int(text)


class Command(BaseCommand):
    help = "工作日计算:add 日期 N(N 个工作日后的日期)、between 开始 结束、list-years、load-year 文件.json"
    requires_system_checks: list = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{add,between,list-years,load-year}"
        )
        add = sub.add_parser(
            "add", help="开始日期之后第 N 个工作日(开始日期不计入;N 为负数时向前倒数)"
        )  # CAL-2
        add.add_argument("date", help="开始日期 YYYY-MM-DD")
        add.add_argument("n", help="工作日数(整数,可为 0 或负数)")
        add.add_argument("--json", action="store_true", help='输出 JSON:{"date": ..., "provisional": ...}')
        between = sub.add_parser(
            "between", help="开始日期之后到结束日期(含)之间的工作日数,结束早于开始时为负数"
        )
        between.add_argument("start", help="开始日期 YYYY-MM-DD")
        between.add_argument("end", help="结束日期 YYYY-MM-DD")
        between.add_argument(
            "--json", action="store_true", help='输出 JSON:{"days": ..., "provisional": ...}'
        )
        years = sub.add_parser("list-years", help="已载入节假日安排的年度")
        years.add_argument("--json", action="store_true", help="输出 JSON 列表")
        load = sub.add_parser("load-year", help="从 JSON 文件载入(新增或覆盖)年度节假日安排,需要数据库")
        load.add_argument(
            "file", help='JSON 文件:{"year", "days_off", "workdays", "confirmed", "source"} 或其列表'
        )

    def handle(self, *args, **options):
        try:
            getattr(self, "_" + options["action"].replace("-", "_"))(options)
        except BadInput as exc:
            self.stderr.write(f"错误:{exc}")
            raise SystemExit(EXIT_BAD_INPUT) from None
        except ApplicationError as exc:
            self.stderr.write(f"错误:{exc.message}")
            raise SystemExit(EXIT_BAD_INPUT) from None

    def _emit(self, options, text: str, data) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self.stdout.write(text)

    def _add(self, options) -> None:
        start = _parse_date(options["date"], "开始日期")
        n = _parse_int(options["n"])
        result = selectors.calendar().add_workdays(start, n)
        text = result.date.isoformat() + (" provisional" if result.provisional else "")
        self._emit(options, text, {"date": result.date.isoformat(), "provisional": result.provisional})

    def _between(self, options) -> None:
        start = _parse_date(options["start"], "开始日期")
        end = _parse_date(options["end"], "结束日期")
        count = selectors.calendar().between(start, end)
        text = str(count.days) + (" provisional" if count.provisional else "")
        self._emit(options, text, {"days": count.days, "provisional": count.provisional})

    def _list_years(self, options) -> None:
        rows = selectors.arrangement_list()
        data = [
            {"year": r.year, "confirmed": r.confirmed, "origin": r.origin, "source": r.source} for r in rows
        ]
        text = "\n".join(
            f"{r.year}\t{'confirmed' if r.confirmed else 'provisional'}\t{r.origin}\t{r.source}" for r in rows
        )
        self._emit(options, text, data)

    def _load_year(self, options) -> None:
        from django.db import DatabaseError, transaction

        from dudao.workdays.domain import validate_arrangement
        from dudao.workdays.services import arrangement_save

        path = Path(options["file"])
        try:
            records = selectors.parse_document(json.loads(path.read_text(encoding="utf-8")))
        except OSError:
            raise BadInput(f"无法读取文件 {path}") from None
        except ValueError:
            raise BadInput(f"{path} 不是有效的节假日安排 JSON 文件") from None
        fields = ("year", "days_off", "workdays", "confirmed", "source")
        if not records or any("year" not in r for r in records):
            raise BadInput(f"{path} 中没有记录或记录缺少 year")
        # Check every record before writing any: all or nothing.
        kwargs = [{k: r[k] for k in fields if k in r} for r in records]
        for item in kwargs:
            validate_arrangement(**{"days_off": [], "workdays": [], **item})
        if not selectors.database_ready():
            raise BadInput("数据库尚未初始化,请先运行 dudao migrate")
        existing = {row.year for row in selectors.arrangement_list() if row.origin == "db"}
        lines = []
        try:
            with transaction.atomic():
                for item in kwargs:
                    obj = arrangement_save(actor=None, **{"days_off": [], "workdays": [], **item})
                    verb = "更新" if obj.year in existing else "新增"
                    lines.append(
                        f"已{verb} {obj.year} 年节假日安排({'已确认' if obj.confirmed else '未确认'})"
                    )
        except DatabaseError as exc:
            raise BadInput(f"载入失败:{exc}") from None
        self.stdout.write("\n".join(lines))
