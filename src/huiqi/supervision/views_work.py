"""Catalog and credit pages (officials), inspection work (inspectors, supervisors, office) and
the enterprise's own inspections."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import FileResponse
from starlette.responses import Response

from huiqi.auth.dependencies import EnterpriseUser, ExportLimited
from huiqi.kit import web
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.kit.excel import workbook_bytes, xlsx_response
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.models.supervision import Inspection
from huiqi.models.user import Role
from huiqi.supervision import access, catalogs, credit, results
from huiqi.supervision import repository as repo
from huiqi.supervision.sheets import split_list
from huiqi.supervision.vocab import FIELDS, QUIET_EXCEPTIONS, Outcome
from huiqi.supervision.webforms import (
    Official,
    Planner,
    Viewer,
    day,
    optional_day,
    text,
    upload,
)
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
UPLOAD_LIMIT = 12 * 1024 * 1024
OFFICIALS = {Role.OFFICE, Role.SUPERVISOR, Role.INSPECTOR}
register_nav(NavItem("监管清单", "/supervision/catalogs", OFFICIALS,
                     order=61, description="抽查事项清单、执法人员名录库、包容免罚清单",
                     group="监督评价"))
register_nav(NavItem("企业信用等级", "/supervision/credit", OFFICIALS, order=62,
                     description="分领域信用等级、历史与信用修复、包容期", group="监督评价"))
register_nav(NavItem("检查任务", "/supervision/inspections", OFFICIALS, order=63,
                     description="抽中的检查、记录结果、包容免罚告知、整改与公示",
                     group="监督评价"))
register_nav(NavItem("受检记录", "/supervision/mine", {Role.ENTERPRISE}, order=70,
                     description="本企业被抽查的记录、结果与整改要求", group="监督评价"))

KINDS = {"items": "抽查事项清单", "officers": "执法人员名录库", "exemptions": "包容免罚清单"}


@router.get("/supervision/catalogs")
def catalogs_page(request: Request, db: DBSession, actor: Official) -> Response:
    """Planners maintain their department's lists; inspectors read them (read-only)."""
    scope = access.departments_of(actor)
    return render(request, "supervision/catalogs.html", {
        "title": "监管清单", "may_edit": actor.role in (Role.OFFICE, Role.SUPERVISOR),
        "items": repo.items(db, scope), "officers": repo.officers(db, scope),
        "exemptions": repo.exemptions(db, scope, include_inactive=True), "fields": FIELDS,
        "kinds": KINDS,
        "departments": {d.id: d for d in repo.departments(db)
                        if scope is None or d.id in scope}})


@router.post("/supervision/items")
def add_item(request: Request, db: DBSession, clock: ClockDep, actor: Planner,
             form: FormDep) -> Response:
    catalogs.add_item(db, actor, clock, catalogs.ItemIn(
        text(form, "department"), text(form, "name"), text(form, "legal_basis"),
        text(form, "content"), text(form, "applies"), text(form, "frequency"),
        text(form, "field")))
    flash(request, "抽查事项已添加。")
    return redirect(request, "/supervision/catalogs")


@router.post("/supervision/officers")
def add_officer(request: Request, db: DBSession, clock: ClockDep, actor: Planner,
                form: FormDep) -> Response:
    catalogs.add_officer(db, actor, clock, catalogs.OfficerIn(
        text(form, "name"), text(form, "department"), text(form, "cert_no"),
        optional_day(form, "valid_until", "执法证有效期"), split_list(text(form, "fields")),
        split_list(text(form, "related")), text(form, "username")))
    flash(request, "执法人员已加入名录库。")
    return redirect(request, "/supervision/catalogs")


@router.post("/supervision/officers/{officer_id:int}/certificate")
def certificate(request: Request, db: DBSession, clock: ClockDep, actor: Planner,
                officer_id: int, form: FormDep) -> Response:
    catalogs.set_certificate(db, actor, clock, officer_id,
                             optional_day(form, "valid_until", "执法证有效期"))
    flash(request, "执法证有效期已更新。")
    return redirect(request, "/supervision/catalogs")


@router.post("/supervision/exemptions")
def add_exemption(request: Request, db: DBSession, actor: Planner, form: FormDep) -> Response:
    catalogs.add_exemption(db, actor, catalogs.ExemptionIn(
        text(form, "department"), text(form, "item"), text(form, "legal_basis"),
        text(form, "conditions"), split_list(text(form, "keywords"))))
    flash(request, "包容免罚事项已添加。")
    return redirect(request, "/supervision/catalogs")


@router.post("/supervision/import/{kind}", max_body_size=UPLOAD_LIMIT)
def import_catalog(request: Request, db: DBSession, clock: ClockDep, actor: Planner, kind: str,
                   form: FormDep) -> Response:
    f = upload(form)
    data, name = f.file.read(), f.filename or ""
    if kind == "items":
        report = catalogs.import_items(db, actor, clock, data, name)
    elif kind == "officers":
        report = catalogs.import_officers(db, actor, clock, data, name)
    elif kind == "exemptions":
        report = catalogs.import_exemptions(db, actor, data, name)
    else:
        raise NotFound("页面不存在。")
    return render(request, "supervision/import_report.html", {
        "title": f"导入{KINDS[kind]}", "report": report, "back": "/supervision/catalogs"})


# -- credit grades (officials only) ----------------------------------------------------------

@router.get("/supervision/credit")
def credit_page(request: Request, db: DBSession, actor: Official, uscc: str = "") -> Response:
    uscc = uscc.strip().upper()
    return render(request, "supervision/credit.html", {
        "title": "企业信用等级", "uscc": uscc, "fields": FIELDS,
        "history": repo.grade_history(db, uscc) if uscc else [],
        "recent": repo.recent_grades(db, 50), "grace": repo.grace_periods(db)[:50],
        "may_edit": actor.role in (Role.OFFICE, Role.SUPERVISOR)})


@router.post("/supervision/credit/import", max_body_size=UPLOAD_LIMIT)
def import_grades(request: Request, db: DBSession, clock: ClockDep, actor: Planner,
                  form: FormDep) -> Response:
    f = upload(form)
    report = credit.import_grades(db, actor, clock, f.file.read(), f.filename or "")
    return render(request, "supervision/import_report.html", {
        "title": "导入信用等级", "report": report, "back": "/supervision/credit"})


@router.post("/supervision/credit/{grade_id:int}/repair")
def repair(request: Request, db: DBSession, clock: ClockDep, actor: Planner, grade_id: int,
           form: FormDep) -> Response:
    row = credit.repair(db, actor, clock, grade_id, text(form, "grade"),
                        day(form, "effective_from", "修复生效日期"), text(form, "reason"))
    flash(request, "信用修复已登记。")
    return redirect(request, f"/supervision/credit?uscc={row.uscc}")


@router.post("/supervision/grace")
def add_grace(request: Request, db: DBSession, actor: Planner, form: FormDep) -> Response:
    credit.add_grace(db, actor, text(form, "uscc").upper(), day(form, "starts_on", "开始日期"),
                     day(form, "ends_on", "结束日期"), text(form, "reason"))
    flash(request, "包容期已登记：期内不纳入随机抽查。")
    return redirect(request, "/supervision/credit")


# -- inspections -----------------------------------------------------------------------------

STATUSES = {"scheduled": "待检查", "recorded": "已记录", "published": "已公示"}


def _rows(db: DBSession, actor: Official, status: str) -> list[Inspection]:
    rows = access.visible_inspections(db, actor)
    return [r for r in rows if r.status == status] if status in STATUSES else rows


@router.get("/supervision/inspections")
def inspections(request: Request, db: DBSession, actor: Official, status: str = "") -> Response:
    return render(request, "supervision/inspections.html", {
        "title": "检查任务", "rows": _rows(db, actor, status), "status": status,
        "statuses": STATUSES, "outcomes": {o.value: o.label for o in Outcome},
        "exceptions": QUIET_EXCEPTIONS})


@router.get("/supervision/inspections.xlsx")
def inspections_xlsx(export_limit: ExportLimited,
                     db: DBSession, actor: Official, status: str = "") -> Response:
    outcomes = {o.value: o.label for o in Outcome}
    rows = [[r.id, r.enterprise_name, r.uscc, r.day, STATUSES.get(r.status, r.status),
             outcomes.get(r.outcome or "", ""), r.findings or "", "是" if r.exemption_id else "",
             r.rectify_by or "", QUIET_EXCEPTIONS.get(r.quiet_exception or "", ""),
             r.quiet_reason or ""] for r in _rows(db, actor, status)]
    data = workbook_bytes("检查任务", ["编号", "企业", "统一社会信用代码", "检查日期", "状态",
                                   "结果", "问题", "包容免罚", "整改期限", "安静期例外", "理由"],
                          rows)
    return xlsx_response("检查任务.xlsx", data)


@router.get("/supervision/inspections/{inspection_id:int}")
def inspection(request: Request, db: DBSession, actor: Official, inspection_id: int,
               findings: str = "") -> Response:
    row = access.inspection_for(db, actor, inspection_id)
    offered = results.exemptions_for(db, row, findings)
    matched = {e.id for e in results.matching_exemptions(db, row, findings)} if findings else set()
    officers = {o.id: o for o in repo.officers(db)}
    return render(request, "supervision/inspection.html", {
        "title": f"检查 #{row.id}", "row": row, "findings": findings, "offered": offered,
        "matched": matched, "officers": officers, "exceptions": QUIET_EXCEPTIONS,
        "outcomes": {o.value: o.label for o in Outcome},
        "exemption": next((e for e in offered if e.id == row.exemption_id), None),
        "may_publish": actor.role in (Role.OFFICE, Role.SUPERVISOR)})


@router.post("/supervision/inspections/{inspection_id:int}/record")
def record(request: Request, db: DBSession, clock: ClockDep, actor: Official,
           inspection_id: int, form: FormDep) -> Response:
    raw = text(form, "exemption_id")
    if raw and not raw.isdigit():
        raise ValidationFailed("包容免罚事项无效。")
    row = results.record(db, actor, clock, inspection_id, results.RecordIn(
        text(form, "outcome"), text(form, "findings"), int(raw) if raw else None,
        optional_day(form, "rectify_by", "整改期限")))
    flash(request, "已记录；已向企业发送包容免罚告知（不予处罚）。" if row.notice else "已记录。")
    return redirect(request, f"/supervision/inspections/{inspection_id}")


@router.post("/supervision/inspections/{inspection_id:int}/attachments",
             max_body_size=UPLOAD_LIMIT)
def attach(request: Request, db: DBSession, actor: Official, inspection_id: int,
           form: FormDep) -> Response:
    f = upload(form)
    results.attach(db, actor, web.settings_of(request), inspection_id, f.filename or "", f.file)
    flash(request, "附件已上传。")
    return redirect(request, f"/supervision/inspections/{inspection_id}")


@router.get("/supervision/inspections/{inspection_id:int}/attachments/{index:int}")
def attachment(request: Request, db: DBSession, actor: Viewer, inspection_id: int,
               index: int) -> Response:
    entry, path = results.attachment_path(db, actor, web.settings_of(request), inspection_id,
                                          index)
    if not path.is_file():
        raise NotFound("附件文件已不存在。")
    return FileResponse(path, media_type=entry["type"], filename=entry["name"],
                        headers={"X-Content-Type-Options": "nosniff",
                                 "Content-Security-Policy": "sandbox"})


@router.post("/supervision/inspections/{inspection_id:int}/follow-up")
def follow_up(request: Request, db: DBSession, clock: ClockDep, actor: Official,
              inspection_id: int, form: FormDep) -> Response:
    results.follow_up(db, actor, clock, inspection_id, text(form, "note"))
    flash(request, "整改复查已记录。")
    return redirect(request, f"/supervision/inspections/{inspection_id}")


@router.post("/supervision/inspections/{inspection_id:int}/publish")
def publish(request: Request, db: DBSession, clock: ClockDep, actor: Planner,
            inspection_id: int) -> Response:
    results.publish(db, actor, clock, inspection_id)
    flash(request, "已公示。")
    return redirect(request, f"/supervision/inspections/{inspection_id}")


@router.post("/supervision/inspections/{inspection_id:int}/reschedule")
def reschedule(request: Request, db: DBSession, clock: ClockDep, actor: Planner,
               inspection_id: int, form: FormDep) -> Response:
    results.reschedule(db, actor, clock, inspection_id, day(form, "day", "检查日期"),
                       text(form, "exception") or None, text(form, "reason") or None)
    flash(request, "检查日期已调整。")
    return redirect(request, f"/supervision/inspections/{inspection_id}")


# -- the enterprise's own ----------------------------------------------------------------------

@router.get("/supervision/mine")
def mine(request: Request, db: DBSession, actor: EnterpriseUser) -> Response:
    return render(request, "supervision/mine.html", {
        "title": "受检记录", "rows": access.visible_inspections(db, actor),
        "outcomes": {o.value: o.label for o in Outcome}, "exceptions": QUIET_EXCEPTIONS})


@router.get("/supervision/mine/{inspection_id:int}")
def mine_one(request: Request, db: DBSession, actor: EnterpriseUser,
             inspection_id: int) -> Response:
    row = access.inspection_for(db, actor, inspection_id)
    return render(request, "supervision/mine_one.html", {
        "title": f"受检记录 #{row.id}", "row": row, "exceptions": QUIET_EXCEPTIONS,
        "outcomes": {o.value: o.label for o in Outcome}})


