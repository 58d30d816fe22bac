"""`dudao dashboards refresh`: rebuild the dashboards' aggregates (for cron; idempotent).

    dudao dashboards refresh [--date YYYY-MM-DD] [--months 12] [--enqueue] [--json]

`--enqueue` puts the refresh on the task queue for a running `dudao db_worker` instead of running it here.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from dudao.dashboards import domain, services
from dudao.dashboards.tasks import refresh_task


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD:{value}") from exc


def _months(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 120:
        raise CommandError(f"月数应为 1 到 120 的整数:{value}")
    return int(value)


class Command(BaseCommand):
    help = "统计看板:refresh 重新计算看板的统计数据(可重复运行,结果相同)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="refresh")
        p = sub.add_parser("refresh", help="重新计算统计数据")
        p.add_argument("--date", help="统计截至该日期所在月份(默认今天,北京时间),YYYY-MM-DD")
        p.add_argument("--months", default=str(domain.DEFAULT_MONTHS), help="统计的月数,默认 12")
        p.add_argument("--enqueue", action="store_true", help="不在本进程运行,放入任务队列由 db_worker 执行")
        p.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args, **options):
        today = _date(options["date"]) if options["date"] else None
        months = _months(options["months"])
        if options["enqueue"]:
            result = refresh_task.enqueue(today.isoformat() if today else None, months)
            out = {"enqueued": str(result.id)}
            self.stdout.write(json.dumps(out) if options["json"] else f"已放入任务队列:{result.id}")
            return
        done = services.refresh(today=today, months=months)
        out = {
            "rows": done.rows,
            "seconds": done.seconds,
            "first_month": done.first_month.isoformat(),
            "last_month": done.last_month.isoformat(),
        }
        if options["json"]:
            self.stdout.write(json.dumps(out))
        else:
            self.stdout.write(
                f"已刷新 {domain.month_label(done.first_month)} 至 {domain.month_label(done.last_month)} "
                f"的统计数据:{done.rows} 行,用时 {done.seconds} 秒"
            )
