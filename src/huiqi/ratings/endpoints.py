"""The ratings JSON API under /api/v1 (Bearer token): rate a 办件, list and read ratings, take
the 差评 loop's steps, read the figures."""

from __future__ import annotations

from datetime import date

from fastapi import Request

from huiqi.auth.dependencies import CurrentUser
from huiqi.kit import web
from huiqi.kit.errors import NotFound
from huiqi.kit.pagination import PageQuery, paginate
from huiqi.kit.web import ClockDep, DBSession
from huiqi.ratings import schemas as s
from huiqi.ratings import service, webforms
from huiqi.ratings.service import RatingIn

router = web.router(tags=["好差评"])


@router.post("/ratings", response_model=s.RatingOut, status_code=201, summary="评价办件")
def rate(body: s.RatingInBody, db: DBSession, clock: ClockDep, actor: CurrentUser
         ) -> s.RatingOut:
    rating = service.rate_case(db, actor, clock, body.case_kind, body.case_ref,
                               RatingIn(level=body.level, comment=body.comment, tags=body.tags))
    return s.RatingOut.model_validate(rating)


@router.get("/ratings", response_model=s.RatingPage, summary="评价列表")
def ratings(request: Request, db: DBSession, clock: ClockDep, actor: CurrentUser,
            params: PageQuery) -> s.RatingPage:
    flt, _ = webforms.rating_filter(request, clock.today_local())
    page = paginate(db, service.list_query(actor, flt), params)
    return s.RatingPage(items=[s.RatingOut.model_validate(r) for r in page.items],
                        total=page.total, page=page.page, per_page=page.per_page)


@router.get("/ratings/stats", response_model=s.StatsOut, summary="好差评统计")
def stats(db: DBSession, clock: ClockDep, actor: CurrentUser, start: date | None = None,
          end: date | None = None, by: str = "department") -> s.StatsOut:
    last = end or clock.today_local()
    first = start or date.fromordinal(last.toordinal() - webforms.DEFAULT_DAYS + 1)
    r = service.report(db, actor, first, last, by)
    return s.StatsOut(start=r.start, end=r.end, dimension=r.dimension,
                      definitions=dict(service.DEFINITIONS), overall=s.figures_out(r.overall),
                      groups={k: s.figures_out(v) for k, v in r.groups.items()})


@router.get("/ratings/{rating_id:int}", response_model=s.RatingOut, summary="评价详情")
def detail(rating_id: int, db: DBSession, actor: CurrentUser) -> s.RatingOut:
    return s.RatingOut.model_validate(service.detail(db, actor, rating_id).rating)


@router.post("/ratings/{rating_id:int}/{step}", response_model=s.RatingOut,
             summary="差评处置：verify 核实、rectify 整改、revisit 回访")
def step(rating_id: int, step: str, body: s.StepBody, db: DBSession, clock: ClockDep,
         actor: CurrentUser) -> s.RatingOut:
    if step == "verify":
        rating = service.verify(db, actor, clock, rating_id, body.result or "", body.note)
    elif step == "rectify":
        rating = service.rectify(db, actor, clock, rating_id, body.note)
    elif step == "revisit":
        rating = service.revisit(db, actor, clock, rating_id, body.result or "", body.note)
    else:
        raise NotFound("没有这个处置步骤：可用 verify、rectify、revisit。")
    return s.RatingOut.model_validate(rating)
