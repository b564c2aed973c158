"""API of the grants loop's checks: 免申即享 公示 and objections, regeneration, and the office's
settings (审批与复核分离 threshold, 公示 working days)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from huiqi.auth.dependencies import CurrentUser, OfficeUser
from huiqi.grants import autogrant, autolists, duties, publicity
from huiqi.kit import web
from huiqi.kit.web import ClockDep, DBSession
from huiqi.security.service import Idempotent

router = web.router(tags=["政策兑现"])


class ObjectionIn(BaseModel):
    kind: Literal["decline", "objection", "concern"]
    note: str = Field("", max_length=2000)


class DecisionIn(BaseModel):
    upheld: bool
    decision: str = Field(..., max_length=2000)


class RowState(BaseModel):
    id: int
    status: str
    objection_status: str | None
    decision_reason: str | None


class ListOut(BaseModel):
    id: int
    item_id: str
    rows: int
    replaces_id: int | None
    changes: dict[str, Any] | None
    publicity_from: date | None
    publicity_until: date | None


class PublicRow(BaseModel):
    name: str
    amount: Decimal | None


class PublicList(BaseModel):
    item_title: str
    year: int
    publicity_from: date | None
    publicity_until: date | None
    rows: list[PublicRow]


class SettingIn(BaseModel):
    key: Literal["second_approval_above", "publicity_workdays"]
    value: str | None = Field(None, max_length=40)


def _list_out(listing: Any) -> ListOut:
    return ListOut(id=listing.id, item_id=listing.item_id, rows=listing.rows,
                   replaces_id=listing.replaces_id, changes=listing.changes,
                   publicity_from=listing.publicity_from, publicity_until=listing.publicity_until)


def _row(app: Any) -> RowState:
    return RowState(id=app.id, status=app.status, objection_status=app.objection_status,
                    decision_reason=app.decision_reason)


@router.post("/grants/auto-lists/{list_id}/publish", response_model=ListOut,
             summary="发布免申即享名单公示（营商办）")
def publish(list_id: int, db: DBSession, clock: ClockDep, actor: OfficeUser) -> ListOut:
    return _list_out(autolists.publish(db, actor, list_id, clock=clock))


@router.post("/grants/auto-lists/{list_id}/regenerate", response_model=ListOut, status_code=201,
             summary="按现有企业信息重新生成名单（列出新增、移出及原因）")
def regenerate(list_id: int, db: DBSession, idem: Idempotent,
               clock: ClockDep, actor: OfficeUser) -> ListOut:
    return _list_out(autogrant.regenerate(db, actor, list_id, clock=clock))


@router.post("/grants/auto-rows/{application_id}/objection", response_model=RowState,
             summary="公示期内：企业放弃或提出异议；任何登录用户可反映问题")
def objection(application_id: int, body: ObjectionIn, db: DBSession, clock: ClockDep,
              actor: CurrentUser) -> RowState:
    return _row(autolists.raise_objection(db, actor, application_id, body.kind, body.note,
                                          clock=clock))


@router.post("/grants/auto-rows/{application_id}/decision", response_model=RowState,
             summary="记录公示异议的处理结果")
def decision(application_id: int, body: DecisionIn, db: DBSession, clock: ClockDep,
             actor: CurrentUser) -> RowState:
    return _row(autolists.decide(db, actor, application_id, body.upheld, body.decision,
                                 clock=clock))


@router.get("/public/auto-lists/{list_id}", response_model=PublicList,
            summary="免申即享名单公示（公开：企业名称与金额）")
def public_list(list_id: int, db: DBSession) -> PublicList:
    listing, rows = autolists.public_rows(db, list_id)
    return PublicList(item_title=listing.item_title, year=listing.year,
                      publicity_from=listing.publicity_from,
                      publicity_until=listing.publicity_until,
                      rows=[PublicRow(name=publicity.public_name(a.enterprise_name, a.legal_form),
                                      amount=a.estimated_amount) for a in rows])


@router.get("/grants/settings", summary="政策兑现设置（营商办）")
def get_settings(db: DBSession, actor: OfficeUser) -> dict[str, str | None]:
    return duties.settings(db)


@router.post("/grants/settings", summary="修改政策兑现设置（营商办）")
def put_setting(body: SettingIn, db: DBSession, clock: ClockDep, actor: OfficeUser
                ) -> dict[str, str | None]:
    return duties.change_setting(db, actor, body.key, body.value, clock=clock)
