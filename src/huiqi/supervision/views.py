"""Plan pages (office, department supervisor) and the public commitment / 公示 pages."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from huiqi.grants.service import public_name
from huiqi.kit import web
from huiqi.kit.errors import NotFound
from huiqi.kit.web import ClockDep, DBSession, FormDep
from huiqi.models.user import Role
from huiqi.supervision import access, beacon, calendar, plans, quotas, results
from huiqi.supervision import repository as repo
from huiqi.supervision import service as supervision
from huiqi.supervision.vocab import BEACON_KINDS, FIELDS, QUIET_EXCEPTIONS
from huiqi.supervision.webforms import Office, Planner, day, ints, moment, number, text
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import flash, redirect, render

router = web.router(include_in_schema=False)
PLANNERS = {Role.OFFICE, Role.SUPERVISOR}
register_nav(NavItem("双随机抽查", "/supervision", PLANNERS, order=60,
                     description="抽查计划、公布承诺、公开随机数与抽取结果", group="监督评价"))
register_nav(NavItem("抽查公示", "/public/supervision",
                     {*PLANNERS, Role.INSPECTOR, Role.ENTERPRISE}, order=81,
                     description="双随机抽查结果与抽取承诺（公开）", on_home=False,
                     group="监督评价"))


def _departments(db: DBSession) -> dict[int, str]:
    return {d.id: d.name for d in repo.departments(db)}


@router.get("/supervision")
def home(request: Request, db: DBSession, actor: Planner) -> Response:
    scope = access.departments_of(actor)
    return render(request, "supervision/home.html", {
        "title": "双随机抽查", "plans": repo.plans(db, None if scope is None else scope[0]),
        "departments": _departments(db), "figures": results.coverage(db),
        "calendar": calendar.current(db)})


@router.get("/supervision/plans/new")
def new_plan(request: Request, db: DBSession, actor: Planner) -> Response:
    scope = access.departments_of(actor)
    return render(request, "supervision/plan_new.html", {
        "title": "新建抽查计划", "items": repo.items(db, scope, active_only=True),
        "departments": {k: v for k, v in _departments(db).items()
                        if scope is None or k in scope},
        "fields": FIELDS, "exceptions": QUIET_EXCEPTIONS, "grades": quotas.GRADE_LABELS,
        "calendar": calendar.current(db)})


@router.post("/supervision/plans")
def create_plan(request: Request, db: DBSession, clock: ClockDep, actor: Planner,
                form: FormDep) -> Response:
    data = plans.PlanIn(
        title=text(form, "title"), department_ids=ints(form, "department_ids"),
        item_ids=ints(form, "item_ids"), field=text(form, "field"),
        period_start=day(form, "period_start", "开始日期"),
        period_end=day(form, "period_end", "结束日期"),
        ratios={g: text(form, f"ratio_{g}") for g in quotas.GRADES},
        risk_ratios={r: text(form, f"risk_{r}") for r in quotas.RISKS},
        team_size=number(form, "team_size", "每组人数", 2),
        quiet_exception=text(form, "quiet_exception") or None,
        quiet_reason=text(form, "quiet_reason") or None)
    plan = plans.create(db, actor, clock, data)
    db.flush()
    flash(request, "计划已保存。下一步：选定未来的公开随机数来源并公布承诺。")
    return redirect(request, f"/supervision/plans/{plan.id}")


@router.get("/supervision/plans/{plan_id:int}")
def plan_page(request: Request, db: DBSession, clock: ClockDep, actor: Planner,
              plan_id: int) -> Response:
    plan = access.plan_for(db, actor, plan_id)
    return render(request, "supervision/plan.html", {
        "title": plan.title, "plan": plan, "commitment": plans.load_commitment(plan),
        "departments": _departments(db), "items": repo.items(db, ids=plan.item_ids),
        "inspections": repo.inspections(db, plan_id=plan.id), "kinds": BEACON_KINDS,
        "exceptions": QUIET_EXCEPTIONS, "fields": FIELDS,
        "suggested_round": beacon.drand_round_after(clock.now() + beacon.MARGIN * 2)})


@router.post("/supervision/plans/{plan_id:int}/commit")
def commit_plan(request: Request, db: DBSession, clock: ClockDep, actor: Planner,
                plan_id: int, form: FormDep) -> Response:
    kind = text(form, "kind")
    ref = text(form, "round") if kind == "drand" else text(form, "description")
    plan = plans.commit(db, actor, clock, plan_id, kind, ref, moment(form, "due", "摇号时间"))
    flash(request, f"承诺已公布（SHA-256 {(plan.commitment_sha256 or '')[:16]}…）。"
          "随机数产生后，由两名工作人员分别录入。")
    return redirect(request, f"/supervision/plans/{plan_id}")


@router.post("/supervision/plans/{plan_id:int}/beacon")
def beacon_value(request: Request, db: DBSession, clock: ClockDep, actor: Planner,
                 plan_id: int, form: FormDep) -> Response:
    plan = plans.enter_beacon(db, actor, clock, plan_id, text(form, "value"))
    flash(request, "已抽取，检查任务已下达。" if plan.status == "drawn"
          else "已录入，请另一名工作人员复核录入。")
    return redirect(request, f"/supervision/plans/{plan_id}")


@router.get("/supervision/plans/{plan_id:int}/files/{name}")
def plan_file(db: DBSession, actor: Planner, plan_id: int, name: str) -> Response:
    """The snapshots (they carry credit grades: officials only) and the result."""
    plan = access.plan_for(db, actor, plan_id)
    content = {"population.tsv": plan.population, "officers.tsv": plan.officers,
               "result.tsv": supervision.replay_plan(db, plan_id).result.text
               if plan.status == "drawn" else None}.get(name)
    if content is None:
        raise NotFound("文件不存在。")
    return Response(content.encode("utf-8"), media_type="text/tab-separated-values",
                    headers={"Content-Disposition": f'attachment; filename="plan{plan_id}-{name}"'})


@router.get("/supervision/settings")
def settings_page(request: Request, db: DBSession, actor: Office) -> Response:
    return render(request, "supervision/settings.html", {
        "title": "企业安静期与受检上限", "calendar": calendar.current(db),
        "exceptions": QUIET_EXCEPTIONS})


@router.post("/supervision/settings")
def save_settings(request: Request, db: DBSession, clock: ClockDep, actor: Office,
                  form: FormDep) -> Response:
    calendar.update(db, actor, clock, number(form, "quiet_from", "安静期起始日", 1),
                    number(form, "quiet_to", "安静期结束日", 22),
                    number(form, "year_limit", "每年受检上限", 2))
    flash(request, "已保存。")
    return redirect(request, "/supervision/settings")


# -- public ----------------------------------------------------------------------------------

@router.get("/public/supervision")
def public_page(request: Request, db: DBSession) -> Response:
    published = supervision.published_results(db)
    forms = repo.legal_forms(db, (r.uscc for r in published))
    return render(request, "supervision/public.html", {
        "title": "双随机抽查结果公示", "plans": supervision.public_plans(db),
        "results": published,  # 个体工商户: the operator's name is masked, as in 兑现公示
        "names": {r.id: public_name(r.enterprise_name, forms.get(r.uscc)) for r in published},
        "exceptions": QUIET_EXCEPTIONS,
        "exemptions": {e.id: e for e in repo.exemptions(db, include_inactive=True)},
        "departments": _departments(db)})


@router.get("/public/supervision/lists")
def public_lists(request: Request, db: DBSession) -> Response:
    """一公开: each department's 抽查事项清单 and 包容免罚清单, and the coverage counts."""
    return render(request, "supervision/public_lists.html", {
        "title": "抽查事项清单与包容免罚清单", "items": repo.items(db, active_only=True),
        "exemptions": repo.exemptions(db), "departments": _departments(db),
        "figures": results.coverage(db)})


@router.get("/public/supervision/plans/{plan_id:int}")
def public_plan(request: Request, db: DBSession, plan_id: int) -> Response:
    plan = supervision.get_plan(db, plan_id)
    if not plan.commitment_sha256:
        raise NotFound("该计划尚未公布承诺。")
    return render(request, "supervision/public_plan.html", {
        "title": f"抽查计划公开承诺：{plan.title}", "plan": plan,
        "commitment": plans.load_commitment(plan), "departments": _departments(db)})


@router.get("/public/supervision/plans/{plan_id:int}/commitment.json")
def public_commitment(db: DBSession, plan_id: int) -> Response:
    plan = supervision.get_plan(db, plan_id)
    if not plan.commitment:
        raise NotFound("该计划尚未公布承诺。")
    return Response(plan.commitment.encode("utf-8"), media_type="application/json",
                    headers={"Content-Disposition":
                             f'attachment; filename="plan{plan_id}-commitment.json"'})
