"""Appeals (诉求) pages: the list for each role, raising an appeal, the detail page with the
actions the state machine allows, attachments, merging duplicates.

Office tools (meetings, 12345 import, categories, holidays, 营商前哨) are in views_office.py, the
four lists in views_lists.py, rates and trends in views_rates.py; all included here, so the app
lists one module.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from markupsafe import escape
from starlette.datastructures import FormData, UploadFile
from starlette.responses import FileResponse, HTMLResponse, Response

from huiqi.appeals import (
    attachments,
    categories,
    pages,
    pii,
    records,
    service,
    views_lists,
    views_office,
    views_rates,
    webforms,
)
from huiqi.appeals.endpoints import UPLOAD_BODY_LIMIT
from huiqi.appeals.vocab import AppealAction, AppealStatus, Source
from huiqi.auth.dependencies import CurrentUser
from huiqi.kit import numbers, web
from huiqi.kit.errors import HuiqiError, NotFound
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.web import ClockDep, DBSession, FormDep, is_htmx
from huiqi.models.user import Role
from huiqi.ui.dashboard import Panel, register_panel
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
for sub in (views_office, views_lists, views_rates):
    router.include_router(sub.router)

ENT, DEPT, LIAISON, OFFICE, AUDITOR = (Role.ENTERPRISE, Role.DEPARTMENT, Role.LIAISON,
                                       Role.OFFICE, Role.AUDITOR)
register_nav(NavItem("我的诉求", "/appeals", {ENT}, order=30,
                     description="提出诉求、查看办理进度、确认办理结果", group="诉求办理"))
register_nav(NavItem("包联企业诉求", "/appeals", {LIAISON}, order=30,
                     description="代包联企业提出诉求、跟踪办理、回访", group="诉求办理"))
register_nav(NavItem("诉求办理", "/appeals", {DEPT}, order=30,
                     description="交办给本部门的诉求：签收、办理、答复，退单与延期",
                     group="诉求办理"))
register_nav(NavItem("诉求台账", "/appeals", {OFFICE, AUDITOR, Role.LEADER}, order=30,
                     description="全部诉求：交办、审批退单与延期、专班、回访销号",
                     group="诉求办理"))
for role in (ENT, DEPT, LIAISON, OFFICE):
    register_panel(Panel(role, "appeals/_home_panel.html", pages.home_context, order=30))

SUBMITTERS = (ENT, LIAISON, OFFICE)
TITLES = {ENT: "我的诉求", LIAISON: "包联企业诉求", DEPT: "诉求办理",
          Role.AGENT: "受阻环节诉求"}
MAX_FILES_AT_SUBMIT = 5


# --- lists ------------------------------------------------------------------------------------

@router.get("/appeals")
def appeal_list(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
                params: PageQuery) -> Response:
    query = webforms.query_of(request)
    page = paginate(db, service.list_query(actor, webforms.appeal_filter(query)), params)
    overrides = categories.overrides(db)
    rows = [(a, service.clocks(a, clock.now(), overrides)) for a in page.items]
    return render(request, "appeals/list.html", {
        "title": TITLES.get(actor.role, "诉求台账"), "page": page, "rows": rows,
        "query": query, "statuses": list(AppealStatus), "sources": list(Source),
        "categories": categories.list_categories(db, active_only=False),
        "departments": webforms.department_options(db),
        "can_submit": actor.role in SUBMITTERS,
        "staff": actor.role in (OFFICE, AUDITOR, DEPT, LIAISON)})


# --- raising an appeal ------------------------------------------------------------------------

def _submitter(actor: Any) -> None:
    if actor.role not in SUBMITTERS:
        raise NotFound("页面不存在，或您没有访问权限。")


def _new_context(db: DBSession, actor: Any, values: dict[str, str], error: str = ""
                 ) -> dict[str, Any]:
    mine = pages.liaison_enterprises(db, actor) if actor.role is LIAISON else []
    office_sources = [s for s in Source
                      if s not in (Source.ONLINE, Source.ROUNDTABLE, Source.PROJECT)]
    return {"title": "提交诉求", "categories": categories.list_categories(db),
            "enterprises": mine, "values": values, "error": error,
            "sources": office_sources if actor.role is OFFICE else []}


@router.get("/appeals/new")
def new_page(request: Request, db: DBSession, actor: CurrentUser, uscc: str = "") -> Response:
    _submitter(actor)
    return render(request, "appeals/new.html", _new_context(db, actor, {"enterprise_uscc": uscc}))


FIELDS = ("category", "title", "description", "enterprise_uscc", "enterprise_name", "source",
          "contact_name", "contact_phone", "address")


@router.post("/appeals/new", max_body_size=MAX_FILES_AT_SUBMIT * UPLOAD_BODY_LIMIT)
def submit(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
           form: FormDep) -> Response:
    _submitter(actor)
    values = {k: webforms.text(form, k) for k in FIELDS}
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    try:
        appeal_id = _submit(db, clock, actor, values, files, request.app.state.settings)
    except HuiqiError as exc:
        db.rollback()
        ctx = _new_context(db, actor, values, exc.message)
        return render(request, "appeals/new.html", ctx, status_code=422)
    flash(request, f"诉求已提交（编号 #{appeal_id}），营商办将尽快交办。")
    return redirect(request, f"/appeals/{appeal_id}")


def _submit(db: DBSession, clock: ClockDep, actor: Any, values: dict[str, str],
            files: list[UploadFile], settings: Any) -> int:
    if len(files) > MAX_FILES_AT_SUBMIT:
        raise webforms.ValidationFailed(f"提交时最多上传 {MAX_FILES_AT_SUBMIT} 个附件。")
    data = service.AppealIn(**{k: v or None for k, v in values.items()})  # type: ignore[arg-type]
    appeal = service.submit(db, actor, clock, data)
    for f in files:
        attachments.add(db, actor, clock, settings, appeal.id, f.filename or "", f.file)
    return appeal.id


# --- detail and actions -----------------------------------------------------------------------

@router.get("/appeals/{appeal_id:int}")
def detail(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
           appeal_id: int) -> Response:
    view = service.detail(db, actor, appeal_id, clock)
    ctx: dict[str, Any] = {
        "title": f"诉求 #{appeal_id}", "v": view, "a": view.appeal,
        "status": AppealStatus(view.appeal.status), "source": Source(view.appeal.source),
        "forms": [(act, webforms.action_fields(act)) for act in view.actions
                  if act is not AppealAction.DISPATCH],
        "danger": webforms.DANGER, "kind_label": records.kind_label,
        "A": AppealAction}
    if AppealAction.DISPATCH in view.actions:
        ctx["suggestion"] = service.suggest_dispatch(db, actor, appeal_id, clock)
        ctx["departments"] = webforms.department_names(db)
    if actor.role is OFFICE and view.appeal.status != AppealStatus.CLOSED.value:
        ctx["duplicates"] = service.possible_duplicates(db, actor, appeal_id)
    return render(request, "appeals/detail.html", ctx)


@router.post("/appeals/{appeal_id:int}/do/{action}")
def act(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser, appeal_id: int,
        action: str, form: FormDep) -> Response:
    """Without JS: POST + redirect (a refusal shows the error page). With htmx: a 422 gives
    the form back with the message and what was typed; a 403/409 is a toast (the error
    handler), the form left untouched."""
    chosen = webforms.action_of(action)
    try:
        payload = webforms.payload_from_form(chosen, form)
        service.act(db, actor, clock, appeal_id, chosen, payload)
    except HuiqiError as exc:
        if not is_htmx(request) or exc.status_code != 422:
            raise
        db.rollback()
        return _form_again(request, db, clock, actor, appeal_id, chosen, form, exc.message)
    flash(request, f"已{chosen.label}。")
    return redirect(request, f"/appeals/{appeal_id}")


def _form_again(request: Request, db: DBSession, clock: ClockDep, actor: Any, appeal_id: int,
                chosen: AppealAction, form: FormData, error: str) -> Response:
    """The refused action's form, re-rendered at 422 with the message and the typed values."""
    view = service.detail(db, actor, appeal_id, clock)
    values: dict[str, Any] = {k: webforms.text(form, k) for k in form}
    ctx: dict[str, Any] = {"a": view.appeal, "act": chosen, "danger": webforms.DANGER,
                           "values": values, "error": error}
    if chosen is AppealAction.DISPATCH:
        values["co_departments"] = [str(v) for v in form.getlist("co_departments")]
        ctx.update(suggestion=service.suggest_dispatch(db, actor, appeal_id, clock),
                   departments=webforms.department_names(db))
        return render(request, "appeals/_dispatch_form.html", ctx, status_code=422)
    ctx["fields"] = webforms.action_fields(chosen)
    return render(request, "appeals/_action_form.html", ctx, status_code=422)


@router.post("/appeals/{appeal_id:int}/attachments", max_body_size=UPLOAD_BODY_LIMIT)
def upload(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser, appeal_id: int,
           form: FormDep) -> Response:
    f = form.get("file")
    if not isinstance(f, UploadFile) or not f.filename:
        raise webforms.ValidationFailed("请选择要上传的文件。")
    row = attachments.add(db, actor, clock, request.app.state.settings, appeal_id, f.filename,
                          f.file)
    flash(request, f"已上传“{row.original_filename}”。")
    return redirect(request, f"/appeals/{appeal_id}")


@router.get("/appeals/attachments/{attachment_id:int}")
def download(request: Request, db: DBSession, actor: CurrentUser, attachment_id: int
             ) -> Response:
    row, path = attachments.open_file(db, actor, request.app.state.settings, attachment_id)
    return FileResponse(path, media_type=row.content_type, filename=row.original_filename,
                        headers={"X-Content-Type-Options": "nosniff",
                                 "Content-Security-Policy": "sandbox"})


@router.post("/appeals/{appeal_id:int}/merge")
def merge(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser, appeal_id: int,
          form: FormDep) -> Response:
    """Merge duplicate `dup` into this appeal (the office)."""
    dup = webforms.text(form, "duplicate_id")
    if not numbers.is_id(dup):
        raise webforms.ValidationFailed("请选择要合并的重复诉求。")
    service.merge(db, actor, clock, int(dup), appeal_id, webforms.text(form, "note") or None)
    flash(request, f"已将诉求 #{dup} 作为重复诉求合并到本诉求。")
    return redirect(request, f"/appeals/{appeal_id}")


@router.post("/appeals/{appeal_id}/reveal-phone")
def reveal_phone(db: DBSession, actor: CurrentUser, appeal_id: int) -> Response:
    """显示完整号码: the full contact phone (audited), replacing the masked one."""
    value = pii.reveal_contact_phone(db, actor, appeal_id)
    return HTMLResponse(f'<span class="pii">{escape(value)}</span>')
