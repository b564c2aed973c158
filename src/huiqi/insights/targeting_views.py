"""政策精准推送 pages: an item's enterprises by segment with filters, every page of them, Excel,
and the batch actions; the enterprise's fact-request form. Visit tasks are liaison's visit plans
(the official's 包联台账); /insights/visits, where they used to be, redirects there."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.responses import Response

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import EnterpriseUser, ExportLimited, require_roles
from huiqi.insights import service
from huiqi.insights.targeting import FILTERS, SEGMENTS, Targeting, TargetRow
from huiqi.kit import web
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.excel import ledger_bytes, xlsx_response
from huiqi.kit.pagination import Page, PageQuery
from huiqi.kit.settings import policy_date_for
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.models.user import Role
from huiqi.registry.service import load_catalog
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
TargetingUser = Annotated[Actor, Depends(require_roles(Role.OFFICE, Role.DEPARTMENT,
                                                          Role.LEADER))]
# the old visit-task page: officials (and the office, sent on to liaison's figures) only
VisitUser = Annotated[Actor, Depends(require_roles(Role.OFFICE, Role.LIAISON))]

READERS = {Role.OFFICE, Role.DEPARTMENT, Role.LEADER}
register_nav(NavItem("政策精准推送", "/insights/targeting", READERS,
                     order=45, description="每个政策事项的可享受、待补充信息、差一项条件的企业，"
                     "批量推送、走访、请企业补充信息", group="政策管理"))


def _query(request: Request) -> dict[str, str]:
    keys = ["segment", "missing", *(f.name for f in FILTERS)]
    return {k: request.query_params.get(k, "") for k in keys}


def _targeting(request: Request, db: DBSession, clock: ClockDep, actor: Actor, item_id: str,
               query: dict[str, str]) -> Targeting:
    item = service.item_for(db, actor, item_id)
    as_of = policy_date_for(clock, web.settings_of(request))
    return service.targeting(db, item, as_of, segment=query.get("segment") or "unknown",
                             filters=query, missing=query.get("missing", ""))


@router.get("/insights/targeting")
def items(request: Request, db: DBSession, actor: TargetingUser) -> Response:
    return render(request, "insights/targeting_items.html",
                  {"items": service.items_for(db, actor)})


@router.get("/insights/targeting/{item_id}")
def targeting_page(request: Request, db: DBSession, clock: ClockDep, actor: TargetingUser,
                   item_id: str, paging: PageQuery) -> Response:
    query = _query(request)
    t = _targeting(request, db, clock, actor, item_id, query)
    start = paging.offset
    page = Page(t.rows[start:start + paging.per_page], len(t.rows), paging.page, paging.per_page)
    return render(request, "insights/targeting.html", {
        "t": t, "page": page, "query": {**query, "segment": t.segment}, "filters": FILTERS,
        "segments": SEGMENTS, "kinds": service.KINDS,
        "visit_day": clock.today_local() + timedelta(days=service.VISIT_DAYS),
        "labels": {s.name: s.label for s in load_catalog()}})


@router.get("/insights/targeting/{item_id}/export.xlsx")
def export(export_limit: ExportLimited, request: Request, db: DBSession, clock: ClockDep,
           actor: TargetingUser, item_id: str) -> Response:
    query = _query(request)
    t = _targeting(request, db, clock, actor, item_id, query)
    catalog = load_catalog()
    labels = {name: dict(options) for name, options in t.options.items()}
    shown = [(label, labels.get(name, {}).get(query[name], query[name])) for name, label in
             [("segment", "分组"), *((f.name, f.label) for f in FILTERS), ("missing", "缺少信息")]
             if query.get(name)]
    content = ledger_bytes(
        f"{t.item.title} 精准推送名单（{t.as_of.isoformat()}，{SEGMENTS[t.segment]}）", shown,
        ["统一社会信用代码", "企业名称", "街道（镇）", "行业", "规模", "结果", "测算金额（元）",
         "未满足条件", "缺少信息", "申报状态"],
        [_export_row(r, catalog) for r in t.rows])
    return xlsx_response(f"targeting-{t.item.id}-{t.segment}.xlsx", content)


def _export_row(r: TargetRow, catalog: Any) -> list[object]:
    result = {True: "可享受", False: "不符合", None: "待补充信息"}[r.eligible]
    sizes = dict(catalog["size_class"].values)
    return [r.uscc, r.name, r.street or "", r.industry_code or "",
            sizes.get(r.size_class or "", r.size_class or ""), result, r.amount,
            "、".join(r.failed), "、".join(catalog[f].label if f in catalog else f
                                          for f in r.missing),
            r.standing.label if r.standing else ""]


@router.post("/insights/targeting/{item_id}/actions")
def batch_action(request: Request, db: DBSession, clock: ClockDep, actor: TargetingUser,
                 item_id: str, form: FormDep) -> Response:
    query = {k: str(form.get(k) or "") for k in ["segment", "missing", *(f.name for f in FILTERS)]}
    kind = str(form.get("kind") or "")
    t = _targeting(request, db, clock, actor, item_id, query)
    report = service.act(db, actor, clock, t.item, kind, t.rows, note={
        "segment": t.segment, "filters": t.filters, "missing": t.missing_key},
        tier=t.filters.get("tier", ""), official=t.filters.get("liaison", ""),
        planned_on=_day(str(form.get("planned_on") or "")))
    flash(request, report.summary())
    kept = "&".join(f"{k}={v}" for k, v in query.items() if v)
    return redirect(request, f"/insights/targeting/{item_id}?{kept}")


def _day(raw: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed("计划走访日期应为日期，如 2025-06-01。",
                               details={"planned_on": "日期格式有误"}) from None


@router.get("/insights/visits")
def visits(request: Request, actor: VisitUser) -> Response:
    """Visit tasks are the officials' visit plans now (old notifications still link here)."""
    return redirect(request, "/liaison")


@router.get("/insights/requests/{action_id}")
def fact_request(request: Request, db: DBSession, actor: EnterpriseUser,
                 action_id: int) -> Response:
    found = service.fact_request(db, actor, action_id)
    return _request_page(request, found, {}, {})


def _request_page(request: Request, found: Any, values: dict[str, str],
                  errors: dict[str, str], status_code: int = 200) -> Response:
    catalog = load_catalog()
    fields = [catalog[f] for f in (found.missing or "").split(";") if f in catalog]
    return render(request, "insights/fact_request.html", {
        "r": found, "fields": fields, "values": values, "errors": errors},
        status_code=status_code)


@router.post("/insights/requests/{action_id}")
def answer_request(request: Request, db: DBSession, clock: ClockDep, actor: EnterpriseUser,
                   action_id: int, form: FormDep) -> Response:
    found = service.fact_request(db, actor, action_id)
    raw = {k.removeprefix("f_"): str(v) for k, v in form.items() if k.startswith("f_")}
    try:
        gained = service.answer_fact_request(db, actor, clock, action_id, raw,
                                             policy_date_for(clock, web.settings_of(request)))
    except ValidationFailed as exc:
        errors = {str(k): str(v) for k, v in exc.details.items()} \
            if isinstance(exc.details, dict) else {}
        errors.setdefault("_form", exc.message)
        return _request_page(request, found, raw, errors, status_code=422)
    now = "现可享受：" + "、".join(gained) + "。" if gained else ""
    flash(request, "已保存并重新匹配。" + now)
    return redirect(request, "/gift-pack")
