"""The office edits the project stage templates in the browser: the list of project types with
their steps, and per type a form of its steps (name, responsible department, time limit in
working days) with the errors beside each field. Projects already registered keep their steps."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from huiqi.auth.dependencies import OfficeUser
from huiqi.kit import web
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.kit.web import DBSession, FormDep
from huiqi.models.user import Role
from huiqi.projects import service
from huiqi.projects.templates import KINDS, ProjectType
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
register_nav(NavItem("项目环节模板", "/projects/templates", {Role.OFFICE}, order=42,
                     description="各类招商项目的环节、责任部门和时限（工作日）",
                     group="服务企业"))


def _type(request: Request, key: str) -> ProjectType:
    found = service.load_types(web.settings_of(request).data_dir).get(key)
    if found is None:
        raise NotFound("未找到该项目类型。")
    return found


@router.get("/projects/templates")
def template_list(request: Request, actor: OfficeUser) -> Response:
    return render(request, "projects/templates.html",
                  {"types": service.load_types(web.settings_of(request).data_dir),
                   "kinds": KINDS})


def _form(request: Request, t: ProjectType, values: list[dict[str, str]],
          errors: dict[str, str], message: str = "", status_code: int = 200) -> Response:
    return render(request, "projects/template_edit.html",
                  {"t": t, "rows": list(zip(t.steps, values, strict=True)), "errors": errors,
                   "message": message, "kinds": KINDS}, status_code=status_code)


@router.get("/projects/templates/{key}")
def template_edit(request: Request, actor: OfficeUser, key: str) -> Response:
    t = _type(request, key)
    values = [{"name": s.name, "department": s.department, "workdays": str(s.workdays)}
              for s in t.steps]
    return _form(request, t, values, {})


@router.post("/projects/templates/{key}")
def template_save(request: Request, db: DBSession, actor: OfficeUser, key: str,
                  form: FormDep) -> Response:
    t = _type(request, key)
    values = [{f: str(form.get(f"{f}_{i}") or "") for f in ("name", "department", "workdays")}
              for i in range(len(t.steps))]
    try:
        service.save_template(db, actor, web.settings_of(request).data_dir, key, values)
    except ValidationFailed as exc:
        db.rollback()
        errors: dict[str, Any] = dict(exc.details) if isinstance(exc.details, dict) else {}
        return _form(request, t, values, errors, exc.message, status_code=422)
    flash(request, f"「{t.label}」的环节模板已保存：新登记的项目按新模板生成计划，已登记项目不变。")
    return redirect(request, "/projects/templates")
