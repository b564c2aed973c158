"""One place that turns errors into answers: JSON for /api, a toast for htmx, a page otherwise.

Domain errors (`HuiqiError` subclasses) carry their status and a Chinese message written for the
reader. A 404 reads the same whether the thing is missing or not the caller's to see.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from huiqi.audit.service import audit_refusal
from huiqi.auth import service
from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import Auth, NotAuthenticated, session_cookie
from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import HuiqiError
from huiqi.kit.web import client_ip, is_api, is_htmx
from huiqi.ui.templating import render

log = logging.getLogger(__name__)

NOT_FOUND = "页面不存在，或您没有访问权限。"
TITLES = {400: "请求有误", 401: "请先登录", 403: "无法执行此操作", 404: "页面不存在",
          405: "不支持的操作", 409: "操作冲突", 413: "文件过大", 422: "信息有误",
          429: "操作过于频繁", 500: "系统出错了"}
HTTP_MESSAGES = {404: NOT_FOUND, 405: "此地址不支持该操作。", 413: "上传的内容超过了大小限制。"}
# Machine interfaces whose standard fixes its own error body (Open311's error list), by path
# prefix: renderer(request, status, message, headers). Registered by the interface's module.
ErrorRenderer = Callable[[Request, int, str, dict[str, str] | None], Response]
FORMATS: dict[str, ErrorRenderer] = {}


def register_format(prefix: str, renderer: ErrorRenderer) -> None:
    FORMATS[prefix] = renderer


def install(app: FastAPI) -> None:
    app.add_exception_handler(HuiqiError, _huiqi_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)


def respond(
    request: Request, status: int, code: str, message: str, details: object | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    for prefix, renderer in FORMATS.items():
        if request.url.path.startswith(prefix):
            return renderer(request, status, message, headers)
    if is_api(request):
        body = {"error": {"code": code, "message": message, "details": details}}
        return JSONResponse(body, status_code=status, headers=headers)
    if is_htmx(request):
        # htmx does not swap 4xx/5xx bodies; the event makes huiqi.js show a toast instead.
        trigger = {"huiqi:toast": {"level": "error", "message": message}}
        hx = {"HX-Trigger": json.dumps(trigger), "HX-Reswap": "none", **(headers or {})}
        return render(request, "_toast.html", {"level": "error", "message": message},
                      status_code=status, headers=hx)
    title = TITLES.get(status, "出错了")
    return render(request, "error.html",
                  {"status": status, "title": title, "message": message, "details": details},
                  status_code=status, headers=headers)


async def _huiqi_error(request: Request, exc: HuiqiError) -> Response:
    if isinstance(exc, NotAuthenticated):
        return _to_login(request, exc)
    if exc.status_code in (403, 409):
        try:
            await audit_refusal(request, exc.status_code, exc.code, exc.message)
        except Exception:  # the refusal stands even if its audit row cannot be written
            log.exception("could not audit a refused request")
    return respond(request, exc.status_code, exc.code, exc.message, exc.details,
                   headers=getattr(exc, "headers", None))


def _identify(request: Request) -> None:
    """For a URL no route matched, the guard never ran: look the caller up (without counting it as
    activity) so a logged-in user's 404 page keeps its navigation."""
    token = request.cookies.get(session_cookie(request))
    if hasattr(request.state, "auth") or is_api(request) or not token:
        return
    try:
        with unit_of_work(request.app.state.engine) as db:
            found = service.resolve_session(db, request.app.state.clock, token, touch=False)
    except service.SessionExpired:
        return
    if found:
        request.state.auth = Auth(Actor.of(found, ip=client_ip(request)), found.csrf_token, token)


def _to_login(request: Request, exc: NotAuthenticated) -> Response:
    if is_api(request):
        return respond(request, 401, exc.code, "缺少或无效的 API 令牌（Authorization: Bearer …）。",
                       headers={"WWW-Authenticate": "Bearer"})
    query = {"next": request.url.path + (f"?{request.url.query}" if request.url.query else "")}
    if exc.reason == "timeout":
        query["reason"] = "timeout"
    url = "/login?" + urlencode(query)
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    _identify(request)
    message = HTTP_MESSAGES.get(exc.status_code) or (
        exc.detail if isinstance(exc.detail, str) and exc.status_code != 500 else "请求无法完成。")
    return respond(request, exc.status_code, f"http_{exc.status_code}", message,
                   headers=getattr(exc, "headers", None))


# Pydantic's error types in Chinese, for /api clients and toasts; others keep Pydantic's text.
_REASONS = {
    "missing": "必填", "int_parsing": "应为整数（半角数字）", "int_type": "应为整数",
    "int_from_float": "应为整数", "float_parsing": "应为数字（半角）", "float_type": "应为数字",
    "decimal_parsing": "应为数字（半角）", "decimal_type": "应为数字",
    "finite_number": "应为有限的数字", "bool_parsing": "应为 true 或 false",
    "date_from_datetime_parsing": "应为日期，如 2025-06-01",
    "date_parsing": "应为日期，如 2025-06-01",
    "string_type": "应为文字", "list_type": "应为列表", "dict_type": "应为对象",
    "model_attributes_type": "应为对象", "json_invalid": "不是有效的 JSON",
    "enum": "取值不在允许范围内", "literal_error": "取值不在允许范围内",
}
_LIMITS = {
    "less_than_equal": "不能大于 {le}", "less_than": "应小于 {lt}",
    "greater_than_equal": "不能小于 {ge}", "greater_than": "应大于 {gt}",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_too_short": "至少 {min_length} 个字符",
    "too_long": "最多 {max_length} 项", "too_short": "至少 {min_length} 项",
    "decimal_max_places": "最多 {decimal_places} 位小数",
    "decimal_max_digits": "最多 {max_digits} 位数字",
}


def _reason(err: Mapping[str, Any]) -> str:
    kind, ctx = str(err.get("type", "")), err.get("ctx") or {}
    if kind in _LIMITS:
        try:
            return _LIMITS[kind].format(**ctx)
        except (KeyError, IndexError):
            pass
    return _REASONS.get(kind) or str(err.get("msg", "格式不正确"))


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    details = [
        {"field": ".".join(str(p) for p in err.get("loc", ())[1:]), "message": _reason(err)}
        for err in exc.errors()
    ]
    fields = "、".join(d["field"] for d in details if d["field"]) or "请求"
    return respond(request, 422, "invalid_request", f"提交的内容有误：{fields}。", details)


async def _unexpected(request: Request, exc: Exception) -> Response:
    ref = uuid.uuid4().hex[:8]
    log.exception("unhandled error %s on %s %s", ref, request.method, request.url.path)
    return respond(request, 500, "internal_error",
                   f"系统出错了，请稍后再试。如问题持续，请将编号 {ref} 告知管理员。")
