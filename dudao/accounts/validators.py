"""The password policy as a Django password validator (AUTH_PASSWORD_VALIDATORS), SEC-2."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from .domain import PASSWORD_MIN_CLASSES, PASSWORD_MIN_LENGTH, password_problems


class PasswordPolicyValidator:
    """Length ≥ 10, at least 3 of 4 character classes, not containing the user name."""

    def validate(self, password: str, user=None) -> None:
        problems = password_problems(password, getattr(user, "username", "") or "")
        if problems:
            raise ValidationError(problems, code="password_policy")

    def get_help_text(self) -> str:
        return (
            f"密码至少 {PASSWORD_MIN_LENGTH} 位,包含小写字母、大写字母、数字、其他符号中的至少 "
            f"{PASSWORD_MIN_CLASSES} 类,且不能包含用户名。"
        )
