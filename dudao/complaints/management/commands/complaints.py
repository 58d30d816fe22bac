"""`dudao complaints plan`: the acceptance and result deadlines of a complaint (COMPL-2, CAL-1…3).

Works without a migrated database: the calendar falls back to the shipped arrangements
(`dudao.workdays.selectors.calendar()`). Bad input: a Chinese message on stderr, exit status 2,
nothing on stdout.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from dudao.common.cli_errors import EXIT_BAD_INPUT, BadInput, chinese_errors
from dudao.common.errors import ApplicationError
from dudao.complaints.domain import plan, summary_zh
from dudao.workdays import selectors
from dudao.workdays.domain import parse_date

USAGE = "dudao complaints plan --received YYYY-MM-DD [--accepted YYYY-MM-DD] [--json]"


def _date(text: str, label: str):
    try:
        return parse_date(text)
    except ApplicationError:
        raise BadInput(f"{label}“{text}”不是有效日期,应为 YYYY-MM-DD 格式") from None


class Command(BaseCommand):
    help = "投诉举报:plan 按收到日期(和受理日期)给出受理决定期限和办结期限(工作日按工作日历计算)"
    requires_system_checks: list[str] = []  # pure computation: no checks, no database needed

    def create_parser(self, prog_name, subcommand, **kwargs):
        return chinese_errors(super().create_parser(prog_name, subcommand, **kwargs), USAGE)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="plan")
        p_plan = chinese_errors(sub.add_parser("plan", help="投诉办理期限"), USAGE)
        # Required options are checked in handle() so that a missing one is reported in Chinese.
        p_plan.add_argument("--received", metavar="DATE", help="收到投诉的日期 YYYY-MM-DD")
        p_plan.add_argument("--accepted", metavar="DATE", help="受理日期 YYYY-MM-DD(办结期限由此起算)")
        p_plan.add_argument(
            "--json",
            action="store_true",
            help='输出 JSON:{"accept_by", "result_by", "provisional"};未给受理日期时 result_by 为 null',
        )

    def handle(self, *args, **options):
        try:
            self._plan(options)
        except BadInput as exc:
            self.stderr.write(f"错误:{exc}")
            raise SystemExit(EXIT_BAD_INPUT) from None
        except ApplicationError as exc:
            self.stderr.write(f"错误:{exc.message}")
            raise SystemExit(EXIT_BAD_INPUT) from None

    def _plan(self, options) -> None:
        if options["received"] is None:
            raise BadInput("缺少参数 --received(收到投诉的日期,YYYY-MM-DD)")
        received = _date(options["received"], "收到日期")
        accepted = _date(options["accepted"], "受理日期") if options["accepted"] is not None else None
        accept_days = settings.DUDAO_COMPLAINT_ACCEPT_WORKDAYS
        result_days = settings.DUDAO_COMPLAINT_RESULT_WORKDAYS
        result = plan(
            received,
            accepted,
            selectors.calendar(),
            accept_workdays=accept_days,
            result_workdays=result_days,
        )
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            self.stdout.write(summary_zh(result, accept_days, result_days))
