"""好差评 pages: the list for each role (an enterprise's own ratings and its 办件 to rate, a
department's 差评 tasks, the office's whole ledger), rating from the portal, the detail page
with the step the actor may take (核实, 整改, 回访, 申诉, 复核).

Figures are in views_stats.py, the public QR / SMS pages in views_public.py, windows, SMS
invitations and the 办不成事 window in views_office.py; all included here."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import CurrentUser
from huiqi.kit import numbers, web
from huiqi.kit.errors import HuiqiError, NotFound, ValidationFailed
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.models.user import Role
from huiqi.ratings import repository, service, views_office, views_public, views_stats, webforms
from huiqi.ratings.vocab import (
    BAD_TAGS,
    GOOD_TAGS,
    CaseKind,
    Channel,
    Level,
    RevisitResult,
    Source,
    Stage,
    VerifyResult,
)
from huiqi.ui.dashboard import Panel, register_panel
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
for sub in (views_stats, views_public, views_office):
    router.include_router(sub.router)

ENT, DEPT, OFFICE, AUDITOR = Role.ENTERPRISE, Role.DEPARTMENT, Role.OFFICE, Role.AUDITOR
READERS = {ENT, DEPT, OFFICE, AUDITOR}
register_nav(NavItem("好差评", "/ratings", {ENT}, order=35,
                     description="评价办过的申报和诉求，查看差评的核实整改和回访",
                     group="监督评价"))
register_nav(NavItem("差评整改", "/ratings", {DEPT}, order=35,
                     description="本部门收到的差评：核实、整改、回访，误评申诉", group="监督评价"))
register_nav(NavItem("好差评台账", "/ratings", {OFFICE, AUDITOR}, order=35,
                     description="全部评价，差评核实整改回访，申诉复核", group="监督评价"))
TITLES = {ENT: "我的评价", DEPT: "差评整改"}
VOCAB: dict[str, Any] = {"CaseKind": CaseKind, "Stage": Stage, "Channel": Channel,
                         "Source": Source, "Level": Level,
                         "VerifyResult": VerifyResult, "RevisitResult": RevisitResult}


def home_context(db: Any, actor: Actor) -> dict[str, Any]:
    return {"tasks": service.open_tasks(db, actor)}


for _role in (DEPT, OFFICE):
    register_panel(Panel(_role, "ratings/_home_panel.html", home_context, order=35))


def _reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise NotFound("页面不存在，或您没有访问权限。")


@router.get("/ratings")
def rating_list(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
                params: PageQuery) -> Response:
    _reader(actor)
    flt, q = webforms.rating_filter(request, clock.today_local())
    page = paginate(db, service.list_query(actor, flt), params)
    title = TITLES.get(actor.role, "好差评台账") if actor.role else "好差评台账"
    ctx: dict[str, Any] = {"title": title, "page": page, "q": q,
                           "today": clock.today_local(), **VOCAB}
    if actor.role is ENT:
        ctx["cases"] = [c for c, rated in service.my_cases(db, actor) if not rated]
    else:
        ctx["departments"] = repository.departments(db) if actor.role is not DEPT else []
        ctx["disputes"] = service.pending_disputes(db, actor)
    return render(request, "ratings/list.html", ctx)


# --- rating from the portal -------------------------------------------------------------------

def _case(value: str) -> tuple[str, str]:
    kind, _, ref = (value or "").partition(":")
    if not kind or not numbers.is_id(ref):
        raise ValidationFailed("请选择要评价的办件。", details={"field": "case"})
    return kind, ref


def _new_ctx(db: Any, actor: Actor, values: dict[str, Any], error: str = "") -> dict[str, Any]:
    cases = [c for c, rated in service.my_cases(db, actor) if not rated]
    return {"title": "评价办件", "cases": cases, "values": values, "error": error,
            "good_tags": GOOD_TAGS, "bad_tags": BAD_TAGS, "levels": list(Level)}


@router.get("/ratings/new")
def new_page(request: Request, db: DBSession, actor: CurrentUser, case: str = "") -> Response:
    if actor.role is not ENT:
        raise NotFound("页面不存在，或您没有访问权限。")
    return render(request, "ratings/new.html", _new_ctx(db, actor, {"case": case}))


@router.post("/ratings/new")
def submit(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
           form: FormDep) -> Response:
    if actor.role is not ENT:
        raise NotFound("页面不存在，或您没有访问权限。")
    values: dict[str, Any] = {k: webforms.text(form, k)
                              for k in ("case", "level", "comment", "other_tags")}
    values["tags"] = [t for t in form.getlist("tags") if isinstance(t, str)]
    try:
        kind, ref = _case(values["case"])
        rating = service.rate_case(db, actor, clock, kind, ref, webforms.rating_in(form))
    except HuiqiError as exc:
        if exc.status_code not in (409, 422):
            raise
        db.rollback()
        return render(request, "ratings/new.html", _new_ctx(db, actor, values, exc.message),
                      status_code=exc.status_code)
    flash(request, "感谢评价！" + ("差评已转责任部门核实整改，办结后将回访您。"
                                  if rating.negative else ""))
    return redirect(request, f"/ratings/{rating.id}")


# --- detail and the loop ----------------------------------------------------------------------

@router.get("/ratings/{rating_id:int}")
def detail(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
           rating_id: int) -> Response:
    _reader(actor)
    view = service.detail(db, actor, rating_id)
    return render(request, "ratings/detail.html", {
        "title": f"评价 #{rating_id}", "v": view, "r": view.rating,
        "today": clock.today_local(), **VOCAB})


STEPS = ("verify", "rectify", "revisit", "dispute")
DONE = {"verify": "已核实。", "rectify": "已记录整改。", "revisit": "已记录回访。",
        "dispute": "申诉已提交，等待营商办复核。"}


@router.post("/ratings/{rating_id:int}/{step}")
def step(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser, rating_id: int,
         step: str, form: FormDep) -> Response:
    if step not in STEPS:
        raise NotFound("页面不存在。")
    note, result = webforms.text(form, "note"), webforms.text(form, "result")
    if step == "verify":
        service.verify(db, actor, clock, rating_id, result, note)
    elif step == "rectify":
        service.rectify(db, actor, clock, rating_id, note)
    elif step == "revisit":
        service.revisit(db, actor, clock, rating_id, result, note)
    else:
        service.dispute(db, actor, clock, rating_id, note)
    flash(request, DONE[step])
    return redirect(request, f"/ratings/{rating_id}")


@router.post("/ratings/disputes/{dispute_id:int}/decide")
def decide(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
           dispute_id: int, form: FormDep) -> Response:
    outcome = webforms.text(form, "outcome")
    if outcome not in ("uphold", "reject"):
        raise ValidationFailed("请选择复核结论：申诉成立或驳回。")
    row = service.decide(db, actor, clock, dispute_id, outcome == "uphold",
                         webforms.text(form, "note"))
    flash(request, "申诉成立，该评价已从统计中剔除。" if outcome == "uphold" else "已驳回申诉。")
    return redirect(request, f"/ratings/{row.rating_id}")
