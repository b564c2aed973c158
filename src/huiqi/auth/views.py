"""Login, logout, password change and personal API tokens (the home page is ui's: ui.views).
Pages render through `kit.pages`: `ui` imports `auth`, so `auth` imports nothing of `ui`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from huiqi.auth import admin_service, mfa, mfa_policy, mfa_views, service
from huiqi.auth import repository as repo
from huiqi.auth.dependencies import (
    AuthRequired,
    CurrentUser,
    OptionalUser,
    session_cookie,
)
from huiqi.auth.guards import auditor_may
from huiqi.kit import ratelimit, web
from huiqi.kit.csrf import ANON_COOKIE
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.pages import flash, redirect, render
from huiqi.kit.web import ClockDep, DBSession, client_ip, is_https, safe_next, user_agent

router = web.router(include_in_schema=False)

NOTICES = {
    "timeout": ("info", "登录已超时（30 分钟无操作），请重新登录。"),
    "logout": ("success", "您已安全退出。"),
    "password": ("success", "密码已修改，请用新密码登录。"),
}


@router.get("/login", name="login")
def login_page(
    request: Request, actor: OptionalUser, next: str = "/", reason: str = ""
) -> Response:
    if actor is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    context = {"next": safe_next(next), "notice": NOTICES.get(reason)}
    return render(request, "auth/login.html", context)


@router.post("/login")
def login(
    request: Request, db: DBSession, clock: ClockDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    user = service.authenticate(db, clock, username, password, client_ip(request))
    if user is None:
        # Same words for a wrong password, an unknown user and a locked account.
        context = {"next": safe_next(next), "error": service.LOGIN_FAILED_MESSAGE,
                   "username": username}
        return render(request, "auth/login.html", context, status_code=400)
    if mfa.enrolled(user) or mfa_policy.required_for(db, user):
        return mfa_views.pending_response(request, user, next, clock.now().timestamp())
    info = service.start_session(db, clock, user, ip=client_ip(request),
                                 user_agent=user_agent(request),
                                 previous_token=request.cookies.get(session_cookie(request)))
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(session_cookie(request), info.token, httponly=True, samesite="lax",
                        secure=is_https(request), path="/")
    response.delete_cookie(ANON_COOKIE, path="/")
    return response


@router.post("/logout")
@auditor_may
def logout(request: Request, db: DBSession, auth: AuthRequired) -> Response:
    if auth.token:
        service.end_session(db, auth.actor, auth.token)
    response = RedirectResponse("/login?reason=logout", status_code=303)
    response.delete_cookie(session_cookie(request), path="/", secure=is_https(request))
    # The browser drops cached pages (the back button shows nothing) and site storage too.
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@router.get("/account/password")
def password_page(request: Request, actor: CurrentUser) -> Response:
    return render(request, "auth/password.html")


@router.post("/account/password")
@auditor_may
def change_password(
    request: Request, db: DBSession, clock: ClockDep, auth: AuthRequired,
    current: Annotated[str, Form(max_length=256)] = "",
    new: Annotated[str, Form(max_length=256)] = "",
    confirm: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    try:
        if new != confirm:
            raise ValidationFailed("两次输入的新密码不一致。")
        service.change_password(db, auth.actor, clock, current=current, new=new,
                                keep_session=auth.token)
    except ValidationFailed as exc:
        return render(request, "auth/password.html", {"error": exc.message}, status_code=422)
    flash(request, "密码已修改。其他设备上的登录已退出。")
    return redirect(request, "/account/password")


@router.get("/account/tokens")
def tokens_page(request: Request, db: DBSession, actor: CurrentUser) -> Response:
    tokens = repo.tokens_of(db, actor.user_id or 0)
    return render(request, "auth/tokens.html", {"tokens": tokens})


@router.post("/account/tokens")
@auditor_may
def create_token(
    request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
    name: Annotated[str, Form(max_length=100)] = "",
    days: Annotated[int | None, Form(ge=1, le=366)] = None,
) -> Response:
    request.app.state.limiter.hit(ratelimit.TOKEN_CREATE_ACCOUNT, str(actor.user_id),
                                  clock.now().timestamp())
    try:
        row, secret = service.create_api_token(db, actor, clock, name, days)
    except ValidationFailed as exc:
        tokens = repo.tokens_of(db, actor.user_id or 0)
        return render(request, "auth/tokens.html", {"tokens": tokens, "error": exc.message},
                      status_code=422)
    tokens = repo.tokens_of(db, actor.user_id or 0)
    # The secret is shown on this response only; it is not stored and cannot be shown again.
    return render(request, "auth/tokens.html", {"tokens": tokens, "new_secret": secret,
                                                "new_token": row})


@router.post("/account/tokens/{token_id}/revoke")
@auditor_may
def revoke_token(
    request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser, token_id: int
) -> Response:
    row = service.revoke_api_token(db, actor, clock, token_id)
    flash(request, f"令牌“{row.name}”已吊销。")
    return redirect(request, "/account/tokens")


# -- one-time set-password links (issued by an administrator, used by the owner) ---------------

@router.get("/account/set-password/{token}")
def set_password_page(request: Request, db: DBSession, clock: ClockDep, token: str) -> Response:
    _row, user = admin_service.link_user(db, clock, token)
    return render(request, "auth/set_password.html",
                  {"username": user.username, "action": request.url.path})


@router.post("/account/set-password/{token}")
def set_password(
    request: Request, db: DBSession, clock: ClockDep, token: str,
    new: Annotated[str, Form(max_length=256)] = "",
    confirm: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    _row, user = admin_service.link_user(db, clock, token)
    try:
        if new != confirm:
            raise ValidationFailed("两次输入的新密码不一致。")
        admin_service.use_link(db, clock, token, new, client_ip(request))
    except ValidationFailed as exc:
        return render(request, "auth/set_password.html", {
            "username": user.username, "action": request.url.path, "error": exc.message},
            status_code=422)
    return RedirectResponse("/login?reason=password", status_code=303)
