"""The office's account administration: users (create, reset password, unlock, deactivate) and
departments. Every change is audited by the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from starlette.responses import Response

from huiqi.auth import repository as repo
from huiqi.auth import service, throttle
from huiqi.auth.dependencies import OfficeUser
from huiqi.kit import web
from huiqi.kit.errors import HuiqiError, NotFound
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.security import generate_password
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.user import ROLE_LABELS, Role, User
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(prefix="/admin", include_in_schema=False)
register_nav(NavItem("账号管理", "/admin/users", {Role.OFFICE}, order=80,
                     description="创建账号、重设密码、解除锁定、停用；管理部门"))


def _user(db: DBSession, user_id: int) -> User:
    user = repo.user_by_id(db, user_id)
    if user is None:
        raise NotFound("账号不存在。")
    return user


@router.get("/users")
def users(
    request: Request, db: DBSession, actor: OfficeUser, params: PageQuery,
    role: str = "", q: str = "",
) -> Response:
    role = role if role in {r.value for r in Role} else ""
    page = paginate(db, repo.users_query(role or None, q.strip()), params)
    now = request.app.state.clock.now()
    return render(request, "auth/admin_users.html", {
        "page": page, "role": role, "q": q, "roles": ROLE_LABELS,
        "departments": {d.id: d for d in repo.departments(db)},
        "locks": throttle.locks_of(db, [u.id for u in page.items], now),
    })


@router.get("/users/new")
def new_user(request: Request, db: DBSession, actor: OfficeUser) -> Response:
    return render(request, "auth/admin_user_new.html",
                  {"roles": ROLE_LABELS, "departments": repo.departments(db), "form": {}})


@router.post("/users")
def create_user(
    request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
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
        user = service.create_user(
            db, actor, clock, username=username.strip(), display_name=display_name, role=role,
            password=password, department_code=department_code or None,
            enterprise_uscc=enterprise_uscc or None)
    except HuiqiError as exc:
        return render(request, "auth/admin_user_new.html", {
            "roles": ROLE_LABELS, "departments": repo.departments(db), "form": form,
            "error": exc.message}, status_code=exc.status_code)
    return render(request, "auth/admin_password.html", {"user": user, "password": password,
                                                         "created": True})


@router.post("/users/{user_id}/reset-password")
def reset_password(
    request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser, user_id: int
) -> Response:
    user, password = _user(db, user_id), generate_password()
    service.set_password(db, actor, clock, user, password)
    return render(request, "auth/admin_password.html", {"user": user, "password": password})


@router.post("/users/{user_id}/unlock")
def unlock(
    request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser, user_id: int
) -> Response:
    user = _user(db, user_id)
    if service.unlock(db, actor, clock, user):
        flash(request, f"已解除 {user.username} 的锁定。")
    else:
        flash(request, f"{user.username} 当前没有被锁定。")
    return redirect(request, "/admin/users")


@router.post("/users/{user_id}/active")
def set_active(
    request: Request, db: DBSession, actor: OfficeUser, user_id: int,
    active: Annotated[bool, Form()] = False,
) -> Response:
    user = _user(db, user_id)
    service.set_active(db, actor, user, active)
    flash(request, f"已{'启用' if active else '停用'}账号 {user.username}。")
    return redirect(request, "/admin/users")


@router.get("/departments")
def departments(request: Request, db: DBSession, actor: OfficeUser) -> Response:
    return render(request, "auth/admin_departments.html", {"departments": repo.departments(db)})


@router.post("/departments")
def create_department(
    request: Request, db: DBSession, actor: OfficeUser,
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
