"""`dudao create-token USERNAME --name NAME`: issue an API token and print its key (shown once)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dudao.accounts import services
from dudao.accounts.models import User
from dudao.common.errors import ApplicationError


class Command(BaseCommand):
    help = "为用户创建 API 令牌并打印令牌明文(只显示一次)"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument("--name", required=True, help="令牌用途,如“省平台数据对接”")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户「{username}」不存在")
        try:
            # actor=None: the operator at the console acts as the system (audited as "system").
            _, key = services.token_create(actor=None, name=name, user=user)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
