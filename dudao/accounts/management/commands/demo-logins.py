"""`dudao demo-logins`: one demo login per role (users named demo_*), as a table.

Administrators log in with a second factor (SEC-2): for demo administrators the table shows the
authenticator secret (add it to any TOTP app) and the code valid right now; `--otp USERNAME` prints
only the current code, for a script or a second try after 30 seconds."""

from __future__ import annotations

import json
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dudao.accounts import services, twofactor
from dudao.accounts.models import Role, User
from dudao.accounts.selectors import role_label, scope_label

DEFAULT_DEMO_PASSWORD = "Dudao#2026"  # noqa: S105 - documented demo password, demo data only


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "列出演示账号:每个角色一个(用户名以 demo_ 开头)"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="输出 JSON")
        parser.add_argument("--otp", metavar="USERNAME", help="只打印该演示账号当前的动态口令")

    def handle(self, *args, **options):
        password = getattr(settings, "DUDAO_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
        if options["otp"]:
            user = User.objects.filter(username=options["otp"], username__startswith="demo_").first()
            secret = services.confirmed_secret(user) if user is not None else None
            if secret is None:
                raise CommandError(f"演示账号「{options['otp']}」没有绑定动态口令")
            self.stdout.write(twofactor.current_code(secret))
            return
        users = list(
            User.objects.filter(username__startswith="demo_", is_active=True)
            .select_related("authority", "institution")
            .order_by("username")
        )
        order = {"": -1, **{value: i for i, value in enumerate(Role.values)}}
        chosen: dict[str, User] = {}
        for user in sorted(users, key=lambda u: (order.get(u.role, 99), u.username)):
            key = user.role or ("superuser" if user.is_superuser else "")
            if key and key not in chosen:
                chosen[key] = user
        rows = []
        for u in chosen.values():
            secret = services.confirmed_secret(u) or ""
            rows.append(
                {
                    "username": u.username,
                    "password": password,
                    "role": role_label(u),
                    "scope": scope_label(u),
                    "totp_secret": secret,
                    "totp_now": twofactor.current_code(secret) if secret else "",
                }
            )
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("没有演示账号(用户名以 demo_ 开头)。请先生成演示数据。")
            return
        headers = {
            "username": "用户名",
            "password": "密码",
            "role": "角色",
            "scope": "数据范围",
            "totp_secret": "动态口令密钥",
            "totp_now": "当前口令",
        }
        widths = {k: max(_width(headers[k]), *(_width(r[k]) for r in rows)) for k in headers}
        line = "  ".join(_pad(headers[k], widths[k]) for k in headers)
        self.stdout.write(line.rstrip())
        self.stdout.write("  ".join("-" * widths[k] for k in headers))
        for row in rows:
            self.stdout.write("  ".join(_pad(row[k], widths[k]) for k in headers).rstrip())
        if any(row["totp_secret"] for row in rows):
            self.stdout.write(
                "管理员登录须输入动态口令:把密钥加入手机认证器,或运行 `dudao demo-logins --otp 用户名` "
                "取当前口令(每 30 秒更换)。"
            )
