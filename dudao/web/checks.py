"""Production refuses to start with a weak secret key (issue 8 §5).

A system check (`dudao check`, `migrate`, `runserver` and most commands run it) and, because gunicorn
runs no system checks, the same test when `dudao.wsgi` is loaded (`refuse_unsafe_production`).
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_KEY_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5
# Keys published in this repository or in Django's templates: anyone can sign sessions with them.
_KNOWN_PREFIXES = ("django-insecure", "dev-insecure", "change-me", "changeme")


def secret_key_problem(key: str, *, known: tuple[str, ...] = ()) -> str | None:
    """Why `key` must not sign production sessions, or None when it is acceptable."""
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"DUDAO_SECRET_KEY 太短({len(key)} 个字符),生产环境至少需要 {MIN_SECRET_KEY_LENGTH} 个字符"
    if key in known or key.lower().startswith(_KNOWN_PREFIXES):
        return "DUDAO_SECRET_KEY 是公开的默认值或示例值,生产环境必须使用新生成的随机密钥"
    if len(set(key)) < MIN_UNIQUE_CHARACTERS:
        return f"DUDAO_SECRET_KEY 过于简单(不同字符少于 {MIN_UNIQUE_CHARACTERS} 个),请使用随机生成的密钥"
    return None


def _problem() -> str | None:
    if not getattr(settings, "PRODUCTION", False):
        return None
    return secret_key_problem(settings.SECRET_KEY, known=(getattr(settings, "DEV_SECRET_KEY", ""),))


@checks.register(checks.Tags.security)
def check_production_secret_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problem = _problem()
    if problem is None:
        return []
    return [
        checks.Error(
            problem,
            hint="生成方法:python -c 'import secrets; print(secrets.token_urlsafe(64))'",
            id="dudao.E001",
        )
    ]


def refuse_unsafe_production() -> None:
    """Raise at WSGI start-up (gunicorn) when the system check above would fail."""
    problem = _problem()
    if problem is not None:
        raise ImproperlyConfigured(problem)
