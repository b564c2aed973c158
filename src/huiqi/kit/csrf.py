"""CSRF: a synchroniser token per login session (hidden `csrf_token` field or `X-CSRF-Token`
header, which the base layout sets for every htmx request through `hx-headers`).

Before login (the login form itself) the token lives in a signed cookie and must come back in the
form: login CSRF is refused too. Bearer-token API calls need no CSRF token (no ambient credential).
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from huiqi.kit.errors import HuiqiError
from huiqi.kit.security import new_token, sign, unsign
from huiqi.kit.web import is_https

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
ANON_COOKIE = "huiqi_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class CsrfFailed(HuiqiError):
    status_code = 403
    code = "csrf_failed"

    def __init__(self) -> None:
        super().__init__("安全校验未通过：页面可能已过期或来自其他网站。请刷新页面后重试。")


async def submitted_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(_FORM_TYPES):
        form = await request.form()  # cached by Starlette; the route reads the same parsed form
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def anonymous_token(request: Request) -> str | None:
    return unsign(request.app.state.secret_key, request.cookies.get(ANON_COOKIE))


def ensure_anonymous_token(request: Request, response: Response) -> str:
    """The pre-login token for a form on this page; the cookie is set once and reused."""
    token = anonymous_token(request) or getattr(request.state, "new_anon_csrf", None)
    if token is None:
        token = new_token(24)
        request.state.new_anon_csrf = token
    response.set_cookie(
        ANON_COOKIE, sign(request.app.state.secret_key, token), httponly=True,
        samesite="lax", secure=is_https(request), path="/",
    )
    return token
