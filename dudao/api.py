"""The NinjaAPI at /api/v1: session auth for pages, Bearer tokens for machines, errors as JSON 4xx."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import SessionAuth

from dudao.accounts.api import router as accounts_router
from dudao.accounts.auth import TokenAuth
from dudao.common.errors import (
    ApplicationError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    validation_error_from_django,
)
from dudao.notifications.api import router as notifications_router
from dudao.people.api import router as people_router
from dudao.registry.api import router as registry_router
from dudao.renewals.api import router as renewals_router
from dudao.scorecards.api import router as scorecards_router
from dudao.supervision.api import router as supervision_router
from dudao.workdays.api import router as workdays_router

api = NinjaAPI(
    title="dudao 督导 API",
    version="1.0",
    description="职业技能等级认定质量督导平台接口。会话(页面)或 Bearer 令牌(系统对接)认证;"
    "错误统一返回 {code, message, detail}。",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-1",
)


def _error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ApplicationError)
def on_application_error(request, exc: ApplicationError):
    return _error(request, exc)


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request, exc: DjangoValidationError):
    return _error(request, validation_error_from_django(exc))


@api.exception_handler(NinjaValidationError)
def on_schema_validation_error(request, exc: NinjaValidationError):
    detail = [
        {"loc": [str(p) for p in e.get("loc", [])], "msg": str(e.get("msg", "")), "type": e.get("type", "")}
        for e in exc.errors
    ]
    return _error(request, ValidationFailed("请求参数格式不正确", detail=detail))


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, NotAuthenticated())


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, NotFound())


@api.exception_handler(DjangoPermissionDenied)
def on_permission_denied(request, exc):
    return _error(request, PermissionDenied())


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    code = {
        400: "bad_request",
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        422: "validation_error",
    }
    return api.create_response(
        request,
        {"code": code.get(exc.status_code, "error"), "message": str(exc), "detail": None},
        status=exc.status_code,
    )


api.add_router("/accounts", accounts_router)
api.add_router("/workdays", workdays_router)
api.add_router("/registry", registry_router)
api.add_router("/people", people_router)
api.add_router("/scorecards", scorecards_router)
api.add_router("/notifications", notifications_router)
api.add_router("/renewals", renewals_router)
api.add_router("/supervision", supervision_router)
