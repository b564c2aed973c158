"""免申即享 公示 pages: the public list under publication (enterprise name and amount, dates, how to
object; no login, no other personal data), where an enterprise objects or declines its own row
and anyone logged in raises a concern; and the page where the office (or the item's department)
records its decision on each held row. Both call the services behind the API
(grants/endpoints_trust.py): `autolists.raise_objection` and `autolists.decide`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from starlette.responses import Response

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import CurrentUser, OptionalUser
from huiqi.grants import autolists, publicity
from huiqi.kit import web
from huiqi.kit.errors import HuiqiError
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.user import Role
from huiqi.ui.nav import ALL_ROLES, NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
register_nav(NavItem("免申即享公示", "/public/auto-lists", set(ALL_ROLES), order=81,
                     description="公示期内的免申即享名单：企业名称与金额，异议与放弃",
                     group="政策兑现"))
register_nav(NavItem("公示异议处理", "/grants/objections",
                     {Role.DEPARTMENT, Role.OFFICE, Role.AUDITOR}, order=26,
                     description="免申即享公示期内的异议与问题反映：核实并记录处理结果",
                     group="政策兑现"))
Text = Annotated[str, Form(max_length=2000)]
KINDS = {"objection": "提出异议", "decline": "放弃", "concern": "反映问题"}


def _public_page(request: Request, db: DBSession, clock: ClockDep, actor: Actor | None,
                 errors: dict[int, str] | None = None, typed: dict[int, dict[str, str]] | None
                 = None, status_code: int = 200) -> Response:
    lists = []
    for listing in autolists.lists_in_publicity(db, clock.today_local()):
        _, rows = autolists.public_rows(db, listing.id)
        lists.append((listing, [
            {"id": a.id, "name": publicity.public_name(a.enterprise_name, a.legal_form),
             "amount": a.estimated_amount, "held": a.objection_status == autolists.OPEN,
             "own": actor is not None and actor.role is Role.ENTERPRISE
             and actor.enterprise_uscc == a.enterprise_uscc} for a in rows]))
    return render(request, "grants/public_auto.html", {
        "lists": lists, "errors": errors or {}, "typed": typed or {}, "kinds": KINDS},
        status_code=status_code)


@router.get("/public/auto-lists")
def public_auto_lists(request: Request, db: DBSession, clock: ClockDep,
                      actor: OptionalUser) -> Response:
    return _public_page(request, db, clock, actor)


@router.post("/public/auto-lists/rows/{application_id}")
def object_to_row(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
                  application_id: int, kind: Text = "concern", note: Text = "") -> Response:
    """A refusal (no reason written, period over) is shown beside the row's form, input kept."""
    try:
        autolists.raise_objection(db, actor, application_id, kind, note, clock=clock)
    except HuiqiError as exc:
        if exc.status_code == 404:
            raise
        return _public_page(request, db, clock, actor, {application_id: exc.message},
                            {application_id: {"kind": kind, "note": note}}, status_code=422)
    flash(request, "已放弃该笔资金。" if kind == "decline" else
          "已提交，主管部门将核实并记录处理结果；处理前该笔资金暂不兑现。")
    return redirect(request, "/public/auto-lists")


def _objections_page(request: Request, db: DBSession, actor: Actor,
                     errors: dict[int, str] | None = None,
                     typed: dict[int, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "grants/objections.html", {
        "rows": autolists.open_objections(db, actor), "errors": errors or {},
        "typed": typed or {}, "kinds": KINDS}, status_code=status_code)


@router.get("/grants/objections")
def objections(request: Request, db: DBSession, actor: CurrentUser) -> Response:
    return _objections_page(request, db, actor)


@router.post("/grants/objections/{application_id}")
def decide(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
           application_id: int, outcome: Text = "", decision: Text = "") -> Response:
    try:
        autolists.decide(db, actor, application_id, outcome == "upheld", decision, clock=clock)
    except HuiqiError as exc:
        if exc.status_code == 404:
            raise
        return _objections_page(request, db, actor, {application_id: exc.message},
                                {application_id: decision}, status_code=422)
    flash(request, "已记录：异议成立，该企业不予兑现。" if outcome == "upheld"
          else "已记录：异议不成立，该名单行可继续确认兑现。")
    return redirect(request, "/grants/objections")


__all__ = ["router"]
