"""Office and department tools: windows and their QR codes, SMS invitations to rate a 办件,
and the 办不成事 window's intake (which becomes an appeal)."""

from __future__ import annotations

import io
from typing import Any

import segno
from fastapi import Request
from markupsafe import Markup
from starlette.responses import Response

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import CurrentUser
from huiqi.kit import web
from huiqi.kit.errors import HuiqiError, NotFound
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.models.user import Role
from huiqi.ratings import repository, service, webforms
from huiqi.ratings.vocab import CaseKind, Channel
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
register_nav(NavItem("评价窗口", "/ratings/windows", {Role.OFFICE, Role.DEPARTMENT}, order=37,
                     description="窗口二维码、短信评价邀请", group="监督评价"))
register_nav(NavItem("办不成事", "/ratings/cannot-do", {Role.OFFICE}, order=38,
                     description="办不成事窗口登记，转为诉求办理", group="监督评价"))


def _staff(actor: Actor) -> None:
    if actor.role not in (Role.OFFICE, Role.DEPARTMENT):
        raise NotFound("页面不存在，或您没有访问权限。")


def qr_svg(url: str) -> Markup:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True,
                                    title="评价二维码")
    return Markup(buffer.getvalue().decode())  # noqa: S704 - segno's own SVG, no user markup


def _windows_ctx(request: Request, db: Any, actor: Actor, values: dict[str, str],
                 error: str = "", link: str = "") -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    rows = []
    for w in service.windows(db, actor):
        url = base + service.qr_path(request.app.state.secret_key, w)
        rows.append((w, url, qr_svg(url)))
    return {"title": "评价窗口", "rows": rows, "values": values, "error": error, "link": link,
            "departments": repository.departments(db), "kinds": list(CaseKind),
            "channels": list(Channel), "office": actor.role is Role.OFFICE}


@router.get("/ratings/windows")
def windows_page(request: Request, db: DBSession, actor: CurrentUser) -> Response:
    _staff(actor)
    return render(request, "ratings/windows.html", _windows_ctx(request, db, actor, {}))


WINDOW_FIELDS = ("code", "name", "department", "place", "region", "items", "staff")


@router.post("/ratings/windows")
def create_window(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
                  form: FormDep) -> Response:
    values = {k: webforms.text(form, k) for k in WINDOW_FIELDS}
    try:
        service.create_window(db, actor, clock, code=values["code"], name=values["name"],
                              department=values["department"], place=values["place"],
                              region=values["region"], items=values["items"].splitlines(),
                              staff=service.parse_staff(values["staff"]))
    except HuiqiError as exc:
        if exc.status_code not in (409, 422):
            raise
        db.rollback()
        return render(request, "ratings/windows.html",
                      _windows_ctx(request, db, actor, values, exc.message), status_code=422)
    flash(request, f"已新增窗口「{values['name']}」，请打印二维码张贴在窗口。")
    return redirect(request, "/ratings/windows")


@router.post("/ratings/windows/{window_id:int}/rotate")
def rotate(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
           window_id: int) -> Response:
    service.rotate_qr(db, actor, clock, window_id)
    flash(request, "已更换二维码，旧二维码失效，请重新打印。")
    return redirect(request, "/ratings/windows")


INVITE_FIELDS = ("case_kind", "case_ref", "department", "channel", "item_name", "window_code",
                 "staff_no", "staff_name", "enterprise_uscc", "phone")


@router.post("/ratings/invite")
def invite(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
           form: FormDep) -> Response:
    _staff(actor)
    values = {k: webforms.text(form, k) for k in INVITE_FIELDS}
    if actor.role is Role.DEPARTMENT and actor.department_id is not None:
        dept = repository.department(db, actor.department_id)
        values["department"] = dept.code if dept else ""
    try:
        data = service.InviteIn(**{k: v or None for k, v in values.items()})  # type: ignore[arg-type]
        _, path = service.invite(db, actor, clock, request.app.state.secret_key, data,
                                 base_url=str(request.base_url))
    except HuiqiError as exc:
        if exc.status_code not in (409, 422, 429):
            raise
        db.rollback()
        return render(request, "ratings/windows.html",
                      _windows_ctx(request, db, actor, values, exc.message), status_code=422)
    link = str(request.base_url).rstrip("/") + path
    return render(request, "ratings/windows.html", _windows_ctx(request, db, actor, {}, "", link))


# --- 办不成事 -------------------------------------------------------------------------------------

CANNOT_FIELDS = ("enterprise_uscc", "enterprise_name", "contact_name", "contact_phone", "matter",
                 "description", "place")


@router.get("/ratings/cannot-do")
def cannot_do_page(request: Request, actor: CurrentUser) -> Response:
    if actor.role is not Role.OFFICE:
        raise NotFound("页面不存在，或您没有访问权限。")
    return render(request, "ratings/cannot_do.html", {"title": "办不成事窗口", "values": {}})


@router.post("/ratings/cannot-do")
def cannot_do(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
              form: FormDep) -> Response:
    values = {k: webforms.text(form, k) for k in CANNOT_FIELDS}
    try:
        appeal = service.record_cannot_do(db, actor, clock, service.CannotDoIn(**values))
    except HuiqiError as exc:
        if exc.status_code != 422:
            raise
        db.rollback()
        return render(request, "ratings/cannot_do.html", {
            "title": "办不成事窗口", "values": values, "error": exc.message}, status_code=422)
    flash(request, f"已登记并转为诉求 #{appeal.id}，营商办将交办责任部门。")
    return redirect(request, f"/appeals/{appeal.id}")
