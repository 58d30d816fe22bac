"""`dudao pii rotate-key`: re-encrypt every personal-data value under the current key (ADR 0001).

`dudao pii status` counts the values still on an older key version."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dudao.common import pii, pii_rotation


class Command(BaseCommand):
    help = "个人信息密钥:rotate-key 用当前密钥重新加密全部密文(可中断、可续跑);status 查看未轮换的行数"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rotate-key", "status"])
        parser.add_argument("--batch-size", type=int, default=500, help="每批行数(每批单独提交)")
        parser.add_argument("--max-batches", type=int, default=None, help="处理若干批后停止(再次运行即续跑)")

    def handle(self, *args, **options):
        current = pii.current_version()
        if options["action"] == "status":
            for unit in pii_rotation.units():
                self.stdout.write(f"{unit.label}:{pii_rotation.count_stale(unit)} 行仍使用旧密钥")
            return
        if options["batch_size"] < 1:
            raise CommandError("--batch-size 须为正整数")
        self.stdout.write(f"开始轮换:当前密钥版本 {current}")
        report = pii_rotation.rotate(
            batch_size=options["batch_size"], max_batches=options["max_batches"], progress=self.stdout.write
        )
        total = sum(report.rewritten.values())
        if report.finished:
            self.stdout.write(
                f"完成:本次重新加密 {total} 行,全部个人信息已使用密钥版本 {current};"
                "确认备份后可从 DUDAO_PII_KEYS 中移除旧密钥"
            )
        else:
            self.stdout.write(
                f"已中止:本次重新加密 {total} 行,仍有 {report.remaining} 行使用旧密钥;再次运行本命令即可继续"
            )
