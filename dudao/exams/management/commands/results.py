"""`dudao results judge --input FILE [--json]`: a candidate's result from their subjects' marks (EXAM-7, 8,
14, 16, 18; the contract is in dudao/exams/domain/results.py and docs/results.md). Pure: no database.

With --json one line `{"pass", "subjects": [{"subject", "mark", "status", "pass"}], "missing"}`, else a
short Chinese summary; exit 0 whatever the result. `-` reads the input from standard input. Bad input
(unreadable file, invalid JSON, malformed marks): exit 2, a Chinese message on stderr, nothing on stdout.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from dudao.common.cli_errors import EXIT_BAD_INPUT, BadInput, chinese_errors
from dudao.exams.domain.results import LEVEL_NAMES, SUBJECT_NAMES, ResultsInputError, judge

USAGE = "dudao results judge --input FILE [--json]"
STATUS_NAMES = {
    "final": "已定",
    "needs_third": "两评之差超过允许误差,待第三评",
    "needs_leader": "三评仍未一致,待考评组长评定",
    "absent": "缺考或成绩无效",
}


class Command(BaseCommand):
    help = "成绩认定:按各科评分(双评、评分组、综合评审)判定考生是否合格"
    requires_system_checks: list[str] = []  # pure computation: no checks, no database

    def create_parser(self, prog_name, subcommand, **kwargs):
        return chinese_errors(super().create_parser(prog_name, subcommand, **kwargs), USAGE)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="judge")
        p_judge = chinese_errors(sub.add_parser("judge", help="判定一名考生的成绩"), USAGE)
        p_judge.add_argument(
            "--input", required=True, metavar="FILE", help="成绩数据 JSON 文件(- 为标准输入)"
        )
        p_judge.add_argument(
            "--json",
            action="store_true",
            help='输出 JSON:{"pass", "subjects": [{"subject", "mark", "status", "pass"}], "missing"}',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            raw = self._read(options["input"])
            result = judge(raw)
        except BadInput as exc:
            self._bad(str(exc))
        except ResultsInputError as exc:
            self._bad("\n".join(["成绩数据有误:", *(f"  {problem}" for problem in exc.problems)]))
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(self._summary(raw["level"], result))

    def _bad(self, message: str) -> None:
        self.stderr.write(f"错误:{message}")
        raise SystemExit(EXIT_BAD_INPUT)

    @staticmethod
    def _read(path: str) -> Any:
        try:
            data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except FileNotFoundError:
            raise BadInput(f"找不到文件「{path}」") from None
        except OSError:
            raise BadInput(f"无法读取文件「{path}」") from None
        return load_json(data)

    @staticmethod
    def _summary(level: int, result: dict[str, Any]) -> str:
        lines = [f"申报等级:{LEVEL_NAMES[level]}"]
        for item in result["subjects"]:
            mark = "—" if item["mark"] is None else f"{item['mark']:.1f} 分"
            verdict = {True: "合格", False: "不合格", None: "待定"}[item["pass"]]
            lines.append(
                f"  {SUBJECT_NAMES[item['subject']]}:{mark},{STATUS_NAMES[item['status']]},{verdict}"
            )
        if result["missing"]:
            lines.append("  缺少科目:" + "、".join(SUBJECT_NAMES[name] for name in result["missing"]))
        verdict = {True: "合格", False: "不合格", None: "待定(有评分未定或科目缺少)"}[result["pass"]]
        lines.append(f"结论:{verdict}")
        return "\n".join(lines)


def load_json(data: bytes) -> Any:
    """Decode the input: numbers with a fraction or exponent as exact Decimals; NaN, Infinity and a key
    repeated in one object are malformed (BadInput, Chinese)."""

    def reject(name: str) -> Any:
        raise BadInput(f"成绩数据不是有效的 JSON:{name} 不是有效的数值")

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise BadInput(f"成绩数据不是有效的 JSON:同一对象中字段「{key[:40]}」重复")
            result[key] = value
        return result

    try:
        return json.loads(data, parse_float=Decimal, parse_constant=reject, object_pairs_hook=unique)
    except json.JSONDecodeError as exc:
        raise BadInput(f"成绩数据不是有效的 JSON(第 {exc.lineno} 行第 {exc.colno} 列)") from None
    except UnicodeDecodeError:
        raise BadInput("成绩数据不是 UTF-8 编码的文本") from None
    except (ValueError, RecursionError):  # e.g. an integer of more than 4,300 digits, or absurd nesting
        raise BadInput("成绩数据不是有效的 JSON(数值过长或嵌套过深)") from None
