"""Errors users can act on: a stable code, a Chinese message, optional detail (DESIGN: errors)."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """Base of every error a user can act on; the API maps it to a 4xx JSON body."""

    code = "error"
    status = 400
    default_message = "请求无法处理"

    def __init__(self, message: str | None = None, *, code: str | None = None, detail: Any = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.detail = detail
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class ValidationFailed(ApplicationError):
    """Input is invalid; `detail` maps field names to lists of messages."""

    code = "validation_error"
    status = 422
    default_message = "提交的数据有误"


class NotFound(ApplicationError):
    code = "not_found"
    status = 404
    default_message = "记录不存在或无权查看"


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403
    default_message = "没有执行此操作的权限"


class NotAuthenticated(ApplicationError):
    code = "not_authenticated"
    status = 401
    default_message = "请先登录"


class Conflict(ApplicationError):
    """The record changed or the state forbids the operation (concurrent edit, duplicate)."""

    code = "conflict"
    status = 409
    default_message = "数据已被他人修改或与现有记录冲突,请刷新后重试"


class IllegalTransition(ApplicationError):
    code = "illegal_transition"
    status = 409
    default_message = "当前状态不允许此操作"


def validation_error_from_django(exc: Any) -> ValidationFailed:
    """Translate django.core.exceptions.ValidationError into ValidationFailed with field detail."""
    if hasattr(exc, "message_dict"):
        detail = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        first = next((f"{msgs[0]}" for msgs in detail.values() if msgs), None)
    else:
        detail = {"__all__": [str(m) for m in exc.messages]}
        first = detail["__all__"][0] if detail["__all__"] else None
    return ValidationFailed(first or ValidationFailed.default_message, detail=detail)
