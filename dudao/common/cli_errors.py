"""Management commands' usage errors in Chinese: argparse's own messages are English, and the few a user can
trigger are said in Chinese on stderr with exit status 2 (the CLI contracts' "bad input")."""

from __future__ import annotations

import re
import sys

from django.core.management.base import CommandError

EXIT_BAD_INPUT = 2

_ARGPARSE_MESSAGES = (
    (re.compile(r"the following arguments are required: (.+)"), "缺少参数:{0}"),
    (re.compile(r"unrecognized arguments: (.+)"), "无法识别的参数:{0}"),
    (re.compile(r"argument (\S+): expected one argument"), "参数 {0} 缺少取值"),
    (
        re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"),
        "参数 {0} 的取值 {1} 无效,应为 {2}",
    ),
    (re.compile(r"argument (\S+): ignored explicit argument (.+)"), "参数 {0} 不接受取值 {1}"),
)


class BadInput(Exception):
    """Input the user can fix; reported in Chinese with exit status 2."""


def chinese_errors(parser, usage: str):
    """Make `parser` report usage errors in Chinese on stderr with exit status 2."""

    def error(message: str):
        for pattern, template in _ARGPARSE_MESSAGES:
            match = pattern.fullmatch(message)
            if match:
                message = template.format(*match.groups())
                break
        text = f"{message}\n用法:{usage}"
        if not parser.called_from_command_line:
            raise CommandError(text)
        sys.stderr.write(f"错误:{text}\n")
        raise SystemExit(EXIT_BAD_INPUT)

    parser.error = error
    return parser
