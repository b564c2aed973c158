"""Account administration under 三权分立 (huiqi.auth.permissions): the system administrator and
the office manage accounts (the office only enterprises', departments' and liaisons'); the
security administrator assigns roles and lifts lockouts. A password is never shown to an
administrator: creating an account or resetting its password issues a one-time set-password
link. Every change is audited by the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from starlette.responses import Response

from huiqi.auth import admin_service, permissions, service, throttle
from huiqi.auth import repository as repo
from huiqi.auth.actor import Actor
from huiqi.auth.permissions import AccountAdmin, DepartmentAdmin, RoleAdmin, Unlocker
from huiqi.kit import web
from huiqi.kit.errors import HuiqiError, NotFound, PermissionDenied
from huiqi.kit.pages import flash, redirect, render
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.security import generate_password
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.user import ROLE_LABELS, Role, User

router = web.router(prefix="/admin", include_in_schema=False)
# Its menu entries (账号管理, 角色与安全) are registered by ui.nav: auth does not import ui.


def _user(db: DBSession, user_id: int, actor: Actor | None = None) -> User:
    """The account; with `actor`, only one within that administrator's remit (else 404)."""
    user = repo.user_by_id(db, user_id)
    if user is None:
        raise NotFound("账号不存在。")
    if actor is not None:
        admin_service.check_manages(actor, user)
    return user


def _roles_for(actor: Actor) -> dict[Role, str]:
    allowed = permissions.manageable(actor)
    return {r: label for r, label in ROLE_LABELS.items() if r in allowed}


def _link_page(request: Request, user: User, token: str, created: bool = False) -> Response:
    link = str(request.base_url).rstrip("/") + admin_service.LINK_PATH + token
    return render(request, "auth/admin_password.html", {"user": user, "link": link,
                                                         "created": created})


@router.get("/users")
def users(
    request: Request, db: DBSession, actor: AccountAdmin, params: PageQuery,
    role: str = "", q: str = "",
) -> Response:
    roles = _roles_for(actor)
    role = role if role in {r.value for r in roles} else ""
    query = repo.users_query(role or None, q.strip(), among=[r.value for r in roles])
    page = paginate(db, query, params)
    now = request.app.state.clock.now()
    return render(request, "auth/admin_users.html", {
        "page": page, "role": role, "q": q, "roles": roles,
        "departments": {d.id: d for d in repo.departments(db)},
        "may_unlock": permissions.may(actor.role, permissions.Perm.UNLOCK),
        "locks": throttle.locks_of(db, [u.id for u in page.items], now),
    })


@router.get("/users/new")
def new_user(request: Request, db: DBSession, actor: AccountAdmin) -> Response:
    return render(request, "auth/admin_user_new.html",
                  {"roles": _roles_for(actor), "departments": repo.departments(db), "form": {}})


@router.post("/users")
def create_user(
    request: Request, db: DBSession, clock: ClockDep, actor: AccountAdmin,
    username: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    department_code: Annotated[str, Form(max_length=32)] = "",
    enterprise_uscc: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    password = generate_password()
    form = {"username": username, "display_name": display_name, "role": role,
            "department_code": department_code, "enterprise_uscc": enterprise_uscc}
    try:
        if not permissions.may_manage(actor, role):
            raise PermissionDenied("您不能创建该角色的账号（三权分立：管理员账号在服务器上创建）。")
        user = service.create_user(
            db, actor, clock, username=username.strip(), display_name=display_name, role=role,
            password=password, department_code=department_code or None,
            enterprise_uscc=enterprise_uscc or None)
    except HuiqiError as exc:
        return render(request, "auth/admin_user_new.html", {
            "roles": _roles_for(actor), "departments": repo.departments(db), "form": form,
            "error": exc.message}, status_code=exc.status_code)
    token = admin_service.issue_link(db, actor, clock, user)
    return _link_page(request, user, token, created=True)


@router.post("/users/{user_id}/reset-password")
def reset_password(
    request: Request, db: DBSession, clock: ClockDep, actor: AccountAdmin, user_id: int
) -> Response:
    user = _user(db, user_id, actor)
    return _link_page(request, user, admin_service.issue_link(db, actor, clock, user))


@router.post("/users/{user_id}/unlock")
def unlock(
    request: Request, db: DBSession, clock: ClockDep, actor: Unlocker, user_id: int
) -> Response:
    user = _user(db, user_id)
    if actor.role is not Role.SECURITY:
        admin_service.check_manages(actor, user)
    if service.unlock(db, actor, clock, user):
        flash(request, f"已解除 {user.username} 的锁定。")
    else:
        flash(request, f"{user.username} 当前没有被锁定。")
    return redirect(request, "/admin/roles" if actor.role is Role.SECURITY else "/admin/users")


@router.post("/users/{user_id}/active")
def set_active(
    request: Request, db: DBSession, actor: AccountAdmin, user_id: int,
    active: Annotated[bool, Form()] = False,
) -> Response:
    user = _user(db, user_id, actor)
    service.set_active(db, actor, user, active)
    flash(request, f"已{'启用' if active else '停用'}账号 {user.username}。")
    return redirect(request, "/admin/users")


@router.get("/departments")
def departments(request: Request, db: DBSession, actor: DepartmentAdmin) -> Response:
    return render(request, "auth/admin_departments.html", {"departments": repo.departments(db)})


@router.post("/departments")
def create_department(
    request: Request, db: DBSession, actor: DepartmentAdmin,
    code: Annotated[str, Form(max_length=32)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not code.strip() or not name.strip():
        return render(request, "auth/admin_departments.html", {
            "departments": repo.departments(db), "error": "请填写部门代码和名称。"},
            status_code=422)
    try:
        service.create_department(db, actor, code.strip(), name.strip())
    except HuiqiError as exc:
        return render(request, "auth/admin_departments.html", {
            "departments": repo.departments(db), "error": exc.message},
            status_code=exc.status_code)
    flash(request, f"已添加部门：{name.strip()}")
    return redirect(request, "/admin/departments")


# -- the security administrator: roles and lockouts -------------------------------------------

@router.get("/roles")
def roles_page(
    request: Request, db: DBSession, actor: RoleAdmin, params: PageQuery, q: str = "",
) -> Response:
    page = paginate(db, repo.users_query(None, q.strip()), params)
    now = request.app.state.clock.now()
    return render(request, "auth/admin_roles.html", {
        "page": page, "q": q, "roles": ROLE_LABELS, "admin_roles": permissions.ADMIN_ROLES,
        "locks": throttle.locks_of(db, [u.id for u in page.items], now),
        "settings": security_settings(),
    })


@router.post("/users/{user_id}/role")
def change_role(
    request: Request, db: DBSession, actor: RoleAdmin, user_id: int,
    role: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    user = _user(db, user_id)
    admin_service.change_role(db, actor, user, role)
    flash(request, f"{user.username} 的角色已改为{ROLE_LABELS[Role(user.role)]}。")
    return redirect(request, "/admin/roles")


def security_settings() -> list[tuple[str, str]]:
    """The parameters in force (set by environment variables on the server), for review."""
    from huiqi.auth import mfa_policy
    from huiqi.kit import ratelimit

    lock = (f"{throttle.FAILURE_WINDOW.seconds // 60} 分钟内 {throttle.LOCK_AFTER} 次，"
            f"锁定 {throttle.LOCK_FOR.seconds // 60} 分钟（同一来源再次锁定时加倍，最长 24 小时）")
    cap = f"每小时 {throttle.ACCOUNT_HOURLY_CAP} 次，超过后仅已登录过的来源可尝试"
    return [
        ("登录失败锁定", lock),
        ("单账号失败上限", cap),
        ("登录频率（每个 IP）", f"{ratelimit.LOGIN_IP.limit} 次 / {ratelimit.LOGIN_IP.seconds} 秒"),
        ("API 频率（每个账号）",
         f"{ratelimit.API_ACCOUNT.limit} 次 / {ratelimit.API_ACCOUNT.seconds} 秒"),
        ("须第二因素的账号", mfa_policy.described()),
        ("会话", f"空闲 {service.IDLE_TIMEOUT.seconds // 60} 分钟超时，"
                f"最长 {service.ABSOLUTE_LIFETIME.seconds // 3600} 小时"),
    ]
