"""`dudao certificates number|check|verify-qr`: certificate numbers (EXAM-12, CERT-1) and the offline check of
a certificate's QR code. Pure: no database.

number --kind Y|S --ministry NNNN --province NN --institution NNNNNN --year YYYY --level L --serial N
    prints the 22-character number on one line; any invalid part: exit 2, every problem in Chinese on
    stderr, nothing on stdout.
check NUMBER [--json]
    `{"valid", "fields": {"kind", "ministry", "province", "institution", "year", "level", "serial"},
    "errors": [...]}` (fields cut by position when the number has 22 characters, else all null); without
    --json a short Chinese report. Exit 0 valid, 1 invalid.
verify-qr PAYLOAD --public-key FILE [--json]
    verifies the signed QR text with the published public key (`-` reads it from standard input). Exit 0
    valid, 1 invalid (any problem of the QR text itself), 2 when the public key file is missing or not an
    Ed25519 key.

export --plan PK --as USERNAME [--format xlsx|csv|json] --out FILE
    the national-upload export of the plan's certificates not yet known to the national system (CERT-3), as
    USERNAME (the issuing institution's admin: the file holds full ID numbers; audited like the page). Uses
    the database. Exit 0 and a one-line summary (or JSON with --json); 2 with the reason in Chinese, nothing
    exported (the export is rolled back when the file cannot be written).

The kind letters come from the setting DUDAO_CERT_KINDS (default `Y,S`), read when the command runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from dudao.common.cli_errors import EXIT_BAD_INPUT, BadInput, chinese_errors
from dudao.exams.domain.certificate_numbers import (
    PARTS,
    CertificateNumberError,
    check_number,
    format_number,
    parse_kinds,
    province_names,
)
from dudao.exams.domain.certificate_seal import SealKeyError, load_public_key, verify_seal
from dudao.exams.domain.eligibility import LEVEL_NAMES

USAGE = (
    "dudao certificates number --kind Y|S --ministry NNNN --province NN --institution NNNNNN "
    "--year YYYY --level L --serial N\n"
    "       dudao certificates check NUMBER [--json]\n"
    "       dudao certificates verify-qr PAYLOAD --public-key FILE [--json]\n"
    "       dudao certificates export --plan PK --as USERNAME [--format xlsx|csv|json] --out FILE [--json]"
)
EXIT_INVALID = 1
KIND_NAMES = {"Y": "用人单位", "S": "社会培训评价组织"}


def configured_kinds() -> tuple[str, ...]:
    """The kind letters of the setting DUDAO_CERT_KINDS, read lazily (default Y, S)."""
    from django.conf import settings

    return parse_kinds(getattr(settings, "DUDAO_CERT_KINDS", None))


class Command(BaseCommand):
    help = "职业技能等级证书编号:number 生成编号,check 核验编号格式,verify-qr 离线核验证书二维码签名"
    requires_system_checks: list[str] = []  # pure computation: no checks, no database

    def create_parser(self, prog_name, subcommand, **kwargs):
        return chinese_errors(super().create_parser(prog_name, subcommand, **kwargs), USAGE)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="number|check|verify-qr|export")
        number = chinese_errors(sub.add_parser("number", help="由各组成部分生成 22 位证书编号"), USAGE)
        for option, metavar, text in (
            ("--kind", "Y|S", "机构类别字母(Y 用人单位,S 社会培训评价组织)"),
            ("--ministry", "NNNN", "4 位部委机构代码(在省级备案的为 0000)"),
            ("--province", "NN", "2 位省份代码(GB/T 2260)"),
            ("--institution", "NNNNNN", "6 位评价机构序号(省级赋予)"),
            ("--year", "YYYY", "4 位年份(编号中取后两位)"),
            ("--level", "L", "等级 1–5"),
            ("--serial", "N", "证书序号 1–999999(编号中补零为 6 位)"),
        ):
            number.add_argument(option, required=True, metavar=metavar, help=text)
        check = chinese_errors(sub.add_parser("check", help="核验证书编号的格式"), USAGE)
        check.add_argument("number", metavar="NUMBER", help="证书编号")
        check.add_argument(
            "--json", action="store_true", help='输出 JSON:{"valid", "fields": {...}, "errors": [...]}'
        )
        qr = chinese_errors(sub.add_parser("verify-qr", help="用公钥离线核验证书二维码内容"), USAGE)
        qr.add_argument("payload", metavar="PAYLOAD", help="二维码内容(- 为标准输入)")
        qr.add_argument("--public-key", required=True, metavar="FILE", help="发证机构公布的公钥文件(PEM)")
        qr.add_argument("--json", action="store_true", help='输出 JSON:{"valid", "certificate", "reason"}')
        export = chinese_errors(
            sub.add_parser("export", help="导出认定计划的证书上报文件(国家查询系统)"), USAGE
        )
        export.add_argument("--plan", required=True, type=int, metavar="PK", help="认定计划编号")
        export.add_argument(
            "--as", dest="as_user", required=True, metavar="USERNAME", help="发证机构管理员的用户名"
        )
        export.add_argument("--format", default="", metavar="xlsx|csv|json", help="导出格式(默认按系统设置)")
        export.add_argument("--out", required=True, metavar="FILE", help="写出的文件")
        export.add_argument(
            "--json", action="store_true", help='输出 JSON:{"upload", "count", "voided", "format", "sha256"}'
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "number":
                self._number(options)
            elif options["action"] == "check":
                self._check(options)
            elif options["action"] == "export":
                self._export(options)
            else:
                self._verify_qr(options)
        except BadInput as exc:
            self.stderr.write(f"错误:{exc}")
            raise SystemExit(EXIT_BAD_INPUT) from None

    @staticmethod
    def _kinds() -> tuple[str, ...]:
        try:
            return configured_kinds()
        except CertificateNumberError as exc:
            raise BadInput(f"配置错误:{exc}") from None

    def _number(self, options: dict[str, Any]) -> None:
        kinds = self._kinds()
        try:
            number = format_number(
                **{name: options[name] for name, *_ in PARTS},
                kinds=kinds,
            )
        except CertificateNumberError as exc:
            raise BadInput("证书编号的组成部分有误:\n" + "\n".join(f"  - {e}" for e in exc.errors)) from None
        self.stdout.write(number)

    def _check(self, options: dict[str, Any]) -> None:
        verdict = check_number(options["number"], kinds=self._kinds())
        if options["json"]:
            self.stdout.write(json.dumps(verdict.as_json(), ensure_ascii=False))
        else:
            self._report(options["number"], verdict)
        if not verdict.valid:
            raise SystemExit(EXIT_INVALID)

    def _report(self, number: str, verdict) -> None:
        shown = number if len(number) <= 40 else number[:40] + "…"
        self.stdout.write(f"证书编号「{shown}」:{'格式有效' if verdict.valid else '格式无效'}")
        if verdict.valid:
            f = verdict.fields
            notes = {
                "kind": KIND_NAMES.get(f["kind"], "已配置的类别"),
                "province": province_names().get(f["province"], ""),
                "year": "年份后两位",
                "level": LEVEL_NAMES[int(f["level"])],
            }
            if f["ministry"] == "0000":
                notes["ministry"] = "在省级备案"
            for name, _start, _end, label in PARTS:
                note = f"({notes[name]})" if name in notes else ""
                self.stdout.write(f"  {label}:{f[name]}{note}")
            return
        for error in verdict.errors:
            self.stdout.write(f"  - {error}")

    def _verify_qr(self, options: dict[str, Any]) -> None:
        path = Path(options["public_key"])
        try:
            key = load_public_key(path.read_bytes())
        except FileNotFoundError:
            raise BadInput(f"找不到公钥文件「{path}」") from None
        except OSError:
            raise BadInput(f"无法读取公钥文件「{path}」") from None
        except SealKeyError as exc:
            raise BadInput(f"{exc}(文件「{path}」)") from None
        payload = options["payload"]
        if payload == "-":
            payload = sys.stdin.read()
        verdict = verify_seal(payload, key)
        if options["json"]:
            self.stdout.write(json.dumps(verdict.as_json(), ensure_ascii=False))
        elif verdict.valid:
            facts = verdict.facts
            self.stdout.write("证书二维码核验通过(签名有效)")
            for label, value in (
                ("证书编号", facts.number),
                ("姓名", facts.name),
                ("身份证件号码", facts.masked_id),
                ("职业(工种)", facts.occupation),
                ("等级", LEVEL_NAMES[facts.level]),
                ("评价机构", facts.institution),
                ("发证日期", facts.issue_date.isoformat()),
            ):
                self.stdout.write(f"  {label}:{value}")
            self.stdout.write("  (二维码只证明上述内容由发证机构签发;证书是否已注销请在线查询)")
        else:
            self.stdout.write(f"证书二维码核验未通过:{verdict.reason}")
        if not verdict.valid:
            raise SystemExit(EXIT_INVALID)

    def _export(self, options: dict[str, Any]) -> None:
        from django.contrib.auth import get_user_model
        from django.db import transaction

        from dudao.common.errors import ApplicationError
        from dudao.exams import services
        from dudao.exams.models import ExamPlan

        user = get_user_model().objects.filter(username=options["as_user"], is_active=True).first()
        if user is None:
            raise BadInput(f"用户「{options['as_user'][:50]}」不存在或已停用")
        plan = ExamPlan.objects.select_related("batch").filter(pk=options["plan"]).first()
        if plan is None:
            raise BadInput(f"认定计划 {options['plan']} 不存在")
        out = Path(options["out"])
        try:
            with transaction.atomic():  # a file that cannot be written leaves no export behind
                upload = services.certificate_upload_export(
                    actor=user, plan=plan, file_format=options["format"] or None
                )
                content = services.certificate_upload_file(actor=user, upload=upload)
                out.write_bytes(content)
        except ApplicationError as exc:
            raise BadInput(exc.message) from None
        except OSError as exc:
            raise BadInput(f"无法写入文件「{out}」:{exc.strerror or exc}") from None
        summary = {
            "upload": upload.pk,
            "count": upload.count,
            "voided": upload.voided_count,
            "format": upload.format,
            "sha256": upload.sha256,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(
                f"已导出证书上报文件「{out}」:{upload.count} 本证书(其中已注销 {upload.voided_count} 本),"
                f"格式 {upload.format};上传国家平台后请在平台确认回执或登记退回"
            )
