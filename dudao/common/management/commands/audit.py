"""`dudao audit verify`: exit 0 on an intact chain, 1 naming the first bad event."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from dudao.common.audit import verify_chain


class Command(BaseCommand):
    help = "审计链操作:verify 校验哈希链是否完整"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args, **options):
        result = verify_chain()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": result.ok,
                        "checked": result.checked,
                        "bad_event_id": result.bad_event_id,
                        "reason": result.reason,
                    },
                    ensure_ascii=False,
                )
            )
        elif result.ok:
            self.stdout.write(f"审计链完整:共校验 {result.checked} 个事件")
        if not result.ok:
            raise CommandError(f"审计链被破坏:第一个异常事件 #{result.bad_event_id}:{result.reason}")
