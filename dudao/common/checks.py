"""System checks of the common app: production refuses to start without the audit keys (SEC-1)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from . import audit_keys


@checks.register(checks.Tags.security, deploy=False)
def audit_keys_configured(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """With DUDAO_ENV=production: a real chain key, and a signing or public key for checkpoints."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    errors = [
        checks.Error(
            problem,
            hint="生成随机密钥:python -c 'import secrets; print(secrets.token_urlsafe(48))'",
            id="dudao.E101",
        )
        for problem in audit_keys.chain_key_problems()
    ]
    if not audit_keys.setting_value("DUDAO_AUDIT_SIGNING_KEY") and not audit_keys.setting_value(
        "DUDAO_AUDIT_PUBLIC_KEY"
    ):
        errors.append(
            checks.Error(
                "未设置检查点签名私钥 DUDAO_AUDIT_SIGNING_KEY 或公钥 DUDAO_AUDIT_PUBLIC_KEY",
                hint="用 dudao audit keygen --output 目录 生成密钥对;私钥不要放在数据库服务器上",
                id="dudao.E102",
            )
        )
    return errors
