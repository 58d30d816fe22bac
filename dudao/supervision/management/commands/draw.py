"""`dudao draw …`: the double-random draw on a scenario file (RAND-1) and its witnesses (issue 8 §7).

Without a database:
solve  --scenario S.json --seed SEED [--json]          prints the result (canonical JSON with --json)
verify --scenario S.json --result R.json --record D.json
                                                       the public verification (the same function as the
                                                       public page and API): seed vs commitment, scenario
                                                       vs digest, witness values vs commitments, the final
                                                       seed's derivation, the result vs a recomputation
verify --scenario S.json --result R.json --seed SEED   recompute with SEED taken as the final seed
witness-secret [--hash sm3|sha256]                     a fresh witness value and its commitment
verify exits 0 when every check holds (warnings on stderr), 1 when one fails (each on stderr).

With the database, acting as --user (the draw's managers only, as on the pages):
witness-add    --draw NUMBER --user NAME --name N --role discipline|notary|other --commitment HEX
               [--organisation O]                      before publication
witness-reveal --draw NUMBER --user NAME --position P --value V
                                                       at the draw meeting, after publication
Bad input (unreadable file, invalid JSON or scenario, empty seed) exits 2 with a message on stderr.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dudao.common.domain import preferred_hash_algorithm
from dudao.common.errors import ApplicationError, ValidationFailed
from dudao.supervision.domain import (
    HASH_ALGORITHMS,
    load_scenario_json,
    parse_scenario,
    record_for_seed,
    solve_draw,
    verify_public_draw,
    witness_commitment,
)

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
        solve.add_argument("--seed", required=True, help="随机种子 seed (revealed after the draw)")
        solve.add_argument("--json", action="store_true", help="输出 JSON (print the result as JSON)")
        verify.add_argument("--result", required=True, help="待校验的结果 JSON (published result)")
        source = verify.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--record", help="核验记录 JSON (published record: commitments, witnesses, seeds)"
        )
        source.add_argument("--seed", help="最终种子 (the final seed; its origin is not checked)")
        secret = actions.add_parser("witness-secret", help="生成见证人随机值及其承诺值 (a witness value)")
        secret.add_argument("--hash", choices=HASH_ALGORITHMS, help="哈希算法 (default: the server's)")
        add = actions.add_parser("witness-add", help="登记见证人及其承诺值 (before publication)")
        reveal = actions.add_parser("witness-reveal", help="录入见证人随机值 (after publication)")
        for sub in (add, reveal):
            sub.add_argument("--draw", required=True, help="抽取编号 draw number")
            sub.add_argument("--user", required=True, help="操作人用户名 (a manager of the draw)")
        add.add_argument("--name", required=True, help="见证人姓名")
        add.add_argument("--role", required=True, choices=("discipline", "notary", "other"))
        add.add_argument("--organisation", default="", help="见证人单位")
        add.add_argument("--commitment", required=True, help="见证人自行计算的 H(随机值)")
        reveal.add_argument("--position", required=True, type=int, help="见证人顺序 (1, 2, …)")
        reveal.add_argument("--value", required=True, help="见证人的随机值")

    def handle(self, *args: Any, **options: Any) -> None:
        handlers = {
            "solve": self._solve,
            "verify": self._verify,
            "witness-secret": self._witness_secret,
            "witness-add": self._witness_add,
            "witness-reveal": self._witness_reveal,
        }
        try:
            handlers[options["action"]](options)
        except ValidationFailed as exc:
            self._fail(exc.message, exc.detail)
        except ApplicationError as exc:
            self._fail(exc.message)

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
        parse_scenario(raw)  # an invalid scenario is bad input (exit 2), not a failed check
        published = self._read_json(options["result"], "结果文件")
        if options["record"]:
            record = self._read_json(options["record"], "核验记录")
            if not isinstance(record, dict):
                self._fail("核验记录必须是 JSON 对象 (the record must be a JSON object)")
        else:
            record = record_for_seed(options["seed"], published)
        outcome = verify_public_draw(record, raw, published)
        marks = {"pass": "✓", "fail": "✗", "warning": "!"}
        report = []
        for check in outcome.checks:
            report.append(f"  {marks[check.outcome]} {check.label}")
            report += [f"      {line}" for line in check.detail]
        if outcome.ok:
            for line in outcome.warnings:
                self.stderr.write(f"警告 (warning): {line}")
            self._write(
                "校验通过:结果与情景和种子完全一致 (verified: the result is exactly what they produce)\n"
                + "\n".join(report)
            )
            return
        self.stderr.write("校验失败:结果与情景和种子不一致 (verification failed):")
        for line in report:
            self.stderr.write(line)
        if outcome.differences:
            self.stderr.write("不同之处 (differences):")
            for line in outcome.differences:
                self.stderr.write(f"  {line}")
        sys.stdout.flush()
        raise DrawExit(EXIT_MISMATCH)

    def _witness_secret(self, options: dict[str, Any]) -> None:
        algorithm = options["hash"] or preferred_hash_algorithm()
        value = secrets.token_hex(16)
        self._write(
            f"随机值 value(自己保管,抽取会上公开): {value}\n"
            f"承诺值 commitment ({algorithm},公布前交给组织方): {witness_commitment(value, algorithm)}"
        )

    def _draw_and_user(self, options: dict[str, Any]):
        from django.contrib.auth import get_user_model

        from dudao.supervision.models import Draw

        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        draw = Draw.objects.filter(number=options["draw"]).first()
        if user is None or draw is None:
            self._fail(f"用户 {options['user']} 或抽取 {options['draw']} 不存在")
        return draw, user

    def _witness_add(self, options: dict[str, Any]) -> None:
        from dudao.supervision import services

        draw, user = self._draw_and_user(options)
        witness = services.draw_witness_add(
            actor=user,
            draw=draw,
            name=options["name"],
            role=options["role"],
            organisation=options["organisation"],
            commitment=options["commitment"],
            row_version=draw.row_version,  # the row this command just read
        )
        self._write(f"已登记见证人 {witness.position}:{witness.name},承诺值 {witness.commitment}")

    def _witness_reveal(self, options: dict[str, Any]) -> None:
        from dudao.supervision import services

        draw, user = self._draw_and_user(options)
        witness = draw.witnesses.filter(position=options["position"]).first()
        if witness is None:
            self._fail(f"抽取 {draw.number} 没有第 {options['position']} 位见证人")
        witness = services.draw_witness_reveal(
            actor=user, draw=draw, witness=witness, value=options["value"], row_version=draw.row_version
        )
        self._write(f"已录入见证人 {witness.position}:{witness.name} 的随机值,与其承诺值一致")
