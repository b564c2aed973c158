"""招商项目 pages: the list, registering and importing projects (office), one project's countdown
table with its forms (agent, office), print and Excel, and the rates page (views_rates.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import ExportLimited
from huiqi.kit import numbers, web
from huiqi.kit.clock import Clock
from huiqi.kit.errors import HuiqiError, NotFound, ValidationFailed
from huiqi.kit.excel import xlsx_response
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.models.user import Role
from huiqi.projects import repository as repo
from huiqi.projects import service, views_rates
from huiqi.projects.auth import ProjectReader, ProjectWriter
from huiqi.ui.dashboard import Panel, register_panel
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
router.include_router(views_rates.router)
register_nav(NavItem("招商项目", "/projects", {Role.OFFICE, Role.AUDITOR}, order=40,
                     description="全部招商项目的倒计时作战表：登记、导入、超期与受阻",
                     group="服务企业"))
register_nav(NavItem("我的代办项目", "/projects", {Role.AGENT}, order=10,
                     description="一个项目、一名代办员、一张倒计时作战表、一周跟踪进度",
                     group="服务企业"))
register_nav(NavItem("受阻环节诉求", "/appeals", {Role.AGENT}, order=20,
                     description="为受阻环节向责任部门提出的诉求：交办、签收、答复进度",
                     group="诉求办理"))
register_nav(NavItem("牵头项目", "/projects", {Role.PROJECT_LEAD}, order=10,
                     description="五个一：牵头项目的进度、超期与受阻环节", group="服务企业"))
for _role in (Role.AGENT, Role.PROJECT_LEAD, Role.OFFICE):
    register_panel(Panel(_role, "projects/_home_panel.html", service.home_context, order=40))
MAX_UPLOAD = 5 * 1024 * 1024


def _office(actor: Actor) -> None:
    if actor.role is not Role.OFFICE:
        raise NotFound("页面不存在，或您没有访问权限。")


def _date(value: str, label: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"「{label}」应为日期，如 2026-03-05，收到「{text}」。") from None


def _text(form: Any, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


# --- list, export ---------------------------------------------------------------------------

@router.get("/projects")
def project_list(request: Request, db: DBSession, clock: ClockDep, actor: ProjectReader,
                 region: str = "", q: str = "", late: str = "", unreported: str = ""
                 ) -> Response:
    items = service.summaries(db, actor, clock, region=region, q=q, only_late=late == "1",
                              unreported=unreported == "1")
    titles = {Role.AGENT: "我的代办项目", Role.PROJECT_LEAD: "牵头项目"}
    return render(request, "projects/list.html", {
        "title": titles.get(actor.role, "招商项目") if actor.role else "招商项目",
        "items": items, "regions": service.REGIONS,
        "query": {"region": region, "q": q, "late": late, "unreported": unreported},
        "office": actor.role is Role.OFFICE})


@router.get("/projects/export.xlsx")
def export_list(export_limit: ExportLimited,
                db: DBSession, clock: ClockDep, actor: ProjectReader, region: str = "",
                q: str = "", late: str = "") -> Response:
    items = service.summaries(db, actor, clock, region=region, q=q, only_late=late == "1")
    return xlsx_response(f"招商项目台账-{clock.today_local().isoformat()}.xlsx",
                         service.list_xlsx(items, service.REGIONS))


# --- registering and importing (office) -----------------------------------------------------

FIELDS = ("name", "enterprise_name", "enterprise_uscc", "region", "signed_on", "project_type",
          "industry_code", "amount", "land_mu", "agent", "secretary", "lead", "note")


def _new_context(db: DBSession, values: dict[str, str], error: str = "") -> dict[str, Any]:
    return {"title": "登记招商项目", "values": values, "error": error,
            "types": service.load_types(), "regions": service.REGIONS,
            "agents": repo.users_by_role(db, Role.AGENT),
            "leads": repo.users_by_role(db, Role.PROJECT_LEAD)}


@router.get("/projects/new")
def new_page(request: Request, db: DBSession, clock: ClockDep, actor: ProjectWriter
             ) -> Response:
    _office(actor)
    values = {"signed_on": clock.today_local().isoformat(), "project_type": "industrial"}
    return render(request, "projects/new.html", _new_context(db, values))


@router.post("/projects/new")
def create(request: Request, db: DBSession, clock: ClockDep, actor: ProjectWriter,
           form: FormDep) -> Response:
    _office(actor)
    values = {k: _text(form, k) for k in FIELDS}
    try:
        signed = _date(values["signed_on"], "签约日期")
        if signed is None:
            raise ValidationFailed("请填写签约日期。")
        v = {k: x or None for k, x in values.items()}
        data = service.ProjectIn(
            name=values["name"], enterprise_name=values["enterprise_name"],
            region=values["region"], signed_on=signed,
            project_type=values["project_type"] or "industrial",
            enterprise_uscc=v["enterprise_uscc"], industry_code=v["industry_code"],
            amount=v["amount"], land_mu=v["land_mu"], agent=v["agent"],
            secretary=v["secretary"], lead=v["lead"], note=v["note"])
        project = service.create_project(
            db, actor, clock, data, service.load_types(web.settings_of(request).data_dir))
    except HuiqiError as exc:
        db.rollback()
        return render(request, "projects/new.html", _new_context(db, values, exc.message),
                      status_code=422)
    flash(request, f"项目已登记，倒计时作战表已按「{data.project_type}」模板生成。")
    return redirect(request, f"/projects/{project.id}")


@router.get("/projects/import")
def import_page(request: Request, actor: ProjectWriter) -> Response:
    _office(actor)
    return render(request, "projects/import.html", {"title": "导入招商项目", "result": None,
                                                    "columns": service.import_columns()})


@router.post("/projects/import", max_body_size=MAX_UPLOAD)
def import_upload(request: Request, db: DBSession, clock: ClockDep, actor: ProjectWriter,
                  form: FormDep) -> Response:
    _office(actor)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ValidationFailed("请选择要导入的 .xlsx 或 .csv 文件。")
    result = service.import_file(db, actor, clock, upload.filename, upload.file.read())
    status = 422 if result.errors and not result.imported else 200
    return render(request, "projects/import.html", {
        "title": "导入招商项目", "result": result, "filename": upload.filename,
        "columns": service.import_columns()}, status_code=status)


@router.post("/projects/import/errors.xlsx", max_body_size=MAX_UPLOAD)
def import_errors_xlsx(export_limit: ExportLimited, actor: ProjectWriter, form: FormDep
                       ) -> Response:
    """The refused rows of the import just shown (sent back by its page): the rows as read,
    错误原因 and 错误代码."""
    _office(actor)
    result = service.report_from_json(str(form.get("report") or ""))
    return xlsx_response("招商项目导入错误报告.xlsx", result.errors_xlsx())


# --- one project ----------------------------------------------------------------------------

def _detail(request: Request, db: DBSession, clock: Clock, actor: Actor, project_id: int,
            error: str = "", status_code: int = 200) -> Response:
    t = service.table(db, actor, clock, project_id)
    return render(request, "projects/detail.html", {
        "title": t.project.name, "t": t, "error": error, "today": clock.today_local(),
        "gantt": service.gantt_option(t, clock.today_local()),
        "region": service.REGIONS.get(t.project.region, t.project.region),
        "type_label": _type_label(t.project.project_type),
        "can_record": actor.role in (Role.OFFICE, Role.AGENT),
        "office": actor.role is Role.OFFICE,
        "categories": appeals.list_categories(db),
        "departments": repo.departments(db) if actor.role is Role.OFFICE else [],
        "agents": repo.users_by_role(db, Role.AGENT) if actor.role is Role.OFFICE else [],
        "leads": repo.users_by_role(db, Role.PROJECT_LEAD) if actor.role is Role.OFFICE
        else []}, status_code=status_code)


def _type_label(key: str) -> str:
    try:
        found = service.load_types().get(key)
    except HuiqiError:
        found = None
    return found.label if found else key


@router.get("/projects/{project_id:int}")
def detail(request: Request, db: DBSession, clock: ClockDep, actor: ProjectReader,
           project_id: int) -> Response:
    return _detail(request, db, clock, actor, project_id)


@router.get("/projects/{project_id:int}/print")
def print_page(request: Request, db: DBSession, clock: ClockDep, actor: ProjectReader,
               project_id: int) -> Response:
    t = service.table(db, actor, clock, project_id)
    return render(request, "projects/print.html", {
        "title": f"{t.project.name} 倒计时作战表", "t": t, "printed_at": clock.now(),
        "region": service.REGIONS.get(t.project.region, t.project.region)})


@router.get("/projects/{project_id:int}/table.xlsx")
def table_xlsx(export_limit: ExportLimited,
               db: DBSession, clock: ClockDep, actor: ProjectReader, project_id: int
               ) -> Response:
    t = service.table(db, actor, clock, project_id)
    return xlsx_response(f"{t.project.name}-倒计时作战表.xlsx", service.table_xlsx(t))


def _act(request: Request, db: DBSession, clock: Clock, actor: Actor, project_id: int,
         done: str, action: Any) -> Response:
    """Run a change; a refused one re-renders the table with the message (422 or its status)."""
    try:
        action()
    except HuiqiError as exc:
        if isinstance(exc, NotFound):
            raise
        db.rollback()
        return _detail(request, db, clock, actor, project_id, exc.message, exc.status_code)
    flash(request, done)
    return redirect(request, f"/projects/{project_id}")


@router.post("/projects/{project_id:int}/steps/{step_id:int}")
def record(request: Request, db: DBSession, clock: ClockDep, actor: ProjectWriter,
           project_id: int, step_id: int, form: FormDep) -> Response:
    def run() -> None:
        service.record_dates(db, actor, clock, project_id, step_id,
                             _date(_text(form, "started_on"), "开始日期"),
                             _date(_text(form, "done_on"), "完成日期"))
    return _act(request, db, clock, actor, project_id, "环节日期已登记。", run)


@router.post("/projects/{project_id:int}/steps/{step_id:int}/block")
def block(request: Request, db: DBSession, clock: ClockDep, actor: ProjectWriter,
          project_id: int, step_id: int, form: FormDep) -> Response:
    def run() -> None:
        service.block(db, actor, clock, project_id, step_id, _text(form, "reason"),
                      _text(form, "category") or None)
    return _act(request, db, clock, actor, project_id,
                "已标为受阻，并向责任部门提出诉求。", run)


@router.post("/projects/{project_id:int}/steps/{step_id:int}/unblock")
def unblock(request: Request, db: DBSession, clock: ClockDep, actor: ProjectWriter,
            project_id: int, step_id: int) -> Response:
    return _act(request, db, clock, actor, project_id, "已解除受阻。",
                lambda: service.unblock(db, actor, clock, project_id, step_id))


@router.post("/projects/{project_id:int}/steps/{step_id:int}/adjust")
def adjust(request: Request, db: DBSession, clock: ClockDep, actor: ProjectWriter,
           project_id: int, step_id: int, form: FormDep) -> Response:
    _office(actor)

    def run() -> None:
        limit = _text(form, "limit_workdays")
        service.adjust(db, actor, clock, project_id, step_id,
                       department=_text(form, "department") or None,
                       limit_workdays=numbers.parse_int(limit, "时限（工作日）", hi=1000)
                       if limit else None)
    return _act(request, db, clock, actor, project_id, "环节已调整，计划日期已重算。", run)


@router.post("/projects/{project_id:int}/progress")
def progress(request: Request, db: DBSession, clock: ClockDep, actor: ProjectWriter,
             project_id: int, form: FormDep) -> Response:
    return _act(request, db, clock, actor, project_id, "本周进度已填写。",
                lambda: service.add_progress(db, actor, clock, project_id,
                                             _text(form, "note")))


@router.post("/projects/{project_id:int}/assign")
def assign(request: Request, db: DBSession, clock: ClockDep, actor: ProjectWriter,
           project_id: int, form: FormDep) -> Response:
    _office(actor)
    return _act(request, db, clock, actor, project_id, "人员已指派。",
                lambda: service.assign(db, actor, clock, project_id,
                                       agent=_text(form, "agent"),
                                       secretary=_text(form, "secretary"),
                                       lead=_text(form, "lead")))
