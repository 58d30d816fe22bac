"""Console script `dudao`: wraps every management command (`dudao workdays add ...`)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dudao.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from dudao.common.pii_keys import PiiKeyError

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "dudao"
    try:
        execute_from_command_line(argv)
    except (ImproperlyConfigured, PiiKeyError) as exc:
        # A missing or weak production key: one Chinese line and exit 2, not a traceback.
        print(f"dudao: 配置错误:{exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
