"""The NinjaAPI at /api/v1: session auth for pages, Bearer tokens for machines, errors as JSON 4xx."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.db import DataError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase
from ninja.parser import Parser
from ninja.security import SessionAuth

from dudao.accounts.api import router as accounts_router
from dudao.accounts.auth import TokenAuth
from dudao.analytics.api import router as analytics_router
from dudao.archives.api import router as archives_router
from dudao.common.errors import (
    ApplicationError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    validation_error_from_django,
)
from dudao.common.openapi import document_errors
from dudao.common.request_limits import CONTROL_MESSAGE, has_control_character
from dudao.complaints.api import router as complaints_router
from dudao.complaints.api import staff_router as complaints_staff_router
from dudao.exams.api import router as exams_router
from dudao.exams.api_certificates import router as certificates_router
from dudao.exams.api_conduct import router as conduct_router
from dudao.exams.api_marking import router as marking_router
from dudao.exams.api_uploads import router as certificate_uploads_router
from dudao.notifications.api import router as notifications_router
from dudao.people.api import router as people_router
from dudao.quality.api import router as quality_router
from dudao.registry.api import router as registry_router
from dudao.renewals.api import router as renewals_router
from dudao.scorecards.api import router as scorecards_router
from dudao.supervision.api import router as supervision_router
from dudao.workdays.api import router as workdays_router

logger = logging.getLogger(__name__)

NUL_MESSAGE = "请求中含有不允许的空字符(\\u0000),请删除后重试"


def _refuse_nul(value: Any) -> None:
    """PostgreSQL text cannot hold NUL (a 500 there; SQLite would store it): refuse it as bad input.

    Other control characters (category Cc but tab, LF, CR) are refused too (issue 8 §1), with the same
    message pages get from dudao.common.request_limits.
    """
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationFailed(NUL_MESSAGE)
        if has_control_character(value):
            raise ValidationFailed(CONTROL_MESSAGE, code="control_character")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_nul(item)


class InputParser(Parser):
    """django-ninja's JSON/query/form parser, refusing NUL characters anywhere in the input."""

    def parse_body(self, request):
        data = super().parse_body(request)
        _refuse_nul(data)
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        _refuse_nul(result)
        return result


class VendoredSwagger(DocsBase):
    """/api/v1/docs: Swagger UI from vendored files (ninja's default loads it from a CDN, blank offline),
    for signed-in users only. The schema at /api/v1/openapi.json stays readable by token clients."""

    def render_page(self, request, api, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        context = {"api": api, "openapi_url": self.get_openapi_url(api, kwargs)}
        return render(request, "web/api_docs.html", context)


class DudaoAPI(NinjaAPI):
    """Our NinjaAPI: its OpenAPI schema documents the 4xx answers of every operation (issue 8 §8)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any):
        return document_errors(super().get_openapi_schema(*args, **kwargs))


api = DudaoAPI(
    title="dudao 督导 API",
    version="1.0",
    description="职业技能等级认定质量督导平台接口。会话(页面)或 Bearer 令牌(系统对接)认证;"
    "错误统一返回 {code, message, detail}。",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-1",
    parser=InputParser(),
    docs=VendoredSwagger(),
)


def _error(request, exc: ApplicationError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    for name, value in getattr(exc, "headers", {}).items():  # e.g. Retry-After on a 429
        response[name] = value
    return response


@api.exception_handler(ApplicationError)
def on_application_error(request, exc: ApplicationError):
    return _error(request, exc)


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request, exc: DjangoValidationError):
    return _error(request, validation_error_from_django(exc))


# Pydantic error types → Chinese (REVIEW L1). `{name}` placeholders are filled from the error's ctx.
_SCHEMA_MESSAGES = {
    "missing": "必填",
    "int_parsing": "格式不正确,应为整数",
    "int_type": "格式不正确,应为整数",
    "int_from_float": "格式不正确,应为整数",
    "float_parsing": "格式不正确,应为数字",
    "float_type": "格式不正确,应为数字",
    "decimal_parsing": "格式不正确,应为数字",
    "decimal_type": "格式不正确,应为数字",
    "finite_number": "格式不正确,应为有限的数字",
    "string_type": "格式不正确,应为文本",
    "bool_parsing": "格式不正确,应为 true 或 false",
    "bool_type": "格式不正确,应为 true 或 false",
    "date_parsing": "格式不正确,应为日期(YYYY-MM-DD)",
    "date_from_datetime_parsing": "格式不正确,应为日期(YYYY-MM-DD)",
    "date_from_datetime_inexact": "格式不正确,应为日期(YYYY-MM-DD),不含时间",
    "date_type": "格式不正确,应为日期(YYYY-MM-DD)",
    "datetime_parsing": "格式不正确,应为日期时间(YYYY-MM-DDTHH:MM:SS)",
    "datetime_from_date_parsing": "格式不正确,应为日期时间(YYYY-MM-DDTHH:MM:SS)",
    "datetime_type": "格式不正确,应为日期时间(YYYY-MM-DDTHH:MM:SS)",
    "time_parsing": "格式不正确,应为时间(HH:MM)",
    "time_type": "格式不正确,应为时间(HH:MM)",
    "uuid_parsing": "格式不正确,应为 UUID",
    "uuid_type": "格式不正确,应为 UUID",
    "list_type": "格式不正确,应为列表",
    "tuple_type": "格式不正确,应为列表",
    "set_type": "格式不正确,应为列表",
    "dict_type": "格式不正确,应为对象",
    "model_type": "格式不正确,应为对象",
    "model_attributes_type": "格式不正确,应为对象",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
    "enum": "取值无效,可选值:{expected}",
    "literal_error": "取值无效,可选值:{expected}",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "decimal_max_digits": "数字位数不能超过 {max_digits} 位",
    "decimal_max_places": "小数位数不能超过 {decimal_places} 位",
    "extra_forbidden": "不允许的字段",
    "frozen_field": "不可修改",
    "none_required": "应为空",
    "url_parsing": "格式不正确,应为网址",
    "bytes_type": "格式不正确",
}
# Messages our own validators raise (`raise ValueError("…")`) arrive as "Value error, …".
_VALIDATOR_PREFIXES = ("Value error, ", "Assertion failed, ")


def _schema_message(error: dict) -> str:
    """A Chinese message for one pydantic error; our validators' own (Chinese) messages are kept."""
    kind = str(error.get("type", ""))
    msg = str(error.get("msg", ""))
    if kind in ("value_error", "assertion_error"):
        for prefix in _VALIDATOR_PREFIXES:
            if msg.startswith(prefix):
                return msg[len(prefix) :]
        return msg or "格式不正确"
    template = _SCHEMA_MESSAGES.get(kind)
    if template is None:
        return "格式不正确"
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return "取值无效" if kind in ("enum", "literal_error") else "格式不正确"


@api.exception_handler(NinjaValidationError)
def on_schema_validation_error(request, exc: NinjaValidationError):
    detail = [
        {
            "loc": [str(p) for p in e.get("loc", [])],
            "msg": _schema_message(e),
            "type": e.get("type", ""),
        }
        for e in exc.errors
    ]
    return _error(request, ValidationFailed("请求参数格式不正确", detail=detail))


@api.exception_handler(MultiPartParserError)
def on_multipart_error(request, exc: MultiPartParserError):
    # e.g. a part header over 1,024 bytes (a very long file name): Django's parser refuses it (issue 8 §1)
    return _error(
        request, ApplicationError("上传请求格式不正确(例如文件名过长),请缩短文件名后重试", code="bad_request")
    )


@api.exception_handler(SuspiciousOperation)
def on_suspicious_request(request, exc: SuspiciousOperation):
    if isinstance(exc, RequestDataTooBig):
        error = ApplicationError("提交的内容过大,请减少内容后重试", code="too_large")
        error.status = 413
        return _error(request, error)
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return _error(request, ApplicationError("提交的字段或文件过多,请分次提交", code="bad_request"))
    return _error(request, ApplicationError("请求格式不正确", code="bad_request"))


@api.exception_handler(OverflowError)
def on_overflow(request, exc: OverflowError):
    # Out-of-range input that passed the schema: a 20-digit id (SQLite cannot bind it), a date so early
    # that date arithmetic leaves the calendar. Bad input, not a server fault; logged to find the field.
    logger.warning("API %s %s: value out of range (%s)", request.method, request.path, exc)
    return _error(request, ValidationFailed("数值超出允许范围,请检查输入的编号、年份或日期"))


@api.exception_handler(DataError)
def on_data_error(request, exc: DataError):
    if "NUL" in str(exc):  # a NUL in a path parameter (the parser has checked query and body)
        return _error(request, ValidationFailed(NUL_MESSAGE))
    return on_unexpected_error(request, exc)


@api.exception_handler(Exception)
def on_unexpected_error(request, exc: Exception):
    # A bug (DESIGN: a 500 is always one). API clients still get our JSON format, never Django's HTML
    # 500 page. The traceback is logged, and got_request_exception tells error reporters and the test
    # client (which re-raises it) just as Django does for an exception it handles itself.
    logger.error("API %s %s failed", request.method, request.path, exc_info=exc)
    got_request_exception.send(sender=None, request=request)
    return api.create_response(
        request,
        {"code": "server_error", "message": "系统出现错误,请稍后再试;如反复出现请联系管理员", "detail": None},
        status=500,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, NotAuthenticated())


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, NotFound())


@api.exception_handler(DjangoPermissionDenied)
def on_permission_denied(request, exc):
    return _error(request, PermissionDenied())


_HTTP_ERROR_CODES = {
    400: ("bad_request", "请求格式不正确"),
    401: ("not_authenticated", "请先登录"),
    403: ("permission_denied", "没有执行此操作的权限"),
    404: ("not_found", "记录不存在或无权查看"),
    405: ("method_not_allowed", "不支持此请求方法"),
    409: ("conflict", "数据已被他人修改或与现有记录冲突,请刷新后重试"),
    413: ("too_large", "请求体过大"),
    422: ("validation_error", "请求参数格式不正确"),
    429: ("too_many_requests", "请求过于频繁,请稍后再试"),
}


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, ApplicationError):
        # ninja wraps whatever the body parser raises (e.g. InputParser's NUL refusal) in a 400
        return _error(request, exc.__cause__)
    code, default = _HTTP_ERROR_CODES.get(exc.status_code, ("error", "请求无法处理"))
    text = str(exc)
    if exc.status_code == 400 and text.startswith("Cannot parse request body"):
        # django-ninja's text for a body that is not JSON (REVIEW L1)
        message = "请求体不是有效的 JSON"
    else:
        # Our own HttpErrors carry Chinese; the framework's English ones get the status's Chinese text.
        message = text if _has_chinese(text) else default
    return api.create_response(
        request, {"code": code, "message": message, "detail": None}, status=exc.status_code
    )


api.add_router("/accounts", accounts_router)
api.add_router("/workdays", workdays_router)
api.add_router("/registry", registry_router)
api.add_router("/people", people_router)
api.add_router("/scorecards", scorecards_router)
api.add_router("/notifications", notifications_router)
api.add_router("/renewals", renewals_router)
api.add_router("/supervision", supervision_router)
api.add_router("/exams/conduct", conduct_router)
api.add_router("/exams", exams_router)
api.add_router("/exams", marking_router)
api.add_router("", certificates_router)
api.add_router("/archives", archives_router)
api.add_router("", certificate_uploads_router)
api.add_router("", complaints_router)
api.add_router("/complaints", complaints_staff_router)
api.add_router("/quality", quality_router)
api.add_router("/analytics", analytics_router)

# Last, so that it matches only what no router does: unknown paths and ids that fail a path
# converter (`/registry/institutions/abc` against `{int:pk}`) answer in our JSON format instead of
# Django's HTML 404 page (REVIEW L2). Public: it reveals nothing the OpenAPI schema does not.
_unmatched = Router()


@_unmatched.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False, auth=None
)
def unmatched_path(request, rest: str):
    raise NotFound("接口不存在,或路径中的编号格式不正确")


api.add_router("", _unmatched)
