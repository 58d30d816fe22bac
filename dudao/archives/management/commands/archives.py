"""`dudao archives verify FILE.zip [--json]`: check an archive package against its manifest. Pure: no
database (the manifest inside the ZIP is the reference).

Exit 0 when every file matches the manifest; 1 when not (missing, extra or changed files listed in
Chinese); 2 with a Chinese message when the file is missing, not a ZIP, hostile (the archive guard), or
has no usable manifest. `--json` prints `{"valid", "files", "errors", "manifest_sm3"}` (for exit 2:
`{"valid": false, "files": 0, "errors": [message], "manifest_sm3": ""}`). `--manifest-sm3 HEX` also
checks the manifest's digest against the one recorded at sealing (the audit event, the package page).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from dudao.archives.verify import PackageUnreadable, verify_zip
from dudao.common.cli_errors import EXIT_BAD_INPUT, BadInput, chinese_errors

USAGE = "dudao archives verify FILE.zip [--json] [--manifest-sm3 HEX]"
EXIT_INVALID = 1
MAX_FILE_BYTES = 1024 * 1024 * 1024


class Command(BaseCommand):
    help = "档案:verify 按清单(manifest.json)校验归档包中的每个文件"
    requires_system_checks: list[str] = []  # pure computation: no checks, no database

    def create_parser(self, prog_name, subcommand, **kwargs):
        return chinese_errors(super().create_parser(prog_name, subcommand, **kwargs), USAGE)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="verify")
        verify = chinese_errors(sub.add_parser("verify", help="按清单校验归档包"), USAGE)
        verify.add_argument("file", metavar="FILE.zip", help="归档包(ZIP)")
        verify.add_argument(
            "--json", action="store_true", help='输出 JSON:{"valid", "files", "errors", "manifest_sm3"}'
        )
        verify.add_argument("--manifest-sm3", metavar="HEX", default="", help="归档时记录的清单摘要(可选)")

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["json"]
        try:
            verdict = verify_zip(self._read(Path(options["file"])))
        except (BadInput, PackageUnreadable) as exc:
            if as_json:
                self.stdout.write(
                    json.dumps(
                        {"valid": False, "files": 0, "errors": [str(exc)], "manifest_sm3": ""},
                        ensure_ascii=False,
                    )
                )
            else:
                self.stderr.write(f"错误:{exc}")
            raise SystemExit(EXIT_BAD_INPUT) from None
        expected = (options["manifest_sm3"] or "").strip().lower()
        if expected and expected != verdict.manifest_sm3:
            verdict.valid = False
            verdict.errors.append("清单摘要与归档时记录的不一致(清单可能被替换)")
        if as_json:
            self.stdout.write(json.dumps(verdict.as_json(), ensure_ascii=False))
        else:
            self.stdout.write(f"归档包「{options['file']}」:{'校验通过' if verdict.valid else '校验未通过'}")
            self.stdout.write(f"  清单列出文件:{verdict.files} 个")
            self.stdout.write(f"  清单摘要({verdict.algorithm}):{verdict.manifest_sm3}")
            for error in verdict.errors:
                self.stdout.write(f"  - {error}")
        if not verdict.valid:
            raise SystemExit(EXIT_INVALID)

    @staticmethod
    def _read(path: Path) -> bytes:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise BadInput(f"文件「{path}」超过 1 GB,不是本平台生成的归档包")
            return path.read_bytes()
        except FileNotFoundError:
            raise BadInput(f"找不到文件「{path}」") from None
        except IsADirectoryError:
            raise BadInput(f"「{path}」是目录,不是文件") from None
        except OSError:
            raise BadInput(f"无法读取文件「{path}」") from None
