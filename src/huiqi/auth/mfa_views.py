"""The second login step: a TOTP or recovery code after the password (/login/otp), or enrolment
for a role that requires a second factor and has none yet (/login/enrol). Between the steps the
browser holds a signed, 5-minute `huiqi_mfa` cookie naming the account; no session exists until
the second step succeeds, so a password alone opens nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from huiqi.auth import mfa, service, throttle
from huiqi.auth import repository as repo
from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import session_cookie
from huiqi.kit import web
from huiqi.kit.csrf import ANON_COOKIE
from huiqi.kit.errors import NotFound
from huiqi.kit.pages import render
from huiqi.kit.security import sign, unsign
from huiqi.kit.web import ClockDep, DBSession, client_ip, is_https, safe_next, user_agent
from huiqi.models.user import User

router = web.router(include_in_schema=False)

PENDING_COOKIE = "huiqi_mfa"
PENDING_SECONDS = 300
BAD_CODE = "动态口令或恢复码不正确，或已使用过。"


def pending_response(request: Request, user: User, next_path: str, now_ts: float) -> Response:
    """After a right password: on to the second step (enrolment when there is none yet)."""
    secret = "" if mfa.enrolled(user) else mfa.new_secret()
    value = f"{user.id}:{int(now_ts) + PENDING_SECONDS}:{secret}:{safe_next(next_path)}"
    target = "/login/otp" if mfa.enrolled(user) else "/login/enrol"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(PENDING_COOKIE, sign(request.app.state.secret_key, value), httponly=True,
                        samesite="strict", secure=is_https(request), path="/login",
                        max_age=PENDING_SECONDS)
    return response


def _pending(request: Request, db: DBSession, now_ts: float) -> tuple[User, str, str]:
    value = unsign(request.app.state.secret_key, request.cookies.get(PENDING_COOKIE))
    parts = value.split(":", 3) if value else []
    if len(parts) != 4 or not parts[0].isdigit() or int(parts[1]) < now_ts:
        raise NotFound("登录已过期，请重新输入用户名和密码。")
    user = repo.user_by_id(db, int(parts[0]))
    if user is None or not user.is_active:
        raise NotFound("登录已过期，请重新输入用户名和密码。")
    return user, parts[2], parts[3]


def _page(request: Request, user: User, secret: str, *, error: str = "",
          status: int = 200) -> Response:
    context = {"enrol": bool(secret), "secret": secret, "error": error,
               "uri": mfa.provisioning_uri(secret, user.username) if secret else "",
               "action": "/login/enrol" if secret else "/login/otp"}
    return render(request, "auth/login_otp.html", context, status_code=status)


@router.get("/login/otp")
@router.get("/login/enrol")
def otp_page(request: Request, db: DBSession, clock: ClockDep) -> Response:
    user, secret, _next = _pending(request, db, clock.now().timestamp())
    return _page(request, user, secret)


def _finish(request: Request, db: DBSession, clock: ClockDep, user: User,
            target: str, codes: list[str] | None = None) -> Response:
    info = service.start_session(db, clock, user, ip=client_ip(request),
                                 user_agent=user_agent(request),
                                 previous_token=request.cookies.get(session_cookie(request)))
    if codes:
        request.state.auth = None
        response: Response = render(request, "auth/recovery_codes.html",
                                    {"codes": codes, "next": target})
    else:
        response = RedirectResponse(target, status_code=303)
    response.set_cookie(session_cookie(request), info.token, httponly=True, samesite="lax",
                        secure=is_https(request), path="/")
    response.delete_cookie(PENDING_COOKIE, path="/login")
    response.delete_cookie(ANON_COOKIE, path="/")
    return response


@router.post("/login/otp")
def otp(request: Request, db: DBSession, clock: ClockDep,
        code: Annotated[str, Form(max_length=32)] = "") -> Response:
    now = clock.now()
    user, _secret, target = _pending(request, db, now.timestamp())
    ip = client_ip(request)
    who = Actor.of(user, ip=ip)
    if throttle.refused(db, who, user, ip or "-", now) or \
            not mfa.verify(db, who, user, code, ip or "-", now):
        return _page(request, user, "", error=BAD_CODE, status=400)
    return _finish(request, db, clock, user, target)


@router.post("/login/enrol")
def enrol(request: Request, db: DBSession, clock: ClockDep,
          code: Annotated[str, Form(max_length=32)] = "") -> Response:
    now = clock.now()
    user, secret, target = _pending(request, db, now.timestamp())
    if not secret or mfa.enrolled(user):
        raise NotFound("登录已过期，请重新输入用户名和密码。")
    ip = client_ip(request)
    who = Actor.of(user, ip=ip)
    codes = None if throttle.refused(db, who, user, ip or "-", now) else \
        mfa.enrol(db, who, user, secret, code, now)
    if codes is None:
        throttle.failed(db, who, user, ip or "-", now, "bad_otp_enrol")
        return _page(request, user, secret, error="口令不正确，请确认手机时间准确后重试。",
                     status=400)
    return _finish(request, db, clock, user, target, codes)
