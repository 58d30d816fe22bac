"""The error responses every API operation documents (issue 8 §8): clients and fuzzers read them from
the OpenAPI schema instead of discovering them. Errors share one body, `{"code","message","detail"}`."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA_NAME = "ErrorOut"
ERROR_SCHEMA: dict[str, Any] = {
    "title": ERROR_SCHEMA_NAME,
    "type": "object",
    "required": ["code", "message", "detail"],
    "properties": {
        "code": {"type": "string", "description": "稳定的错误代码,如 not_found、validation_error"},
        "message": {"type": "string", "description": "中文错误说明"},
        "detail": {"description": "字段错误等补充信息,可为空"},
    },
}

_DESCRIPTIONS = {
    400: "请求格式不正确(如请求体不是 JSON、multipart 头过长)",
    401: "未登录或令牌无效、已过期",
    403: "没有执行此操作的权限",
    404: "记录不存在或无权查看",
    409: "状态不允许或与他人修改冲突",
    413: "请求体过大",
    422: "参数校验失败,detail 列出各字段的错误",
    429: "请求过于频繁,请稍后再试",
}
_WRITES = {"post", "put", "patch", "delete"}


def error_codes(method: str, operation: dict[str, Any], path: str) -> list[int]:
    """The 4xx statuses an operation can answer, from its shape: who may call it, what it takes."""
    codes = {400, 422, 429}
    if operation.get("security"):  # public operations (auth=None) declare none
        # a signed-in caller's lookups are scoped: ids in the body or a scoped setting may not exist for them
        codes |= {401, 403, 404}
    if "{" in path or "requestBody" in operation:
        codes.add(404)
    if method in _WRITES:
        codes.add(409)
    if "requestBody" in operation:
        codes.add(413)
    return sorted(codes)


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the shared error body and each operation's 4xx responses, keeping any the operation declares."""
    schema.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    ref = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in error_codes(method, operation, path):
                responses.setdefault(
                    str(code),
                    {"description": _DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}},
                )
    return schema
