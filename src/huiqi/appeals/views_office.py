"""The office's appeals tools: 政企恳谈会 batch entry, 12345 import, categories and deadline rules,
holiday overrides, 营商前哨 and 包联 lists. The auditor reads these pages; only the office acts."""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from huiqi.appeals import categories, pages, service, webforms
from huiqi.appeals.intake import AppealIn, MeetingIn
from huiqi.auth.dependencies import CurrentUser, ExportLimited, OfficeUser
from huiqi.kit import numbers, web
from huiqi.kit.errors import HuiqiError, NotFound, ValidationFailed
from huiqi.kit.excel import xlsx_response
from huiqi.kit.imports import errors_xlsx
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.models.user import Role
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
register_nav(NavItem("诉求工具", "/appeals/tools", {Role.OFFICE, Role.AUDITOR}, order=32,
                     description="政企恳谈会录入、12345导入、类别时限、节假日、营商前哨、包联",
                     group="诉求办理"))
MAX_IMPORT_BYTES = 20 * 1024 * 1024
ROW_FIELDS = ("enterprise_uscc", "category", "title", "description", "contact_name")


def _reader(actor: Any) -> None:
    if actor.role not in (Role.OFFICE, Role.AUDITOR):
        raise NotFound("页面不存在，或您没有访问权限。")


@router.get("/appeals/tools")
def tools(request: Request, db: DBSession, actor: CurrentUser) -> Response:
    _reader(actor)
    return render(request, "appeals/tools.html", {
        "title": "诉求工具", "meetings": pages.meetings(db), "batches": pages.import_batches(db),
        "links": pages.liaison_links(db), "liaisons": pages.liaison_users(db)})


# --- 政企恳谈会 ---------------------------------------------------------------------------------

def _meeting_context(db: DBSession, values: dict[str, str], rows: list[dict[str, str]],
                     error: str = "") -> dict[str, Any]:
    return {"title": "录入政企恳谈会", "values": values, "rows": rows or [{}, {}, {}],
            "categories": categories.list_categories(db), "error": error}


@router.get("/appeals/meetings/new")
def meeting_page(request: Request, db: DBSession, actor: OfficeUser) -> Response:
    return render(request, "appeals/meeting.html", _meeting_context(db, {}, []))


@router.get("/appeals/meetings/row")
def meeting_row(request: Request, db: DBSession, actor: OfficeUser) -> Response:
    """One more empty appeal row (htmx appends it to the form); ids made unique at random."""
    return render(request, "appeals/_meeting_row.html", {
        "row": {}, "n": secrets.token_hex(3), "categories": categories.list_categories(db)})


def _rows(form: FormData) -> list[dict[str, str]]:
    columns = {k: [str(v) for v in form.getlist(f"row_{k}")] for k in ROW_FIELDS}
    count = max((len(v) for v in columns.values()), default=0)
    rows = [{k: (columns[k][i].strip() if i < len(columns[k]) else "") for k in ROW_FIELDS}
            for i in range(count)]
    return [r for r in rows if any(r.values())]


@router.post("/appeals/meetings")
def meeting_save(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                 form: FormDep) -> Response:
    values = {k: webforms.text(form, k) for k in ("title", "held_on", "location", "host",
                                                  "notes")}
    rows = _rows(form)
    try:
        meeting, appeals = service.record_meeting(db, actor, clock, _meeting_in(values, rows))
    except HuiqiError as exc:
        db.rollback()
        return render(request, "appeals/meeting.html",
                      _meeting_context(db, values, rows, exc.message), status_code=422)
    flash(request, f"已录入政企恳谈会及 {len(appeals)} 条诉求，待交办。")
    return redirect(request, f"/appeals?meeting_id={meeting.id}&status=submitted")


def _meeting_in(values: dict[str, str], rows: list[dict[str, str]]) -> MeetingIn:
    try:
        held_on = date.fromisoformat(values["held_on"])
    except ValueError:
        raise ValidationFailed("请填写会议日期，如 2025-06-05。") from None
    return MeetingIn(title=values["title"], held_on=held_on,
                     location=values["location"] or None, host=values["host"] or None,
                     notes=values["notes"] or None,
                     appeals=[AppealIn(**{k: v or None for k, v in r.items()})  # type: ignore[arg-type]
                              for r in rows])


# --- 12345 import -----------------------------------------------------------------------------

@router.get("/appeals/import")
def import_page(request: Request, db: DBSession, actor: CurrentUser) -> Response:
    _reader(actor)
    return render(request, "appeals/import.html", {
        "title": "导入12345热线工单", "batch": None, "batches": pages.import_batches(db)})


@router.post("/appeals/import", max_body_size=MAX_IMPORT_BYTES + 1024 * 1024)
def import_upload(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                  form: FormDep) -> Response:
    f = form.get("file")
    if not isinstance(f, UploadFile) or not f.filename:
        raise ValidationFailed("请选择要导入的 Excel 或 CSV 文件。")
    data = f.file.read(MAX_IMPORT_BYTES + 1)  # in the thread: a large upload is on disk
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationFailed("导入文件不能超过 20 MB，请拆分后导入。")
    result = service.import_hotline(db, actor, clock, f.filename, data)
    return render(request, "appeals/import.html", {
        "title": "导入12345热线工单", "batch": result.batch, "result": result,
        "batches": pages.import_batches(db)})


@router.get("/appeals/import/{batch_id:int}")
def import_batch(request: Request, db: DBSession, actor: CurrentUser, batch_id: int
                 ) -> Response:
    _reader(actor)
    batch = pages.import_batch(db, batch_id)
    if batch is None:
        raise NotFound("导入批次不存在。")
    return render(request, "appeals/import.html", {
        "title": "导入12345热线工单", "batch": batch, "batches": pages.import_batches(db)})


@router.get("/appeals/import/{batch_id:int}/errors.xlsx")
def import_errors_xlsx(export_limit: ExportLimited, db: DBSession, actor: CurrentUser,
                       batch_id: int) -> Response:
    """The batch's refused rows: 行号, 原因, 错误代码."""
    _reader(actor)
    batch = pages.import_batch(db, batch_id)
    if batch is None:
        raise NotFound("导入批次不存在。")
    return xlsx_response(f"热线工单导入错误报告-{batch.id}.xlsx", errors_xlsx(batch.errors))


# --- categories and holidays ------------------------------------------------------------------

def _int(form: FormData, name: str, label: str) -> int:
    value = webforms.text(form, name)
    if not re.fullmatch(r"-?[0-9]{1,6}", value):
        raise ValidationFailed(f"「{label}」应为整数个工作日，收到「{value[:20]}」。")
    return int(value)


def _departments(form: FormData) -> list[str]:
    return [str(v) for v in form.getlist("usual_departments") if str(v).strip()]


@router.get("/appeals/categories")
def category_page(request: Request, db: DBSession, actor: CurrentUser) -> Response:
    _reader(actor)
    return render(request, "appeals/categories.html", {
        "title": "诉求类别与办理时限",
        "categories": categories.list_categories(db, active_only=False),
        "departments": webforms.department_codes(db)})


@router.post("/appeals/categories")
def category_create(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                    form: FormDep) -> Response:
    row = categories.create_category(
        db, actor, clock, code=webforms.text(form, "code"), name=webforms.text(form, "name"),
        sign_within_workdays=_int(form, "sign_within_workdays", "签收时限"),
        resolve_within_workdays=_int(form, "resolve_within_workdays", "办结时限"),
        usual_departments=_departments(form),
        description=webforms.text(form, "description") or None)
    flash(request, f"已新增类别「{row.name}」。")
    return redirect(request, "/appeals/categories")


@router.post("/appeals/categories/{category_id:int}")
def category_update(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                    category_id: int, form: FormDep) -> Response:
    row = categories.update_category(
        db, actor, clock, category_id, name=webforms.text(form, "name") or None,
        sign_within_workdays=_int(form, "sign_within_workdays", "签收时限"),
        resolve_within_workdays=_int(form, "resolve_within_workdays", "办结时限"),
        usual_departments=_departments(form), active=form.get("active") == "1")
    flash(request, f"已保存类别「{row.name}」。")
    return redirect(request, "/appeals/categories")


@router.get("/appeals/holidays")
def holiday_page(request: Request, db: DBSession, actor: CurrentUser) -> Response:
    _reader(actor)
    return render(request, "appeals/holidays.html", {
        "title": "节假日与调休", "overrides": categories.list_overrides(db)})


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"日期应形如 2025-10-01，收到「{value}」。") from None


@router.post("/appeals/holidays")
def holiday_set(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                form: FormDep) -> Response:
    day = _day(webforms.text(form, "day"))
    kind = webforms.text(form, "kind")
    categories.set_override(db, actor, clock, day, kind, webforms.text(form, "note") or None)
    label = "节假日" if kind == "holiday" else "调休工作日"
    flash(request, f"已将 {day.isoformat()} 设为{label}。")
    return redirect(request, "/appeals/holidays")


@router.post("/appeals/holidays/{day}/delete")
def holiday_remove(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                   day: str) -> Response:
    categories.remove_override(db, actor, clock, _day(day))
    flash(request, f"已删除 {day} 的人工设置。")
    return redirect(request, "/appeals/holidays")


# --- 营商前哨 and 包联 --------------------------------------------------------------------------

@router.get("/appeals/sentinels")
def sentinel_page(request: Request, db: DBSession, actor: CurrentUser) -> Response:
    _reader(actor)
    return render(request, "appeals/sentinels.html", {
        "title": "营商前哨企业", "sentinels": pages.sentinels(db)})


@router.post("/appeals/sentinels")
def sentinel_set(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                 form: FormDep) -> Response:
    uscc, on = webforms.text(form, "uscc"), form.get("on") != "0"
    service.set_sentinel(db, actor, clock, uscc, on=on, note=webforms.text(form, "note") or None)
    flash(request, f"已{'设为' if on else '取消'}营商前哨企业：{uscc}。")
    return redirect(request, "/appeals/sentinels")


@router.post("/appeals/liaisons")
def liaison_set(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                form: FormDep) -> Response:
    user = webforms.text(form, "user_id")
    if not numbers.is_id(user):
        raise ValidationFailed("请选择服务专员。")
    on = form.get("on") != "0"
    service.assign_liaison(db, actor, clock, int(user), webforms.text(form, "uscc"), on=on)
    flash(request, "已更新包联名单。")
    return redirect(request, "/appeals/tools")
