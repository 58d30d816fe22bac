"""`dudao eligibility check --facts FILE [--occupation CODE] [--json]`: which route of 申报条件 (EXAM-15) the
facts meet and what each route lacks. Needs no database: with --occupation it uses the occupation's rules
loaded into the product when a database is there, else the shipped file or the national template. Exit 0
whether eligible or not; exit 2 with a Chinese message on a missing or malformed facts file (nothing on
stdout).

`dudao eligibility load --occupation CODE FILE --as USERNAME`: lint and load an occupation's own rules
(.yaml, or .xlsx with the columns 标准/等级/路径/条件); exit 2 with every problem, nothing stored.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from dudao.common.cli_errors import EXIT_BAD_INPUT, BadInput, chinese_errors
from dudao.exams.domain.eligibility import LEVEL_NAMES, EligibilityError, check, parse_facts, rules_for

USAGE = (
    "dudao eligibility check --facts FILE [--occupation CODE] [--json]\n"
    "       dudao eligibility load --occupation CODE FILE --as USERNAME"
)


class Command(BaseCommand):
    help = "申报条件核验:按申报等级列出每条申报路径是否满足、缺少什么(默认按国家职业技能标准模板)"
    requires_system_checks: list[str] = []  # pure computation: no checks, no database

    def create_parser(self, prog_name, subcommand, **kwargs):
        return chinese_errors(super().create_parser(prog_name, subcommand, **kwargs), USAGE)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="check|load")
        p_load = chinese_errors(
            sub.add_parser("load", help="导入某职业自己的申报条件规则(YAML 或 Excel)"), USAGE
        )
        p_load.add_argument("file", metavar="FILE", help="规则文件(.yaml 或 .xlsx)")
        p_load.add_argument("--occupation", metavar="CODE", required=True, help="职业编码")
        p_load.add_argument(
            "--as", dest="as_user", metavar="USERNAME", required=True, help="以该用户的权限导入"
        )
        p_check = chinese_errors(sub.add_parser("check", help="核验一份申报信息(JSON)"), USAGE)
        p_check.add_argument("--facts", metavar="FILE", help="申报信息 JSON 文件(- 为标准输入)")
        p_check.add_argument(
            "--occupation", metavar="CODE", help="职业编码:使用该职业标准自己的申报条件(如有)"
        )
        p_check.add_argument(
            "--json",
            action="store_true",
            help='输出 JSON:{"eligible", "route", "routes": [{"route", "met", "missing"}]}',
        )

    def handle(self, *args, **options):
        if options["action"] == "load":
            self._load(options)
            return
        try:
            facts = parse_facts(self._read(options.get("facts")))
            rules = self._rules(options.get("occupation"))
        except BadInput as exc:
            self.stderr.write(f"错误:{exc}")
            raise SystemExit(EXIT_BAD_INPUT) from None
        except EligibilityError as exc:
            self.stderr.write(f"错误:{exc}")
            raise SystemExit(EXIT_BAD_INPUT) from None
        result = check(facts, rules)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(f"申报 {LEVEL_NAMES[facts.level]}(依据:{rules.standard})")
        for route in result["routes"]:
            state = "满足" if route["met"] else "不满足:缺少 " + ";".join(route["missing"])
            self.stdout.write(f"  路径 {route['route']}:{state}")
        self.stdout.write(
            f"结论:{'符合申报条件(路径 ' + result['route'] + ')' if result['eligible'] else '不符合申报条件'}"
        )

    @staticmethod
    def _read(path: str | None):
        if not path:
            raise BadInput(f"缺少参数 --facts(申报信息 JSON 文件)\n用法:{USAGE}")
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BadInput(f"找不到文件「{path}」") from None
        except (OSError, UnicodeDecodeError):
            raise BadInput(f"无法读取文件「{path}」(应为 UTF-8 编码的 JSON)") from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadInput(f"申报信息不是有效的 JSON(第 {exc.lineno} 行第 {exc.colno} 列)") from None

    @staticmethod
    def _rules(code: str | None):
        """The occupation's loaded rules when a database answers, else the shipped file or the template."""
        if code:
            from django.db import DatabaseError

            try:
                from dudao.exams.services import rules_for_occupation
                from dudao.registry.models import Occupation

                occupation = Occupation.objects.filter(code=code).first()
                if occupation is not None:
                    return rules_for_occupation(occupation)
            except DatabaseError:  # no database here: the command stays pure
                pass
        return rules_for(code)

    def _load(self, options) -> None:
        from django.contrib.auth import get_user_model

        from dudao.common.errors import ApplicationError
        from dudao.exams.services import eligibility_rules_load
        from dudao.registry.models import Occupation

        path = Path(options["file"])
        try:
            user = get_user_model().objects.filter(username=options["as_user"], is_active=True).first()
            if user is None:
                raise BadInput(f"用户「{options['as_user'][:50]}」不存在或已停用")
            occupation = Occupation.objects.filter(code=options["occupation"]).first()
            if occupation is None:
                raise BadInput(f"职业编码「{options['occupation'][:20]}」不在职业目录中")
            if not path.is_file():
                raise BadInput(f"找不到文件「{path}」")
            ruleset = eligibility_rules_load(
                actor=user, occupation=occupation, name=path.name, data=path.read_bytes()
            )
        except BadInput as exc:
            self.stderr.write(f"错误:{exc}")
            raise SystemExit(EXIT_BAD_INPUT) from None
        except ApplicationError as exc:
            self.stderr.write(f"错误:{exc.message}")
            for problem in exc.detail.get("file", []) if isinstance(exc.detail, dict) else []:
                self.stderr.write(f"  - {problem}")
            raise SystemExit(EXIT_BAD_INPUT) from None
        self.stdout.write(f"已导入 {occupation.name}({occupation.code})的申报条件规则:{ruleset.standard}")
