"""`dudao quality report`: the quality indicators (QUAL-1) of a region's institutions for a period, ranked,
as a table or JSON; `dudao quality sample`: recompute a yearly inspection's sample from its seed (QUAL-3),
so anyone can check the draw. Bad input: a Chinese message on stderr, exit status 2, nothing on stdout.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from dudao.common.cli_errors import EXIT_BAD_INPUT, BadInput, chinese_errors
from dudao.common.errors import ApplicationError
from dudao.quality import domain
from dudao.workdays.domain import parse_date

USAGE = (
    "dudao quality report --region 行政区划代码 --from YYYY-MM-DD --to YYYY-MM-DD [--json]\n"
    "       dudao quality sample --ids 1,2,3 [--size N] --seed 种子 [--json]"
)


def _date(text: str | None, flag: str, label: str):
    if text is None:
        raise BadInput(f"缺少参数 {flag}({label},YYYY-MM-DD)")
    try:
        return parse_date(text)
    except ApplicationError:
        raise BadInput(f"{label}“{text}”不是有效日期,应为 YYYY-MM-DD 格式") from None


class Command(BaseCommand):
    help = (
        "质量通报:report 计算某地区评价机构在统计期间的质量指标并排名;"
        "sample 按随机种子复核年度质量检查的抽查结果"
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        return chinese_errors(super().create_parser(prog_name, subcommand, **kwargs), USAGE)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="report|sample")
        p_report = chinese_errors(sub.add_parser("report", help="计算质量指标并排名"), USAGE)
        p_report.add_argument("--region", metavar="CODE", help="行政区划代码(6 位),含下级地区")
        p_report.add_argument("--from", dest="start", metavar="DATE", help="统计开始日期 YYYY-MM-DD")
        p_report.add_argument("--to", dest="end", metavar="DATE", help="统计截止日期 YYYY-MM-DD")
        p_report.add_argument("--json", action="store_true", help="输出 JSON:每家机构一行指标")
        p_sample = chinese_errors(sub.add_parser("sample", help="按随机种子复核抽查"), USAGE)
        p_sample.add_argument("--ids", metavar="IDS", help="参加检查的机构编号,以逗号分隔")
        p_sample.add_argument("--size", metavar="N", help="抽查家数(不填则全部)")
        p_sample.add_argument("--seed", metavar="SEED", default="", help="随机种子")
        p_sample.add_argument("--json", action="store_true", help="输出 JSON 列表")

    def handle(self, *args, **options):
        try:
            if options["action"] == "report":
                self._report(options)
            else:
                self._sample(options)
        except BadInput as exc:
            self.stderr.write(f"错误:{exc}")
            raise SystemExit(EXIT_BAD_INPUT) from None
        except ApplicationError as exc:
            self.stderr.write(f"错误:{exc.message}")
            raise SystemExit(EXIT_BAD_INPUT) from None

    def _report(self, options) -> None:
        from dudao.quality import selectors
        from dudao.registry.models import Region

        code = (options["region"] or "").strip()
        if not code:
            raise BadInput("缺少参数 --region(行政区划代码)")
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise BadInput(f"行政区划代码“{code}”不存在")
        start, end = (
            _date(options["start"], "--from", "统计开始日期"),
            _date(options["end"], "--to", "统计截止日期"),
        )
        problem = domain.check_period(start, end)
        if problem:
            raise BadInput(problem)
        rows = domain.report(selectors.gather_inputs(region.prefix, start, end, timezone.localdate()))
        if options["json"]:
            self.stdout.write(json.dumps([r.as_json() for r in rows], ensure_ascii=False))
            return
        self.stdout.write(f"{region.name} {start:%Y-%m-%d} 至 {end:%Y-%m-%d} 质量指标({len(rows)} 家机构)")
        for r in rows:
            rank = str(r.rank) if r.rank is not None else "—"
            mark = "(优秀)" if r.best else "(不合格)" if r.failing else ""
            score = f"{r.score}" if r.rank is not None else "未排名"
            self.stdout.write(f"{rank}\t{r.name}\t批次 {r.batches}\t得分 {score}{mark}")

    def _sample(self, options) -> None:
        raw = (options["ids"] or "").strip()
        if not raw:
            raise BadInput("缺少参数 --ids(机构编号,以逗号分隔)")
        try:
            ids = [int(x) for x in raw.split(",") if x.strip()]
            size = None if options["size"] in (None, "") else int(options["size"])
        except ValueError:
            raise BadInput("机构编号和抽查家数应为整数") from None
        if size is not None and size < 1:
            raise BadInput("抽查家数应大于 0")
        drawn = domain.sample(ids, size, options["seed"])
        self.stdout.write(
            json.dumps(drawn) if options["json"] else "抽中机构编号:" + "、".join(map(str, drawn))
        )
