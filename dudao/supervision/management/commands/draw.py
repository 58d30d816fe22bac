"""`dudao draw solve|verify`: the double-random draw on a scenario file, without a database (RAND-1).

solve  --scenario FILE.json --seed SEED [--json]      prints the result (canonical JSON with --json)
verify --scenario FILE.json --seed SEED --result R.json exits 0 when R is exactly the draw's result,
                                                        1 when it differs (each difference on stderr)
Bad input (unreadable file, invalid JSON or scenario, empty seed) exits 2 with a message on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dudao.common.errors import ValidationFailed
from dudao.supervision.domain import load_scenario_json, solve_draw, verify_draw

EXIT_MISMATCH = 1
EXIT_BAD_INPUT = 2


class DrawExit(SystemExit):
    """Exit with a code after the message has been written (argparse-style: 2 = bad input)."""


class Command(BaseCommand):
    help = "双随机抽取:solve 按情景文件和随机种子抽取,verify 校验公开的抽取结果 (double-random draw)"
    requires_system_checks: list[str] = []  # works without a database

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        solve = actions.add_parser("solve", help="抽取 (run the draw)")
        verify = actions.add_parser("verify", help="校验结果 (verify a published result)")
        for sub in (solve, verify):
            sub.add_argument("--scenario", required=True, help="情景文件 scenario JSON file")
            sub.add_argument("--seed", required=True, help="随机种子 seed (revealed after the draw)")
        solve.add_argument("--json", action="store_true", help="输出 JSON (print the result as JSON)")
        verify.add_argument("--result", required=True, help="待校验的结果 JSON (published result)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "solve":
                self._solve(options)
            else:
                self._verify(options)
        except ValidationFailed as exc:
            self._fail(exc.message, exc.detail)

    def _fail(self, message: str, detail: Any = None) -> None:
        self.stderr.write(message)
        if isinstance(detail, dict):
            for path, messages in detail.items():
                for text in messages:
                    self.stderr.write(f"  {path}: {text}")
        raise DrawExit(EXIT_BAD_INPUT)

    def _read_json(self, path: str, what: str) -> Any:
        try:
            text = Path(path).read_bytes()
        except OSError as exc:
            self._fail(f"无法读取{what} (cannot read {path}): {exc.strerror or exc}")
        try:
            return load_scenario_json(text)
        except ValidationFailed as exc:
            self._fail(f"{what}不是有效的 JSON (not valid JSON): {path}: {exc.detail['$'][0]}")

    def _write(self, text: str) -> None:
        # Bytes, not the console encoding: the output is hashed and compared byte for byte.
        out = self.stdout._out
        data = (text + "\n").encode("utf-8")
        if hasattr(out, "buffer"):
            out.flush()
            out.buffer.write(data)
            out.buffer.flush()
        else:
            out.write(data.decode("utf-8"))

    def _solve(self, options: dict[str, Any]) -> None:
        raw = self._read_json(options["scenario"], "情景文件")
        result = solve_draw(raw, options["seed"])
        for note in result.notes:
            self.stderr.write(f"注意 (note): {note}")
        if options["json"]:
            self._write(result.to_json())
            return
        payload = result.payload
        lines = [
            f"情景摘要 scenario_digest ({payload['hash']}): {payload['scenario_digest']}",
            f"种子承诺 seed_commitment: {payload['seed_commitment']}",
            f"抽中对象 selected: {len(payload['selected'])} 个",
        ]
        lines += [
            f"  {target} ← {', '.join(sups)}" for target, sups in sorted(payload["assignments"].items())
        ]
        lines += [
            f"  {target} 未分配 (unassigned): {reason}"
            for target, reason in sorted(payload["unassigned"].items())
        ]
        stats = payload["stats"]
        lines.append(f"最大负荷 max_load {stats['max_load']},平均负荷 mean_load {stats['mean_load']}")
        lines.append(
            "已证明最优 (proven optimal)" if result.proven_optimal else "未证明最优 (optimality not proven)"
        )
        self._write("\n".join(lines))

    def _verify(self, options: dict[str, Any]) -> None:
        raw = self._read_json(options["scenario"], "情景文件")
        published = self._read_json(options["result"], "结果文件")
        outcome = verify_draw(raw, options["seed"], published)
        if outcome.ok:
            self._write(
                "校验通过:结果与情景和种子完全一致 (verified: the result is exactly what they produce)"
            )
            return
        self.stderr.write("校验失败:结果与情景和种子不一致 (verification failed); 不同之处 (differences):")
        for line in outcome.differences:
            self.stderr.write(f"  {line}")
        sys.stdout.flush()
        raise DrawExit(EXIT_MISMATCH)
