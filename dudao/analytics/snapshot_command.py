"""`dudao analytics export` and `dudao analytics refresh` (docs/analytics.md): exit 0 with a Chinese
summary, exit 2 with a Chinese message for bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from dudao.analytics.management.commands.analytics import _pass_mark  # one parser for both subcommands
from dudao.analytics.models import FlagKind
from dudao.analytics.scan.flags import Thresholds
from dudao.common.cli_errors import EXIT_BAD_INPUT, BadInput

from . import refresh as refresh_module
from . import snapshot


def _since(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"日期“{text}”格式不对,应为 YYYY-MM-DD") from None


def run(command: Any, options: dict[str, Any]) -> None:
    try:
        since = _since(options.get("since"))
        out = Path(options["out"]) if options.get("out") else snapshot.default_dir()
        if out.exists() and not out.is_dir():
            raise BadInput(f"{out} 不是目录")
        pass_mark = _pass_mark(options.get("pass_mark"))
    except BadInput as exc:
        command.stderr.write(f"错误:{exc}")
        raise SystemExit(EXIT_BAD_INPUT) from None
    full = bool(options.get("full"))
    if options["action"] == "export":
        result = snapshot.export(out, since=since, full=full)
        command.stdout.write(
            f"已导出 {result['batches']} 个批次、{result['rows']} 条评分;快照共 {result['total_rows']} 条,"
            f"位于 {out}"
        )
        return
    result = refresh_module.refresh(out, since=since, full=full, thresholds=Thresholds(pass_mark=pass_mark))
    command.stdout.write(
        f"已导出 {result['export']['batches']} 个批次;统计比对 {result['scan']['rows']} 条评分,"
        f"发现疑点 {result['found']} 项,其中新疑点 {result['raised']} 项,已记录过的 {result['known']} 项"
    )
    labels = dict(FlagKind.choices)
    for kind, count in sorted(result["by_kind"].items()):
        command.stdout.write(f"  {labels[kind]}:{count} 项")
