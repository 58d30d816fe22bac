"""`dudao restore FILE`: restore a backup archive into an empty database and an empty media folder."""

from __future__ import annotations

import json
import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from dudao.common.backup import (
    MEDIA_PREFIX,
    VENDOR_LABELS,
    BackupError,
    extract_verified,
    files_under,
    human_bytes,
    install_media,
    verify_media,
)
from dudao.common.backup_database import audit_head, inspect_target, restore_database, table_counts


def _chain_position(head: dict | None) -> tuple:
    """Last event id and hash of a head row (its other columns may read back in another type)."""
    head = head or {}
    return str(head.get("last_event_id", 0)), str(head.get("last_hash", ""))


class Command(BaseCommand):
    help = "恢复:把备份归档恢复到空数据库和空的上传文件目录(先校验归档,损坏则拒绝)"

    def add_arguments(self, parser):
        parser.add_argument("archive", help="dudao backup 写出的归档文件")
        parser.add_argument("--check", action="store_true", help="只校验归档是否完整,不恢复")
        parser.add_argument("--json", action="store_true", help="输出 JSON 报告")

    def handle(self, *args, **options):
        archive = Path(options["archive"]).expanduser().resolve()
        try:
            if options["check"]:
                with tempfile.TemporaryDirectory(prefix=".dudao-check-") as work:
                    manifest = extract_verified(archive, Path(work))
                return self._report(options, manifest, checked_only=True)
            manifest = self._restore(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        return self._report(options, manifest, checked_only=False)

    def _restore(self, archive: Path) -> dict:
        media_root = Path(settings.MEDIA_ROOT).resolve()
        target = inspect_target()
        present = files_under(media_root)
        if present:
            raise BackupError(
                f"上传文件目录 {media_root} 中已有 {present} 个文件:恢复只写入空目录,"
                "请按用户手册《运维》一章移走后再恢复"
            )
        media_root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".dudao-restore-", dir=media_root.parent))
        try:
            manifest = extract_verified(archive, staging)
            vendor = manifest["database"]["vendor"]
            if vendor != target.vendor:
                raise BackupError(
                    f"这是 {VENDOR_LABELS[vendor]} 数据库的备份,只能恢复到 {VENDOR_LABELS[vendor]};"
                    f"当前配置的数据库是 {VENDOR_LABELS.get(target.vendor, target.vendor)}"
                    "(请检查 DATABASE_URL)"
                )
            restore_database(staging / manifest["database"]["member"], manifest, target)
            install_media(staging / MEDIA_PREFIX.rstrip("/"), media_root)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return manifest

    def _report(self, options: dict, manifest: dict, *, checked_only: bool) -> None:
        expected = manifest["database"]["tables"]
        media = {k: v for k, v in manifest["members"].items() if k.startswith(MEDIA_PREFIX)}
        report: dict = {
            "created_at": manifest["created_at"],
            "app_version": manifest["app_version"],
            "vendor": manifest["database"]["vendor"],
            "tables": len(expected),
            "rows": sum(expected.values()),
            "files": len(media),
            "file_bytes": sum(v["size"] for v in media.values()),
            "audit_head": manifest["audit_head"],
        }
        problems: list[str] = []
        if not checked_only:
            counts = table_counts()
            report["mismatched_tables"] = {
                t: {"expected": expected.get(t), "found": counts.get(t)}
                for t in sorted(set(expected) | set(counts))
                if expected.get(t) != counts.get(t)
            }
            report["mismatched_files"] = verify_media(manifest["members"], Path(settings.MEDIA_ROOT))
            report["audit_head_matches"] = _chain_position(audit_head()) == _chain_position(
                manifest["audit_head"]
            )
            verify_out = StringIO()
            try:
                call_command("audit", "verify", stdout=verify_out)
                report["audit_verify"] = verify_out.getvalue().strip()
            except CommandError as exc:
                report["audit_verify"] = str(exc)
                problems.append(f"审计链校验未通过:{exc}")
            if report["mismatched_tables"]:
                problems.append(f"{len(report['mismatched_tables'])} 张表的行数与清单不符")
            if report["mismatched_files"]:
                problems.append(f"{len(report['mismatched_files'])} 个文件的校验值与清单不符")
            if not report["audit_head_matches"]:
                problems.append("审计链头与清单记录不符")
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            self.stdout.write(self._text(report, checked_only))
        if problems:
            raise CommandError("恢复后核对发现问题:" + ";".join(problems))

    def _text(self, report: dict, checked_only: bool) -> str:
        head = report["audit_head"] or {}
        lines = [
            "归档校验通过(未恢复):" if checked_only else "恢复完成:",
            f"  备份时间:{report['created_at']},版本 {report['app_version']}",
            f"  数据库:{VENDOR_LABELS[report['vendor']]},{report['tables']} 张表,共 {report['rows']} 行",
            f"  上传文件:{report['files']} 个,{human_bytes(report['file_bytes'])}",
            f"  审计链头:事件 #{head.get('last_event_id', 0)}",
        ]
        if not checked_only:
            tables_ok = "全部一致" if not report["mismatched_tables"] else "有不符(见下)"
            files_ok = "全部一致" if not report["mismatched_files"] else "有不符(见下)"
            lines += [
                f"  行数核对:{tables_ok}",
                f"  文件核对:{files_ok}",
                f"  审计链:{report['audit_verify']}",
            ]
            lines += [
                f"    表 {t}:清单 {v['expected']} 行,恢复后 {v['found']} 行"
                for t, v in report["mismatched_tables"].items()
            ]
            lines += [f"    文件 {name}" for name in report["mismatched_files"]]
        return "\n".join(lines)
