"""`dudao audit verify|checkpoint|keygen` (SEC-1).

- verify: read-only; exit 0 on an intact trail, 1 naming the failed check and the event or checkpoint.
  `--public-key FILE --checkpoints FILE` checks a downloaded copy of the checkpoints with the published
  public key (anyone can run it; truncation and head rewrites show).
- checkpoint: sign the current head (after verifying the chain) and store the checkpoint; run it from
  cron (docs/audit.md).
- keygen: write a new Ed25519 key pair for checkpoints into a directory.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from dudao.common import audit_keys
from dudao.common.audit import verify_chain
from dudao.common.audit_checkpoints import checkpoint_create, claims_from_document
from dudao.common.errors import ApplicationError


class Command(BaseCommand):
    help = "审计链操作:verify 校验;checkpoint 签发检查点;keygen 生成检查点签名密钥对"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "checkpoint", "keygen"])
        parser.add_argument("--json", action="store_true", help="输出 JSON")
        parser.add_argument("--public-key", type=Path, help="verify:检查点公钥 PEM 文件(公开页面下载)")
        parser.add_argument("--checkpoints", type=Path, help="verify:检查点 JSON 文件(公开页面下载)")
        parser.add_argument("--output", type=Path, help="keygen:写入密钥对的目录")

    def handle(self, *args, **options):
        try:
            return getattr(self, f"_{options['action']}")(options)
        except (ApplicationError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from exc

    def _verify(self, options):
        public_key = checkpoints = None
        if options["public_key"]:
            try:
                public_key = audit_keys.load_public_key(_read(options["public_key"]))
            except ValueError as exc:
                raise CommandError(f"公钥文件不是 PEM 格式的 Ed25519 公钥:{options['public_key']}") from exc
        if options["checkpoints"]:
            try:
                checkpoints = claims_from_document(json.loads(_read(options["checkpoints"])))
            except (ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"检查点文件格式不对:{options['checkpoints']}") from exc
        started = time.perf_counter()
        result = verify_chain(public_key=public_key, checkpoints=checkpoints)
        seconds = time.perf_counter() - started
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": result.ok,
                        "checked": result.checked,
                        "check": result.check,
                        "bad_event_id": result.bad_event_id,
                        "bad_checkpoint_id": result.bad_checkpoint_id,
                        "checkpoints_checked": result.checkpoints_checked,
                        "signatures_checked": result.signatures_checked,
                        "reason": result.reason,
                        "seconds": round(seconds, 3),
                    },
                    ensure_ascii=False,
                )
            )
        elif result.ok:
            signed = "并校验签名" if result.signatures_checked else "(未配置公钥,未校验签名)"
            self.stdout.write(
                f"审计链完整:共校验 {result.checked} 个事件、{result.checkpoints_checked} 个检查点{signed},"
                f"用时 {seconds:.2f} 秒"
            )
        if not result.ok:
            raise CommandError(f"审计链被破坏:{result.reason}")

    def _checkpoint(self, options):
        checkpoint = checkpoint_create()
        if options["json"]:
            self.stdout.write(json.dumps(checkpoint.as_public_dict(), ensure_ascii=False))
        else:
            self.stdout.write(
                f"已签发检查点 #{checkpoint.id}:事件 #{checkpoint.event_id},"
                f"公钥指纹 {checkpoint.public_key_fingerprint}"
            )

    def _keygen(self, options):
        if not options["output"]:
            raise CommandError("请用 --output 指定写入密钥对的目录")
        try:
            private_path, public_path = audit_keys.write_key_pair(options["output"])
        except FileExistsError as exc:
            raise CommandError(f"文件已存在,不覆盖:{exc}") from exc
        self.stdout.write(f"私钥:{private_path}(仅签发检查点的主机持有,设置 DUDAO_AUDIT_SIGNING_KEY)")
        self.stdout.write(f"公钥:{public_path}")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"无法读取文件:{path}") from exc
