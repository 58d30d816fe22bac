"""`dudao create-token USERNAME --name NAME [--scope read|read_write] [--days N]`: issue an API token and
print its key (shown once); `--list` shows the user's tokens, `--revoke ID` revokes one."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dudao.accounts import selectors, services
from dudao.accounts.models import TokenScope, User
from dudao.common.errors import ApplicationError


class Command(BaseCommand):
    help = "为用户创建 API 令牌并打印令牌明文(只显示一次);--list 列出、--revoke 吊销"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument("--name", help="令牌用途,如“省平台数据对接”")
        parser.add_argument(
            "--scope", choices=TokenScope.values, default=TokenScope.READ, help="read(只读,默认)或 read_write"
        )
        parser.add_argument("--days", type=int, default=None, help="有效期天数(默认 90)")
        parser.add_argument("--list", action="store_true", help="列出该用户的令牌")
        parser.add_argument("--revoke", type=int, metavar="ID", help="吊销该用户编号为 ID 的令牌")

    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户「{username}」不存在")
        try:
            if options["list"]:
                for t in selectors.tokens_for(user):
                    state = "已吊销" if t.revoked else "有效"
                    self.stdout.write(
                        f"{t.pk}\t{t.prefix}…\t{t.get_scope_display()}\t{t.expires_at:%Y-%m-%d}\t{state}\t{t.name}"
                    )
                return
            if options["revoke"] is not None:
                if not selectors.tokens_for(user).filter(pk=options["revoke"]).exists():
                    raise CommandError("令牌不存在")
                services.token_revoke(actor=None, token_id=options["revoke"])  # the console: "system"
                self.stdout.write(f"已吊销令牌 {options['revoke']}")
                return
            if not options["name"]:
                raise CommandError("请用 --name 填写令牌用途")
            days = options["days"] if options["days"] is not None else settings.DUDAO_TOKEN_DEFAULT_DAYS
            # actor=None: the operator at the console acts as the system (audited as "system").
            _, key = services.token_create(
                actor=None, name=options["name"], user=user, scope=options["scope"], days=days
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
