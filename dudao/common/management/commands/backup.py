"""`dudao backup --output FILE`: one archive with the database, every uploaded file and a manifest."""

from __future__ import annotations

import json
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dudao.common.backup import VENDOR_LABELS, BackupError, human_bytes, write_archive
from dudao.common.backup_database import snapshot_database


def app_version() -> str:
    try:
        return version("dudao")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown"


class Command(BaseCommand):
    help = "备份:把数据库、全部上传文件和校验清单写入一个归档文件(.tar 或 .tar.gz)"

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", required=True, help="归档文件路径;以 .gz/.tgz 结尾时压缩")
        parser.add_argument("--json", action="store_true", help="输出 JSON 摘要")

    def handle(self, *args, **options):
        output = Path(options["output"]).expanduser().resolve()
        media_root = Path(settings.MEDIA_ROOT).resolve()
        if output.exists():
            raise CommandError(f"文件 {output} 已存在:备份不会覆盖已有文件,请换一个文件名")
        if output.is_relative_to(media_root):
            raise CommandError(f"归档不能写在上传文件目录 {media_root} 之内")
        if not output.parent.is_dir():
            raise CommandError(f"目录 {output.parent} 不存在")
        try:
            with tempfile.TemporaryDirectory(prefix=".dudao-backup-", dir=output.parent) as work:
                # Database first, files second: uploads are stored by content and only ever added, so
                # every file the dumped rows refer to is already on disk when the files are read.
                snap = snapshot_database(Path(work))
                summary = write_archive(
                    output,
                    database_file=snap.path,
                    media_root=media_root,
                    manifest_fields={
                        "created_at": timezone.now().isoformat(),
                        "app_version": app_version(),
                        "vendor": snap.vendor,
                        "server_version": snap.server_version,
                        "tables": snap.tables,
                        "audit_head": snap.audit_head,
                    },
                )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        members = summary.manifest["members"]
        media = {k: v for k, v in members.items() if k.startswith("media/")}
        report = {
            "archive": str(output),
            "sha256": summary.sha256,
            "size": summary.size,
            "vendor": snap.vendor,
            "tables": len(snap.tables),
            "rows": sum(snap.tables.values()),
            "files": len(media),
            "file_bytes": sum(v["size"] for v in media.values()),
            "audit_head": snap.audit_head,
        }
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        head = snap.audit_head or {}
        self.stdout.write(
            "\n".join(
                [
                    f"备份完成:{output}",
                    f"  数据库:{VENDOR_LABELS[snap.vendor]} {snap.server_version},"
                    f"{report['tables']} 张表,共 {report['rows']} 行",
                    f"  上传文件:{report['files']} 个,{human_bytes(report['file_bytes'])}",
                    f"  审计链头:事件 #{head.get('last_event_id', 0)}",
                    f"  归档大小:{human_bytes(summary.size)}",
                    f"  归档 SHA-256:{summary.sha256}",
                ]
            )
        )
