"""Grants pages for the office and departments: 免申即享 lists, payout batches, budget, the
grants ledger with 绩效评价, Excel exports; and the public 公示 page (no login)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from markupsafe import escape
from starlette.responses import HTMLResponse, Response

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import CurrentUser, ExportLimited, OfficeUser
from huiqi.grants import (
    autogrant,
    autolists,
    budget,
    evaluations,
    forms,
    ledgers,
    payouts,
    pii,
    publicity,
)
from huiqi.grants.access import access_grant, visible_grants
from huiqi.grants.repositories import lists as lists_repo
from huiqi.kit import web
from huiqi.kit.errors import HuiqiError, NotFound
from huiqi.kit.excel import xlsx_response
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.settings import policy_date_for
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.models.user import Role
from huiqi.policies import service as policies
from huiqi.ui.nav import ALL_ROLES, NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
ENT, DEPT, OFFICE, AUDITOR = Role.ENTERPRISE, Role.DEPARTMENT, Role.OFFICE, Role.AUDITOR
register_nav(NavItem("免申即享", "/grants/auto-lists", {DEPT, OFFICE}, order=22,
                     description="生成免申即享名单，部门确认后直接兑现", group="政策兑现"))
register_nav(NavItem("兑付批次", "/grants/payouts", {OFFICE, AUDITOR}, order=23,
                     description="已批准资金分批导出银行清单、标记已兑付", group="政策兑现"))
register_nav(NavItem("兑现台账", "/grants/grants", {DEPT, OFFICE, AUDITOR, Role.LEADER}, order=24,
                     description="已批准和已兑现的政策资金、绩效评价", group="政策兑现"))
register_nav(NavItem("预算台账", "/grants/budget", {DEPT, OFFICE, AUDITOR, Role.LEADER}, order=25,
                     description="各政策事项年度预算、已用与剩余", group="政策兑现"))
register_nav(NavItem("兑现公示", "/public/grants", set(ALL_ROLES), order=80,
                     description="政策资金兑现公示（公开）", group="政策兑现"))
Text = Annotated[str, Form(max_length=2000)]


def _staff(actor: CurrentUser) -> None:
    if actor.role not in (DEPT, OFFICE, AUDITOR, Role.LEADER):
        raise NotFound("页面不存在，或您没有访问权限。")


# -- 免申即享 ----------------------------------------------------------------------------------

@router.get("/grants/auto-lists")
def auto_lists(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser) -> Response:
    _staff(actor)
    return _auto_lists_page(request, db, clock, actor)


def _auto_lists_page(request: Request, db: DBSession, clock: ClockDep, actor: Actor,
                     form: dict[str, str] | None = None, error: str = "",
                     status_code: int = 200) -> Response:
    visible = []
    for list_id in lists_repo.list_ids_newest_first(db):
        try:
            visible.append(autogrant.access_list(db, actor, list_id))
        except NotFound:
            continue
    auto_items = [v.item for v in policies.published_items(db) if v.item.auto_grant]
    default = policy_date_for(clock, web.settings_of(request)).isoformat()
    return render(request, "grants/auto_lists.html", {
        "lists": visible, "auto_items": auto_items, "form": form or {"as_of": default},
        "default_as_of": default, "error": error}, status_code=status_code)


@router.post("/grants/auto-lists")
def generate(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
             item_id: str = Form(...), as_of: str = Form("")) -> Response:
    """A refusal (no date, out of force, nobody new) is shown beside the form, input kept."""
    try:
        day = forms.day(as_of, "测算日期") or policy_date_for(clock, web.settings_of(request))
        candidates = autogrant.eligible_in_registry(db, item_id, day)
        listing = autogrant.generate(db, actor, item_id, candidates, as_of=day, clock=clock)
    except HuiqiError as exc:  # refused before writing anything
        return _auto_lists_page(request, db, clock, actor, {"item_id": item_id, "as_of": as_of},
                                exc.message, status_code=422)
    flash(request, f"已生成名单：{listing.rows} 家企业，待部门确认。")
    return redirect(request, f"/grants/auto-lists/{listing.id}")


@router.get("/grants/auto-lists/{list_id}")
def auto_list(request: Request, db: DBSession, actor: CurrentUser, list_id: int) -> Response:
    _staff(actor)
    listing = autogrant.access_list(db, actor, list_id)
    return render(request, "grants/auto_list.html", {
        "listing": listing, "rows": autogrant.rows(db, actor, list_id)})


@router.post("/grants/auto-lists/{list_id}/confirm")
def confirm(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser, list_id: int,
            form: FormDep) -> Response:
    chosen = forms.ids([str(v) for v in form.getlist("application_id")])
    action, reason = str(form.get("action") or "confirm"), str(form.get("reason") or "")
    if action == "decline":
        result = autogrant.decline(db, actor, list_id, chosen, reason, clock=clock)
    else:
        step = autogrant.finance_confirm if action == "finance" else autogrant.confirm
        result = step(db, actor, list_id, chosen or None, clock=clock)
    done = "不予确认" if action == "decline" else "确认"
    message = f"已{done} {len(result.confirmed)} 家"
    if result.refused:
        message += f"；{len(result.refused)} 家未能确认：" + "；".join(
            f"#{k} {v}" for k, v in list(result.refused.items())[:5])
    flash(request, message, "error" if result.refused else "success")
    return redirect(request, f"/grants/auto-lists/{list_id}")


@router.post("/grants/auto-lists/{list_id}/publish")
def publish(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
            list_id: int) -> Response:
    listing = autolists.publish(db, actor, list_id, clock=clock)
    flash(request, f"已发布公示，公示期至 {listing.publicity_until}（含当日）。")
    return redirect(request, f"/grants/auto-lists/{list_id}")


@router.post("/grants/auto-lists/{list_id}/regenerate")
def regenerate(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
               list_id: int) -> Response:
    new = autogrant.regenerate(db, actor, list_id, clock=clock,
                               settings=web.settings_of(request))
    changes = new.changes or {}
    flash(request, f"已重新生成：新增 {len(changes.get('added', []))} 家，移出 "
          f"{len(changes.get('removed', []))} 家，金额变化 {len(changes.get('changed', []))} 家。")
    return redirect(request, f"/grants/auto-lists/{new.id}")


# -- payouts ----------------------------------------------------------------------------------

@router.get("/grants/payouts")
def payout_list(request: Request, db: DBSession, actor: CurrentUser) -> Response:
    if actor.role not in (OFFICE, AUDITOR, Role.LEADER):
        raise NotFound("页面不存在，或您没有访问权限。")
    return render(request, "grants/payouts.html", {
        "batches": payouts.batches(db, actor), "pending": payouts.pending_grants(db, actor),
        "labels": payouts.BATCH_LABELS})


@router.post("/grants/payouts")
def create_batch(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                 item_id: str = Form(""), note: Text = "") -> Response:
    batch = payouts.create_batch(db, actor, item_id=item_id or None, note=note, clock=clock)
    flash(request, f"已生成兑付批次 {batch.reference}：{batch.lines} 笔，合计 {batch.total} 元。")
    return redirect(request, f"/grants/payouts/{batch.id}")


@router.get("/grants/payouts/{batch_id}")
def payout_detail(request: Request, db: DBSession, actor: CurrentUser, batch_id: int
                  ) -> Response:
    batch = payouts.access.access_batch(db, actor, batch_id)
    return render(request, "grants/payout.html", {
        "batch": batch, "lines": payouts.lines(db, actor, batch_id),
        "labels": payouts.BATCH_LABELS})


@router.post("/grants/payouts/{batch_id}/export")
def export_batch(export_limit: ExportLimited,
                 db: DBSession, clock: ClockDep, actor: OfficeUser, batch_id: int) -> Response:
    data = payouts.export(db, actor, batch_id, clock=clock)
    return xlsx_response(f"兑付清单-{batch_id}.xlsx", data)


@router.get("/grants/payouts/{batch_id}/file.xlsx")
def download_batch(export_limit: ExportLimited,
                   db: DBSession, actor: CurrentUser, batch_id: int) -> Response:
    return xlsx_response(f"兑付清单-{batch_id}.xlsx", payouts.export(db, actor, batch_id,
                                                                  mark=False))


@router.post("/grants/payouts/{batch_id}/paid")
def mark_paid(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
              batch_id: int, bank_reference: str = Form("", max_length=100)) -> Response:
    result = payouts.mark_paid(db, actor, batch_id, bank_reference, clock=clock)
    flash(request, f"已标记兑付：{result.newly_paid} 笔已兑现。" if result.newly_paid
          else "该批次此前已标记兑付，未重复兑付。", "success" if result.newly_paid else "info")
    return redirect(request, f"/grants/payouts/{batch_id}")


@router.post("/grants/payouts/{batch_id}/cancel")
def cancel_batch(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
                 batch_id: int, reason: Text = "") -> Response:
    payouts.cancel(db, actor, batch_id, reason, clock=clock)
    flash(request, "批次已作废，其中项目可重新纳入新批次。")
    return redirect(request, "/grants/payouts")


# -- budget, grants ledger, evaluations -----------------------------------------------------------

@router.get("/grants/budget")
def budget_page(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
                year: str = "") -> Response:
    flt = ledgers.LedgerFilter(year=ledgers.parse_year(year)
                               or policy_date_for(clock, web.settings_of(request)).year)
    return render(request, "grants/budget.html", {
        "views": ledgers.budget_views(db, actor, flt), "year": flt.year})


@router.post("/grants/budget/{item_id}/{year}")
def set_budget(request: Request, db: DBSession, clock: ClockDep, actor: OfficeUser,
               item_id: str, year: int, total: str = Form("")) -> Response:
    policies.get_item(db, item_id)
    budget.set_total(db, actor, item_id, year, forms.money(total, "年度预算"), clock.now())
    flash(request, "年度预算已调整。")
    return redirect(request, f"/grants/budget?year={year}")


@router.get("/grants/grants")
def grant_list(request: Request, db: DBSession, actor: CurrentUser, params: PageQuery,
               status: str = "", item_id: str = "", year: str = "", enterprise: str = ""
               ) -> Response:
    _staff(actor)
    flt = ledgers.LedgerFilter(status=status or None, item_id=item_id or None,
                               year=ledgers.parse_year(year), enterprise=enterprise or None)
    page = paginate(db, ledgers.grants_query(db, actor, flt), params)
    query = {"status": status, "item_id": item_id, "year": year, "enterprise": enterprise}
    return render(request, "grants/grants.html", {"page": page, "query": query,
                                                  "labels": ledgers.GRANT_STATUS})


@router.get("/grants/grants/{grant_id}")
def grant_detail(request: Request, db: DBSession, actor: CurrentUser, grant_id: int) -> Response:
    grant = access_grant(db, actor, grant_id)
    return render(request, "grants/grant.html", {
        "grant": grant, "evaluations": evaluations.for_grant(db, actor, grant_id),
        "labels": ledgers.GRANT_STATUS})


@router.post("/grants/grants/{grant_id}/evaluations")
def evaluate(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
             grant_id: int, score: str = Form(""), notes: Text = "") -> Response:
    evaluations.record(db, actor, grant_id, forms.integer(score, "评分") or 0, notes, clock=clock)
    flash(request, "绩效评价已保存。")
    return redirect(request, f"/grants/grants/{grant_id}")


EXPORTS = {"applications": (ledgers.export_applications, "政策申报台账"),
           "grants": (ledgers.export_grants, "政策兑现台账"),
           "payouts": (ledgers.export_payouts, "兑付台账"),
           "budget": (ledgers.export_budget, "预算台账")}


@router.get("/grants/ledgers/{kind}.xlsx")
def export_ledger(export_limit: ExportLimited,
                  db: DBSession, clock: ClockDep, actor: CurrentUser, kind: str,
                  status: str = "", item_id: str = "", year: str = "", enterprise: str = "",
                  source: str = "", department: str = "") -> Response:
    if kind not in EXPORTS:
        raise NotFound("页面不存在，或您没有访问权限。")
    fn, title = EXPORTS[kind]
    flt = ledgers.LedgerFilter(status=status or None, item_id=item_id or None,
                               year=ledgers.parse_year(year), enterprise=enterprise or None,
                               source=source or None, department=department or None)
    stamp = clock.today_local().strftime("%Y%m%d")
    return xlsx_response(f"{title}-{stamp}.xlsx", fn(db, actor, flt))


# -- 公示 (public) ------------------------------------------------------------------------------

@router.get("/public/grants")
def public_page(request: Request, db: DBSession, params: PageQuery, year: str = "",
                item_id: str = "") -> Response:
    page = publicity.public_list(db, params, year=ledgers.parse_year(year),
                                 item_id=item_id or None)
    return render(request, "grants/public.html", {
        "page": page, "years": publicity.public_years(db), "query": {"year": year,
                                                                     "item_id": item_id}})


__all__ = ["router", "visible_grants"]


@router.post("/grants/applications/{application_id}/reveal-account")
def reveal_account(db: DBSession, actor: CurrentUser, application_id: int) -> Response:
    """显示完整号码: the full bank account (audited), as the fragment that replaces the mask."""
    value = pii.reveal_bank_account(db, actor, application_id)
    return HTMLResponse(f'<span class="pii">{escape(value)}</span>')
