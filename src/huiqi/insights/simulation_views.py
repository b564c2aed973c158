"""政策模拟 pages: a version of the policy library (a draft before publication) run over the whole
registry; threshold what-ifs with a sweep curve; two versions side by side."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import require_roles
from huiqi.insights import service
from huiqi.kit import web
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.settings import policy_date_for
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.user import Role
from huiqi.policies import service as policies
from huiqi.ui.nav import NavItem, register_nav
from huiqi.ui.templating import render

router = web.router(include_in_schema=False)
SimulationUser = Annotated[Actor, Depends(require_roles(Role.OFFICE, Role.DEPARTMENT,
                                                           Role.LEADER))]

READERS = {Role.OFFICE, Role.DEPARTMENT, Role.LEADER}
register_nav(NavItem("政策模拟", "/insights/simulations", READERS,
                     order=46, description="发布前测算草稿政策覆盖的企业、金额区间和预算使用",
                     group="政策管理"))


def parse_take_up(raw: str | None) -> Decimal:
    """申报率 in percent (e.g. 80) → 0.8; the default when blank."""
    if not raw:
        return service.DEFAULT_TAKE_UP
    try:
        value = Decimal(raw.strip().rstrip("%")) / 100
    except InvalidOperation:
        raise ValidationFailed("预计申报率应为 0 到 100 之间的数字。") from None
    if not 0 <= value <= 1:
        raise ValidationFailed("预计申报率应为 0 到 100 之间的数字。")
    return value


def parse_day(raw: str | None, default: date) -> date:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed(f"日期应为 ISO 格式，如 2025-06-01：{raw}") from None


@router.get("/insights/simulations")
def versions(request: Request, db: DBSession, actor: SimulationUser) -> Response:
    docs = service.versions_for(db, actor)
    return render(request, "insights/simulations.html", {
        "docs": docs, "labels": policies.STATUS_LABELS})


@router.get("/insights/simulations/{document_id}/{number}")
def simulation_page(request: Request, db: DBSession, clock: ClockDep, actor: SimulationUser,
                    document_id: int, number: int, as_of: str = "", take_up: str = "",
                    item: str = "", threshold: str = "", value: str = "") -> Response:
    draft = service.draft_version(db, actor, document_id, number)
    when = parse_day(as_of, policy_date_for(clock, web.settings_of(request)))
    rate = parse_take_up(take_up)
    registry = service.registry_for(db, draft.items)
    sims = service.simulate(db, draft.items, when, take_up=rate, registry=registry)
    chosen = next((i for i in draft.items if i.id == item), None)
    whatif = curve = None
    if chosen is not None and threshold:
        t, points = service.sweep(db, chosen, threshold, None, when)
        curve = service.sweep_chart(t, points)
        if value:
            try:
                moved = Decimal(value)
            except InvalidOperation:
                raise ValidationFailed("门槛值应为数字。") from None
            whatif = service.what_if(db, chosen, threshold, moved, when)
    return render(request, "insights/simulation.html", {
        "draft": draft, "sims": sims, "as_of": when, "take_up": rate * 100,
        "thresholds": {i.id: service.thresholds(i) for i in draft.items},
        "chosen": chosen, "threshold": threshold, "value": value, "whatif": whatif,
        "curve": curve, "versions": policies.document(db, document_id)[1], "wan": service.wan})


@router.get("/insights/simulations/{document_id}/{number}/compare")
def compare_page(request: Request, db: DBSession, clock: ClockDep, actor: SimulationUser,
                 document_id: int, number: int, against: int | None = None,
                 as_of: str = "") -> Response:
    draft = service.draft_version(db, actor, document_id, number)
    base = service.baseline(db, actor, draft, against)
    when = parse_day(as_of, policy_date_for(clock, web.settings_of(request)))
    rows = service.compare(db, base.items, draft.items, when)
    return render(request, "insights/compare.html", {
        "draft": draft, "base": base, "rows": rows, "as_of": when, "against": against,
        "versions": policies.document(db, document_id)[1]})
