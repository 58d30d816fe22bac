"""`dudao notify-due`: send the due/overdue reminders of every registered provider once (for cron).

Idempotent: each recipient gets a reminder's dedupe key only once, so running it every hour is safe.
Exit status 1 when a provider failed (the others still sent theirs). See `dudao.notifications.tasks`
for the schedule (cron, or cron + `--enqueue` with a running `dudao db_worker`).
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from dudao.notifications.tasks import reminder_providers, run_due_reminders, run_due_reminders_task


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD:{value}") from exc


class Command(BaseCommand):
    help = "发送到期/逾期提醒(每个提醒对每个接收人只发一次,可重复运行);供 cron 定时调用"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按该日期计算到期(默认今天,北京时间),YYYY-MM-DD")
        parser.add_argument("--only", action="append", metavar="NAME", help="只运行指定的提醒来源(可重复)")
        parser.add_argument("--list", action="store_true", help="列出已注册的提醒来源")
        parser.add_argument(
            "--enqueue", action="store_true", help="不在本进程运行,放入任务队列由 db_worker 执行"
        )
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args, **options):
        today = _date(options["date"]) if options["date"] else None
        if options["list"]:
            names = sorted(reminder_providers())
            self.stdout.write(json.dumps(names) if options["json"] else "\n".join(names))
            return
        if options["only"]:
            unknown = sorted(set(options["only"]) - set(reminder_providers()))
            if unknown:
                raise CommandError(f"未注册的提醒来源:{', '.join(unknown)}")
        if options["enqueue"]:
            if options["only"]:
                raise CommandError("--enqueue 不能与 --only 同时使用")
            result = run_due_reminders_task.enqueue(today.isoformat() if today else None)
            out = {"enqueued": str(result.id)}
            self.stdout.write(json.dumps(out) if options["json"] else f"已放入任务队列:{result.id}")
            return
        run = run_due_reminders(today=today, only=options["only"])
        if options["json"]:
            self.stdout.write(json.dumps(run.as_dict(), ensure_ascii=False))
        else:
            for name, sent in run.sent.items():
                self.stdout.write(f"{name}: 新发送 {sent} 条")
            self.stdout.write(f"{run.today.isoformat()} 共新发送 {run.total} 条提醒")
        if run.failed:
            details = ";".join(f"{name}({error})" for name, error in run.failed.items())
            raise CommandError(f"部分提醒来源运行失败:{details}")
