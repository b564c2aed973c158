"""The office's pages: tiers and their rules, assignments (in the browser, by Excel import,
handover), the coverage check, the three rates with their definitions and league table (Excel),
campaigns, 无事不扰 settings, an official's portfolio. The auditor reads the reports."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from huiqi.auth.dependencies import CurrentUser, ExportLimited, OfficeUser
from huiqi.kit import numbers, web
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.excel import Sheet, sheet_bytes, xlsx_response
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.liaison import access, service
from huiqi.liaison import repository as repo
from huiqi.liaison.rates import EXCEL_HEADERS, excel_rows
from huiqi.models.user import Role
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
register_nav(NavItem("包联统计", "/liaison/rates", {Role.OFFICE, Role.AUDITOR}, order=33,
                     description="覆盖率、知晓率、受益率，按层级、部门、镇街、干部排名",
                     group="服务企业"))
register_nav(NavItem("包联管理", "/liaison/assignments", {Role.OFFICE}, order=34,
                     description="包联层级、分配与导入、交接、覆盖检查、集中攻坚行动",
                     group="服务企业"))
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def _int(raw: Any, label: str, default: int | None = None) -> int:
    text = str(raw or "").strip()
    if not text and default is not None:
        return default
    return numbers.parse_int(text, f"「{label}」")


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


# --- tiers and settings ------------------------------------------------------------------------

def _tiers_context(db: Any, **extra: Any) -> dict[str, Any]:
    most, days = service.settings_row(db)
    return {"tiers": repo.tiers(db), "max_contacts": most, "period_days": days,
            "errors": {}, "error": "", "v": {}, **extra}


@router.get("/liaison/tiers")
def tiers_page(request: Request, db: DBSession, actor: OfficeUser) -> Response:
    return render(request, "liaison/tiers.html", _tiers_context(db))


@router.post("/liaison/tiers")
def tier_save(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
              form: FormDep) -> Response:
    values = {k: _text(form, k) for k in ("tier_id", "code", "name", "official_label", "rule",
                                          "stale_days", "position")}
    try:
        tier = service.save_tier(
            db, actor, clock, code=values["code"], name=values["name"],
            official_label=values["official_label"], rule=values["rule"],
            stale_days=_int(values["stale_days"], "未联系提醒天数", 90),
            position=_int(values["position"], "排序", 0),
            tier_id=_int(values["tier_id"], "层级", 0) or None)
    except ValidationFailed as exc:
        db.rollback()
        details = exc.details if isinstance(exc.details, dict) else {}
        return render(request, "liaison/tiers.html",
                      _tiers_context(db, errors=details, error=exc.message, v=values),
                      status_code=422)
    flash(request, f"已保存层级「{tier.name}」。")
    return redirect(request, "/liaison/tiers")


@router.post("/liaison/settings")
def settings_save(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                  form: FormDep) -> Response:
    service.save_settings(db, actor, clock, _int(form.get("max_contacts"), "联系次数上限"),
                          _int(form.get("period_days"), "统计周期"))
    flash(request, "已保存无事不扰设置。")
    return redirect(request, "/liaison/tiers")


# --- assignments -------------------------------------------------------------------------------

def _assign_context(db: Any, **extra: Any) -> dict[str, Any]:
    return {"tiers": repo.tiers(db), "officials": repo.officials(db),
            "handovers": repo.handovers(db, limit=30), "report": None, "error": "",
            "v": {}, **extra}


@router.get("/liaison/assignments")
def assignments_page(request: Request, db: DBSession, actor: OfficeUser,
                     uscc: str = "") -> Response:
    rows = repo.assignments_of(db, uscc.strip().upper()) if uscc else []
    return render(request, "liaison/assignments.html",
                  _assign_context(db, found=rows, uscc=uscc))


@router.post("/liaison/assignments")
def assign(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
           form: FormDep) -> Response:
    row = service.assign(db, actor, clock, uscc=_text(form, "uscc"),
                         official=_text(form, "official"), tier=_text(form, "tier"),
                         reason=_text(form, "reason"))
    flash(request, "已分配。")
    return redirect(request, f"/liaison/assignments?uscc={row.enterprise_uscc}")


@router.post("/liaison/assignments/{assignment_id}/remove")
def unassign(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
             assignment_id: int, form: FormDep) -> Response:
    service.unassign(db, actor, clock, assignment_id, _text(form, "reason") or "营商办取消")
    flash(request, "已取消该包联关系（记录已保留）。")
    return redirect(request, "/liaison/assignments")


@router.post("/liaison/handover")
def handover(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
             form: FormDep) -> Response:
    moved = service.handover_all(db, actor, clock, from_official=_text(form, "from_official"),
                                 to_official=_text(form, "to_official"),
                                 reason=_text(form, "reason"))
    flash(request, f"已交接 {moved} 家企业，交接记录已保存。")
    return redirect(request, "/liaison/assignments")


@router.post("/liaison/assignments/import", max_body_size=MAX_IMPORT_BYTES + 1024 * 1024)
def import_upload(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                  form: FormDep) -> Response:
    f = form.get("file")
    if not isinstance(f, UploadFile) or not f.filename:
        raise ValidationFailed("请选择要导入的 Excel 或 CSV 文件。")
    data = f.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationFailed("导入文件不能超过 10 MB，请拆分后导入。")
    report = service.import_file(db, actor, clock, f.filename, data)
    return render(request, "liaison/assignments.html",
                  _assign_context(db, report=report, found=[], uscc=""),
                  status_code=200 if not report.errors else 422)


@router.get("/liaison/coverage")
def coverage(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
             tier: int | None = None, page: int = 1) -> Response:
    access.office(actor, read=True)
    found = service.coverage(db, clock, page=max(page, 1), per_page=50, tier_id=tier)
    return render(request, "liaison/coverage.html",
                  {"coverage": found, "tier": tier, "page": max(page, 1)})


# --- rates -------------------------------------------------------------------------------------

@router.get("/liaison/rates")
def rates(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
          start: str = "", end: str = "") -> Response:
    access.office(actor, read=True)
    first, last = service.period(clock, start, end)
    report = service.report(db, first, last, today=clock.today_local())
    return render(request, "liaison/rates.html",
                  {"r": report, "definitions": service.DEFINITIONS,
                   "chart": service.rates_chart(report),
                   "q": {"start": first.isoformat(), "end": last.isoformat()}})


@router.get("/liaison/rates.xlsx")
def rates_xlsx(export_limit: ExportLimited,
               request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
               start: str = "", end: str = "") -> Response:
    access.office(actor, read=True)
    first, last = service.period(clock, start, end)
    r = service.report(db, first, last, today=clock.today_local())
    sheets: list[Sheet] = [(name, [EXCEL_HEADERS, *excel_rows(rows)], [24] + [12] * 8, True)
                           for name, rows in (
        ("总体", [r.overall]), ("按层级", r.by_tier), ("按部门", r.by_department),
        ("按镇街", r.by_street), ("干部排名", r.league))]
    return xlsx_response(f"包联三率_{first.isoformat()}_{last.isoformat()}.xlsx",
                         sheet_bytes(sheets))


@router.get("/liaison/officials/{user_id}")
def official(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
             user_id: int) -> Response:
    p = service.portfolio(db, actor, clock, user_id=user_id)
    name = next((o.display_name for o in repo.officials(db) if o.id == user_id), "")
    return render(request, "liaison/portfolio.html",
                  {"p": p, "official": name or f"干部 {user_id}", "today": clock.today_local()})


# --- campaigns ---------------------------------------------------------------------------------

@router.get("/liaison/campaigns")
def campaigns(request: Request, db: DBSession, actor: CurrentUser) -> Response:
    access.office(actor, read=True)
    return render(request, "liaison/campaigns.html",
                  {"rows": service.all_figures(db), "tiers": repo.tiers(db), "v": {},
                   "error": ""})


@router.post("/liaison/campaigns")
def campaign_save(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                  form: FormDep) -> Response:
    tier = _text(form, "tier_id")
    targets = [t for t in _text(form, "targets").replace("，", ",").replace("\n", ",")
               .split(",") if t.strip()]
    row = service.create_campaign(db, actor, clock, name=_text(form, "name"),
                                  starts_on=_text(form, "starts_on"),
                                  ends_on=_text(form, "ends_on"),
                                  description=_text(form, "description"),
                                  tier_id=_int(tier, "层级") if tier else None, targets=targets)
    flash(request, f"已创建集中攻坚行动「{row.name}」。")
    return redirect(request, "/liaison/campaigns")
