"""`dudao demo-data --scale tiny|small|province --seed N [--if-empty] [--reset] [--mode ...]`."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from dudao.common.errors import ApplicationError
from dudao.demo import services
from dudao.demo.plan import SCALES


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"「{value}」不是 YYYY-MM-DD 格式的日期") from None


class Command(BaseCommand):
    help = (
        "生成确定性的演示数据(一个虚构的省:委派机构、评价机构、备案、批次、督导员、考评员、申报关系、"
        "演示账号)"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="small",
            help="规模:tiny(测试用)、small(演示)、province(全省规模,基准测试用)",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="随机种子:同一种子、同一参考日期生成的数据完全相同"
        )
        parser.add_argument(
            "--today",
            type=_date,
            default=None,
            metavar="YYYY-MM-DD",
            help="参考日期(不晚于今天):备案、证卡、批次等日期相对此日生成,默认今天;固定它可在不同日子重现同样的数据",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="已有演示数据时什么也不做(make demo 可重复执行)"
        )
        parser.add_argument("--reset", action="store_true", help="先删除以前生成的演示数据再生成")
        parser.add_argument(
            "--mode",
            choices=("auto", "services", "bulk"),
            default="auto",
            help="写入方式:services 逐条调用各应用的服务;bulk 批量写入(同样的领域校验与审计事件);"
            "auto = province 用 bulk,其余用 services",
        )
        parser.add_argument("--json", action="store_true", help="以 JSON 输出摘要")

    def handle(
        self,
        *args,
        scale: str,
        seed: int,
        if_empty: bool,
        reset: bool,
        mode: str,
        today: dt.date | None,
        **options,
    ):
        try:
            services.refuse_in_production()  # before anything touches the database
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if if_empty and reset:
            raise CommandError("--if-empty 与 --reset 不能同时使用")
        # A batch job: Django's DEBUG query log would only cost time and memory here.
        with override_settings(DEBUG=False):
            try:
                if services.demo_data_present():
                    if if_empty:
                        self._print(
                            options, {"skipped": True, "message": "已有演示数据,跳过生成(--if-empty)"}
                        )
                        return
                    if reset:
                        removed = services.demo_data_reset()
                        self.stdout.write(
                            "已删除以前的演示数据:" + ",".join(f"{k} {v}" for k, v in removed.items())
                        )
                summary = services.demo_data_create(scale=scale, seed=seed, mode=mode, today=today)
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
        self._print(options, summary)

    def _print(self, options, summary) -> None:
        if isinstance(summary, dict):
            self.stdout.write(
                json.dumps(summary, ensure_ascii=False) if options["json"] else summary["message"]
            )
            return
        if options["json"]:
            data = {
                "scale": summary.scale,
                "seed": summary.seed,
                "mode": summary.mode,
                "seconds": round(summary.seconds, 2),
                "cpu_seconds": round(summary.cpu_seconds, 2),
                "plan_seconds": round(summary.plan_seconds, 2),
                "counts": summary.counts,
                "steps": {k: [round(w, 2), round(c, 2)] for k, (w, c) in summary.timings.items()},
            }
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(
            f"演示数据 demo data: scale={summary.scale} seed={summary.seed} mode={summary.mode}"
        )
        for label, count in summary.counts.items():
            self.stdout.write(f"  {label}: {count:,}")
        if options["verbosity"] >= 2:
            self.stdout.write("各步骤用时 steps (wall s / CPU s):")
            for label, (wall, cpu) in summary.timings.items():
                self.stdout.write(f"  {label}: {wall:.1f} / {cpu:.1f}")
        self.stdout.write(
            f"用时 elapsed: {summary.seconds:.1f} s(CPU {summary.cpu_seconds:.1f} s,"
            f"其中生成计划 plan {summary.plan_seconds:.1f} s)"
        )
        self.stdout.write("演示账号见 dudao demo-logins")
