"""`dudao exam assign|verify`: examiner and invigilator assignment (issue 10 item 5). Pure: no database.

assign --scenario FILE --seed S [--json]          the result (canonical JSON on one line with --json,
                                                  else a short Chinese summary)
verify --scenario FILE --seed S --result RESULT   exit 0 printing 核验通过 when the result is exactly what
                                                  the seed gives and meets every constraint; else exit 1
                                                  printing each reason (stdout)
`-` reads the scenario from standard input. Bad input (unreadable file, invalid JSON or scenario, empty
seed): exit 2, a Chinese message on stderr, nothing on stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from dudao.common.cli_errors import EXIT_BAD_INPUT, BadInput, chinese_errors
from dudao.common.errors import ValidationFailed
from dudao.exams.domain.assignment import solve_detailed, verify
from dudao.exams.domain.assignment_scenario import load_json

USAGE = (
    "dudao exam assign --scenario FILE --seed S [--json] | "
    "dudao exam verify --scenario FILE --seed S --result RESULT"
)
EXIT_MISMATCH = 1


class Command(BaseCommand):
    help = "考评人员安排:assign 按情景和随机种子安排考评员/监考员,verify 核验公布的安排结果"
    requires_system_checks: list[str] = []  # pure computation: no checks, no database

    def create_parser(self, prog_name, subcommand, **kwargs):
        return chinese_errors(super().create_parser(prog_name, subcommand, **kwargs), USAGE)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="assign|verify")
        assign = chinese_errors(sub.add_parser("assign", help="按情景和随机种子安排"), USAGE)
        check = chinese_errors(sub.add_parser("verify", help="核验安排结果"), USAGE)
        for p in (assign, check):
            p.add_argument("--scenario", required=True, metavar="FILE", help="情景 JSON 文件(- 为标准输入)")
            p.add_argument("--seed", required=True, metavar="S", help="随机种子")
        assign.add_argument("--json", action="store_true", help="输出结果 JSON(规范格式,一行)")
        check.add_argument("--result", required=True, metavar="RESULT", help="待核验的结果 JSON 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            raw = self._read(options["scenario"], "情景文件")
            if options["action"] == "assign":
                outcome = solve_detailed(raw, options["seed"])
            else:
                result = self._read(options["result"], "结果文件")
                ok, reasons = verify(raw, options["seed"], result)
        except BadInput as exc:
            self._bad(str(exc))
        except ValidationFailed as exc:
            lines = [exc.message]
            if isinstance(exc.detail, dict):
                lines += [f"  {path}:{text}" for path, texts in exc.detail.items() for text in texts]
            self._bad("\n".join(lines))
        if options["action"] == "assign":
            self._write(outcome.to_json() if options["json"] else self._summary(outcome.payload))
            return
        if ok:
            self._write("核验通过")
            return
        self._write("\n".join(["核验未通过:", *(f"  {reason}" for reason in reasons)]))
        raise SystemExit(EXIT_MISMATCH)

    def _bad(self, message: str) -> None:
        self.stderr.write(f"错误:{message}")
        raise SystemExit(EXIT_BAD_INPUT)

    @staticmethod
    def _read(path: str, what: str) -> Any:
        try:
            data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except FileNotFoundError:
            raise BadInput(f"找不到{what}「{path}」") from None
        except OSError:
            raise BadInput(f"无法读取{what}「{path}」") from None
        return load_json(data, what)

    def _write(self, text: str) -> None:
        # Bytes, not the console encoding: the result is hashed and compared byte for byte.
        out = self.stdout._out
        data = (text + "\n").encode("utf-8")
        if hasattr(out, "buffer"):
            out.flush()
            out.buffer.write(data)
            out.buffer.flush()
        else:
            out.write(data.decode("utf-8"))

    @staticmethod
    def _summary(payload: dict[str, Any]) -> str:
        stats = payload["stats"]
        lines = [f"已安排 {len(payload['assignments'])} 个考场,未能安排 {len(payload['unassigned'])} 个"]
        lines += [f"  {room}:{'、'.join(names)}" for room, names in sorted(payload["assignments"].items())]
        lines += [f"  {item['room']} 未安排:{item['reason']}" for item in payload["unassigned"]]
        lines.append(
            f"考评组 {stats['team_size']} 人,其中新成员 {stats['new_members']} 人;"
            f"最大负荷 {stats['max_load']} 个考场"
        )
        return "\n".join(lines)
