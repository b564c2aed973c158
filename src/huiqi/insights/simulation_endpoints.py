"""政策模拟 under /api/v1: a version of the policy library over the whole registry, a threshold
what-if, and two versions side by side."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import require_roles
from huiqi.insights import service
from huiqi.insights.simulation import ItemSimulation
from huiqi.insights.simulation_views import parse_day, parse_take_up
from huiqi.kit import web
from huiqi.kit.errors import NotFound
from huiqi.kit.settings import policy_date_for
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.user import Role

router = web.router(tags=["政策模拟"])
SimulationUser = Annotated[Actor, Depends(require_roles(Role.OFFICE, Role.DEPARTMENT,
                                                           Role.LEADER))]


class ShareOut(BaseModel):
    label: str
    count: int
    amount: Decimal


class ItemSimulationOut(BaseModel):
    item_id: str
    title: str
    as_of: str
    population: int
    in_scope: int
    eligible: int
    unknown: int
    certain: Decimal
    upper: Decimal
    unbounded: int
    drivers: list[ShareOut]
    near: dict[str, int]
    by_industry: list[ShareOut]
    by_size: list[ShareOut]
    by_street: list[ShareOut]
    by_band: list[ShareOut]
    take_up: Decimal
    expected: Decimal
    budget: Decimal | None
    runs_out: str | None
    warnings: list[str]


class WhatIfOut(BaseModel):
    sentence: str
    added: int
    removed: int
    delta: Decimal
    before: ItemSimulationOut
    after: ItemSimulationOut


class ChangeOut(BaseModel):
    uscc: str
    name: str
    before: str
    after: str
    criteria: str


class ComparisonOut(BaseModel):
    item_id: str
    title: str
    before: ItemSimulationOut | None
    after: ItemSimulationOut | None
    gainers: list[ChangeOut]
    losers: list[ChangeOut]


def sim_out(s: ItemSimulation) -> ItemSimulationOut:
    def shares(rows: list[tuple[str, int, Decimal]]) -> list[ShareOut]:
        return [ShareOut(label=a, count=b, amount=c) for a, b, c in rows]

    return ItemSimulationOut(
        item_id=s.item.id, title=s.item.title, as_of=s.as_of.isoformat(),
        population=s.population, in_scope=s.in_scope, eligible=s.eligible, unknown=s.unknown,
        certain=s.certain, upper=s.upper, unbounded=s.unbounded,
        drivers=shares([(d.label, d.enterprises, d.amount) for d in s.drivers]),
        near=dict(s.near),
        by_industry=shares([(x.label, x.count, x.amount) for x in s.by_industry]),
        by_size=shares([(x.label, x.count, x.amount) for x in s.by_size]),
        by_street=shares([(x.label, x.count, x.amount) for x in s.by_street]),
        by_band=shares([(x.label, x.count, x.amount) for x in s.by_band]),
        take_up=s.take_up, expected=s.expected, budget=s.budget, runs_out=s.runs_out,
        warnings=s.warnings)


@router.get("/insights/simulations/{document_id}/{number}",
            response_model=list[ItemSimulationOut], summary="模拟测算政策库中的一个版本（如草稿）")
def simulate_version(request: Request, db: DBSession, clock: ClockDep, actor: SimulationUser,
                     document_id: int, number: int, as_of: str = "",
                     take_up: str = "") -> list[ItemSimulationOut]:
    draft = service.draft_version(db, actor, document_id, number)
    when = parse_day(as_of, policy_date_for(clock, web.settings_of(request)))
    sims = service.simulate(db, draft.items, when, take_up=parse_take_up(take_up))
    return [sim_out(s) for s in sims]


@router.get("/insights/simulations/{document_id}/{number}/what-if", response_model=WhatIfOut,
            summary="门槛测算：把某个事项的门槛改为 value 时的变化")
def what_if(request: Request, db: DBSession, clock: ClockDep, actor: SimulationUser,
            document_id: int, number: int, item_id: str, threshold: str, value: Decimal,
            as_of: str = "") -> WhatIfOut:
    draft = service.draft_version(db, actor, document_id, number)
    item = next((i for i in draft.items if i.id == item_id), None)
    if item is None:
        raise NotFound(f"该版本中没有事项“{item_id}”。")
    when = parse_day(as_of, policy_date_for(clock, web.settings_of(request)))
    w = service.what_if(db, item, threshold, value, when)
    return WhatIfOut(sentence=w.sentence(), added=w.added, removed=w.removed, delta=w.delta,
                     before=sim_out(w.before), after=sim_out(w.after))


@router.get("/insights/simulations/{document_id}/{number}/compare",
            response_model=list[ComparisonOut], summary="两个版本对比：新增和不再符合条件的企业")
def compare(request: Request, db: DBSession, clock: ClockDep, actor: SimulationUser,
            document_id: int, number: int, against: int | None = None,
            as_of: str = "") -> list[ComparisonOut]:
    draft = service.draft_version(db, actor, document_id, number)
    base = service.baseline(db, actor, draft, against)
    when = parse_day(as_of, policy_date_for(clock, web.settings_of(request)))
    out = []
    for c in service.compare(db, base.items, draft.items, when):
        out.append(ComparisonOut(
            item_id=c.item_id, title=c.title,
            before=sim_out(c.before) if c.before else None,
            after=sim_out(c.after) if c.after else None,
            gainers=[ChangeOut(uscc=g.uscc, name=g.name, before=g.before, after=g.after,
                               criteria=g.criteria) for g in c.gainers],
            losers=[ChangeOut(uscc=g.uscc, name=g.name, before=g.before, after=g.after,
                              criteria=g.criteria) for g in c.losers]))
    return out
