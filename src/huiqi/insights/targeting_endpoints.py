"""政策精准推送 under /api/v1: an item's list by segment and filters (paged through all of it),
and the batch actions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, Field

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import require_roles
from huiqi.insights import service
from huiqi.insights.targeting import FILTERS, Targeting, TargetRow
from huiqi.kit import web
from huiqi.kit.pagination import PageQuery
from huiqi.kit.settings import policy_date_for
from huiqi.kit.web import ClockDep, DBSession
from huiqi.models.user import Role

router = web.router(tags=["政策精准推送"])
TargetingUser = Annotated[Actor, Depends(require_roles(Role.OFFICE, Role.DEPARTMENT,
                                                          Role.LEADER))]


class TargetRowOut(BaseModel):
    uscc: str
    name: str
    region: str | None
    street: str | None
    industry_code: str | None
    size_class: str | None
    eligible: bool | None
    amount: Decimal | None
    failed: list[str]
    missing: list[str]
    segment: str
    application: str | None = Field(None, description="申报状态（已申报的企业）")


class MissingGroupOut(BaseModel):
    fields: list[str]
    labels: list[str]
    count: int


class TargetingOut(BaseModel):
    item_id: str
    as_of: str
    segment: str
    counts: dict[str, int]
    missing_groups: list[MissingGroupOut]
    near_by_criterion: dict[str, int]
    total: int
    page: int
    per_page: int
    rows: list[TargetRowOut]


class ActionIn(BaseModel):
    kind: str = Field(description="push（推送通知）| visit（走访任务）| facts（请企业补充信息）")
    segment: str = "unknown"
    filters: dict[str, str] = Field(default_factory=dict,
                                    description="street / industry / size / tier（包联层级 id）"
                                                " / liaison（包联干部用户 id）")
    missing: str = Field("", description="待补充信息分组：缺少的字段以 ; 连接")
    planned_on: date | None = Field(None, description="走访任务的计划走访日期（默认 7 天后）")


class ActionOut(BaseModel):
    kind: str
    selected: int
    created: int
    skipped: int
    notified: int
    summary: str
    plans: int = Field(0, description="走访任务：新建的走访计划数（每名干部、每家企业一项）")
    unassigned: int = Field(0, description="走访任务：无包联干部（该层级）的企业数，未生成")


def _row(r: TargetRow) -> TargetRowOut:
    return TargetRowOut(
        uscc=r.uscc, name=r.name, region=r.region, street=r.street,
        industry_code=r.industry_code, size_class=r.size_class, eligible=r.eligible,
        amount=r.amount, failed=list(r.failed), missing=list(r.missing), segment=r.segment,
        application=r.standing.label if r.standing else None)


def _targeting(request: Request, db: DBSession, clock: ClockDep, actor: Actor, item_id: str,
               segment: str, filters: dict[str, str], missing: str) -> Targeting:
    item = service.item_for(db, actor, item_id)
    as_of = policy_date_for(clock, web.settings_of(request))
    return service.targeting(db, item, as_of, segment=segment, filters=filters,
                             missing=missing)


@router.get("/insights/items/{item_id}/targeting", response_model=TargetingOut,
            summary="政策事项的精准推送名单（分组、筛选、分页，不限条数）")
def targeting_list(request: Request, db: DBSession, clock: ClockDep, actor: TargetingUser,
                   item_id: str, paging: PageQuery, segment: str = "unknown",
                   missing: str = "") -> TargetingOut:
    filters = {f.name: request.query_params.get(f.name, "") for f in FILTERS}
    t = _targeting(request, db, clock, actor, item_id, segment, filters, missing)
    rows = t.rows[paging.offset:paging.offset + paging.per_page]
    return TargetingOut(
        item_id=t.item.id, as_of=t.as_of.isoformat(), segment=t.segment, counts=t.counts,
        missing_groups=[MissingGroupOut(fields=list(g.fields), labels=list(g.labels),
                                        count=g.count) for g in t.missing_groups],
        near_by_criterion=dict(t.near_by_criterion), total=len(t.rows), page=paging.page,
        per_page=paging.per_page, rows=[_row(r) for r in rows])


@router.post("/insights/items/{item_id}/targeting/actions", response_model=ActionOut,
             summary="对名单批量推送通知、生成走访任务或请企业补充信息（每家企业只一次）")
def targeting_action(request: Request, body: ActionIn, db: DBSession, clock: ClockDep,
                     actor: TargetingUser, item_id: str) -> ActionOut:
    t = _targeting(request, db, clock, actor, item_id, body.segment, body.filters, body.missing)
    report = service.act(db, actor, clock, t.item, body.kind, t.rows, note={
        "segment": t.segment, "filters": t.filters, "missing": t.missing_key, "via": "api"},
        tier=t.filters.get("tier", ""), official=t.filters.get("liaison", ""),
        planned_on=body.planned_on)
    return ActionOut(kind=report.kind, selected=report.selected, created=report.created,
                     skipped=report.skipped, notified=report.notified, summary=report.summary(),
                     plans=report.plans, unassigned=report.unassigned)
