"""`dudao renewals plan`: path, materials, evaluation form and decision deadline of a renewal (REN-1…8).

Works without a migrated database: the calendar falls back to the shipped arrangements
(`dudao.workdays.selectors.calendar()`). Bad input: a Chinese message on stderr, exit status 2,
nothing on stdout.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from dudao.common.cli_errors import EXIT_BAD_INPUT, BadInput, chinese_errors
from dudao.common.errors import ApplicationError
from dudao.renewals.domain import KIND_LABELS, parse_kind, plan, summary_zh
from dudao.workdays import selectors
from dudao.workdays.domain import parse_date

USAGE = (
    "dudao renewals plan --type employer|tech_school|social_org [--self-built-questions] "
    "--expires YYYY-MM-DD --received YYYY-MM-DD [--json]"
)


def _date(options, name: str, flag: str, label: str):
    text = options[name]
    if text is None:
        raise BadInput(f"缺少参数 {flag}({label},YYYY-MM-DD)")
    try:
        return parse_date(text)
    except ApplicationError:
        raise BadInput(f"{label}“{text}”不是有效日期,应为 YYYY-MM-DD 格式") from None


class Command(BaseCommand):
    help = (
        "延续备案:plan 按机构类型、备案有效期届满日期和材料收到日期给出办理路径、所需材料、评估表和办结期限;"
        "close-expired 每日将不予延续且有效期已届满的备案置为已到期"
    )
    requires_system_checks: list[str] = []  # pure computation: no checks, no database needed

    def create_parser(self, prog_name, subcommand, **kwargs):
        return chinese_errors(super().create_parser(prog_name, subcommand, **kwargs), USAGE)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="plan"
        )  # the CLI contract names `plan`; close-expired is listed below it
        p_plan = chinese_errors(
            sub.add_parser("plan", help="延续备案办理计划(工作日按工作日历计算)"),  # REN-1…4、REN-6
            USAGE,
        )
        # Required options are checked in handle() so that a missing one is reported in Chinese.
        kinds = "、".join(f"{k.value} {label}" for k, label in KIND_LABELS.items())
        p_plan.add_argument("--type", dest="kind", metavar="TYPE", help=f"机构类型:{kinds}")
        p_plan.add_argument(
            "--self-built-questions",
            action="store_true",
            # REN-2
            help="使用自建试题资源(技工院校、社会培训评价组织需另交试题资源编制说明和专家评审意见表)",
        )
        p_plan.add_argument("--expires", metavar="DATE", help="备案有效期届满日期(有效期最后一日)YYYY-MM-DD")
        p_plan.add_argument("--received", metavar="DATE", help="收到申报材料的日期 YYYY-MM-DD")
        p_plan.add_argument(
            "--json",
            action="store_true",
            help='输出 JSON:{"path", "materials", "decide_by", "evaluation_form"};'
            "期限为暂定时在标准错误输出提示",
        )

        p_close = chinese_errors(
            sub.add_parser(
                "close-expired",
                help="每日任务:不予延续的申请,其备案在有效期届满后置为「已到期」;可重复运行",  # REN-4
            ),
            USAGE,
        )
        p_close.add_argument("--date", metavar="DATE", help="按指定日期计算(默认今天)YYYY-MM-DD")
        p_close.add_argument("--json", action="store_true", help='输出 JSON:{"closed", "skipped"}')

    def handle(self, *args, **options):
        try:
            if options["action"] == "close-expired":
                self._close_expired(options)
                return
            self._plan(options)
        except BadInput as exc:
            self.stderr.write(f"错误:{exc}")
            raise SystemExit(EXIT_BAD_INPUT) from None
        except ApplicationError as exc:
            self.stderr.write(f"错误:{exc.message}")
            raise SystemExit(EXIT_BAD_INPUT) from None

    def _close_expired(self, options) -> None:
        from dudao.renewals.services import renewals_close_expired

        today = _date(options, "date", "--date", "日期") if options.get("date") else None
        result = renewals_close_expired(today=today)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stdout.write(f"已到期处理 {result['closed']} 个备案,跳过 {result['skipped']} 个(次日重试)")

    def _plan(self, options) -> None:
        if options["kind"] is None:
            raise BadInput("缺少参数 --type(机构类型:employer、tech_school 或 social_org)")
        kind = parse_kind(options["kind"])
        expires = _date(options, "expires", "--expires", "备案有效期届满日期")
        received = _date(options, "received", "--received", "材料收到日期")
        result = plan(kind, options["self_built_questions"], expires, received, selectors.calendar())
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            if result.provisional:
                # CAL-3: say so, without changing the JSON contract on stdout.
                self.stderr.write(
                    f"注意:办结期限 {result.decide_by.isoformat()} 为暂定(所涉年度节假日安排尚未确认)"
                )
        else:
            self.stdout.write(summary_zh(result))
