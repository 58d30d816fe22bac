"""`dudao analytics scan`: statistical flags over a marks file (数据比对; docs/analytics.md).

    dudao analytics scan --marks FILE [--pass-mark 60] [--json]
    dudao analytics export [--out DIR] [--since YYYY-MM-DD] [--full]
    dudao analytics refresh [--out DIR] [--since YYYY-MM-DD] [--full] [--pass-mark 60]

FILE is a CSV with a header row or a Parquet file, one row per examiner mark:
institution, batch, occupation, level, subject, room, candidate, examiner, mark, full.
Needs no database. Exit 0 with the flags; exit 2 with a Chinese message on stderr (naming the row) for a
malformed file, nothing on stdout.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from django.core.management.base import BaseCommand

from dudao.analytics.scan.flags import KINDS, Thresholds, scan
from dudao.analytics.scan.marks_input import MarksFileError
from dudao.common.cli_errors import EXIT_BAD_INPUT, BadInput, chinese_errors

USAGE = (
    "dudao analytics scan --marks FILE [--pass-mark 60] [--json] | "
    "export [--out DIR] [--since YYYY-MM-DD] [--full] | refresh [--out DIR] [--since YYYY-MM-DD] [--full]"
)
KIND_NAMES = {
    "pass_rate": "通过率异常偏高",
    "heaping": "成绩堆积在及格线",
    "leniency": "考评员评分系统性偏宽或偏严",
    "disagreement": "双评分歧率异常",
    "identical": "考评小组评分雷同",
}


class Command(BaseCommand):
    help = "数据比对:scan 读取成绩明细(CSV 或 Parquet),给出统计异常及其依据"
    requires_system_checks: list[str] = []  # pure computation: no checks, no database

    def create_parser(self, prog_name, subcommand, **kwargs):
        return chinese_errors(super().create_parser(prog_name, subcommand, **kwargs), USAGE)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="scan|export|refresh")
        p_scan = chinese_errors(sub.add_parser("scan", help="扫描成绩明细"), USAGE)
        p_scan.add_argument("--marks", metavar="FILE", help="成绩明细文件(带表头的 CSV,或 Parquet)")
        p_scan.add_argument("--pass-mark", metavar="N", help="及格线(满分的百分数),默认 60")
        p_scan.add_argument("--json", action="store_true", help='输出 JSON:{"flags": [...], "stats": {...}}')
        for name, text in (
            ("export", "从数据库增量导出成绩快照(Parquet)"),
            ("refresh", "导出快照并运行业务核对与统计比对,记录新发现的疑点"),
        ):
            p = chinese_errors(sub.add_parser(name, help=text), USAGE)
            p.add_argument("--out", metavar="DIR", help="快照目录,默认 var/analytics")
            p.add_argument("--since", metavar="YYYY-MM-DD", help="另外重新导出该日起有评分录入的批次")
            p.add_argument("--full", action="store_true", help="全部批次重新导出")
            if name == "refresh":
                p.add_argument("--pass-mark", metavar="N", help="及格线(满分的百分数),默认 60")

    def handle(self, *args, **options):
        if options["action"] in ("export", "refresh"):
            from dudao.analytics.snapshot_command import run

            run(self, options)
            return
        try:
            if not options["marks"]:
                raise BadInput("缺少参数 --marks(成绩明细文件)")
            thresholds = Thresholds(pass_mark=_pass_mark(options["pass_mark"]))
            result = scan(Path(options["marks"]), thresholds)
        except (BadInput, MarksFileError) as exc:
            self.stderr.write(f"错误:{exc}")
            raise SystemExit(EXIT_BAD_INPUT) from None
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, allow_nan=False))
            return
        stats = result["stats"]
        self.stdout.write(
            f"共 {stats['rows']} 条成绩,用时 {stats['seconds']} 秒;发现异常 {len(result['flags'])} 项"
        )
        for kind in KINDS:
            found = [f for f in result["flags"] if f["kind"] == kind]
            self.stdout.write(f"  {KIND_NAMES[kind]}:{len(found)} 项")
            for f in found[:10]:
                who = "、".join(str(v) for v in (f["institution"], f["batch"], f["examiner"]) if v)
                self.stdout.write(f"    {who}  统计量 {f['statistic']}  p = {f['p_value']:.3g}")


def _pass_mark(text: str | None) -> float:
    if text is None:
        return Thresholds().pass_mark
    try:
        value = float(text)
    except ValueError:
        raise BadInput(f"及格线“{text}”不是数字") from None
    if not math.isfinite(value) or not 0 < value <= 100:
        raise BadInput(f"及格线 {text} 应在 0 到 100 之间(满分的百分数)")
    return value
