"""Appeals API for the office: meetings, 12345 imports, categories, holiday overrides, 营商前哨,
包联 links; rates and trends (readable by every role, over what the caller may see)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import File, UploadFile

from huiqi.appeals import categories, rates, service, stats
from huiqi.appeals import schemas as s
from huiqi.appeals.intake import AppealIn, MeetingIn
from huiqi.auth.dependencies import CurrentUser
from huiqi.kit import web
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.web import ClockDep, DBSession
from huiqi.security.service import Idempotent

router = web.router()
MAX_IMPORT_BYTES = 20 * 1024 * 1024


@router.post("/appeals/meetings", response_model=s.MeetingOut, status_code=201,
             summary="录入政企恳谈会及会上收集的全部诉求")
def meeting(body: s.MeetingInBody, db: DBSession, idem: Idempotent,
            clock: ClockDep, actor: CurrentUser
            ) -> s.MeetingOut:
    data = MeetingIn(title=body.title, held_on=body.held_on, location=body.location,
                     host=body.host, notes=body.notes,
                     appeals=[AppealIn(**a.model_dump()) for a in body.appeals])
    row, appeals = service.record_meeting(db, actor, clock, data)
    return s.MeetingOut(meeting_id=row.id, appeal_ids=[a.id for a in appeals])


@router.post("/appeals/imports/12345", response_model=s.ImportOut, status_code=201,
             summary="导入12345热线转办工单（Excel/CSV）", max_body_size=MAX_IMPORT_BYTES)
def import_hotline(db: DBSession, idem: Idempotent, clock: ClockDep, actor: CurrentUser,
                   file: Annotated[UploadFile, File()]) -> s.ImportOut:
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationFailed("导入文件不能超过 20 MB，请拆分后导入。")
    result = service.import_hotline(db, actor, clock, file.filename or "12345.xlsx", data)
    return s.ImportOut(batch_id=result.batch.id, total_rows=result.batch.total_rows,
                       imported=result.imported, duplicates=result.duplicates,
                       errors=[s.RowErrorOut(row=e.row, reason=e.reason, code=e.code)
                               for e in result.errors])


@router.get("/appeals/categories", response_model=list[s.CategoryOut], summary="诉求类别")
def category_list(db: DBSession, actor: CurrentUser, all: bool = False
                  ) -> list[s.CategoryOut]:
    return [s.CategoryOut.model_validate(c)
            for c in categories.list_categories(db, active_only=not all)]


@router.post("/appeals/categories", response_model=s.CategoryOut, status_code=201,
             summary="新增诉求类别及时限（营商办）")
def category_create(body: s.CategoryIn, db: DBSession, idem: Idempotent,
                    clock: ClockDep, actor: CurrentUser
                    ) -> s.CategoryOut:
    row = categories.create_category(db, actor, clock, **body.model_dump())
    return s.CategoryOut.model_validate(row)


@router.patch("/appeals/categories/{category_id:int}", response_model=s.CategoryOut,
              summary="修改诉求类别及时限（营商办）")
def category_update(category_id: int, body: s.CategoryPatch, db: DBSession, clock: ClockDep,
                    actor: CurrentUser) -> s.CategoryOut:
    row = categories.update_category(db, actor, clock, category_id,
                                     **body.model_dump(exclude_unset=True))
    return s.CategoryOut.model_validate(row)


@router.get("/appeals/holiday-overrides", response_model=list[s.OverrideOut],
            summary="人工维护的节假日与调休工作日")
def override_list(db: DBSession, actor: CurrentUser) -> list[s.OverrideOut]:
    return [s.OverrideOut.model_validate(r) for r in categories.list_overrides(db)]


@router.put("/appeals/holiday-overrides/{day}", response_model=s.OverrideOut,
            summary="设置某日为节假日或调休工作日（营商办）")
def override_set(day: date, body: s.OverrideIn, db: DBSession, clock: ClockDep,
                 actor: CurrentUser) -> s.OverrideOut:
    row = categories.set_override(db, actor, clock, day, body.kind, body.note)
    return s.OverrideOut.model_validate(row)


@router.delete("/appeals/holiday-overrides/{day}", status_code=204, summary="删除人工设置")
def override_remove(day: date, db: DBSession, clock: ClockDep, actor: CurrentUser) -> None:
    categories.remove_override(db, actor, clock, day)


@router.put("/appeals/sentinels/{uscc}", status_code=204, summary="设为营商前哨企业")
def sentinel_add(uscc: str, body: s.FlagIn, db: DBSession, clock: ClockDep, actor: CurrentUser
                 ) -> None:
    service.set_sentinel(db, actor, clock, uscc, True, body.note)


@router.delete("/appeals/sentinels/{uscc}", status_code=204, summary="取消营商前哨企业")
def sentinel_remove(uscc: str, db: DBSession, clock: ClockDep, actor: CurrentUser) -> None:
    service.set_sentinel(db, actor, clock, uscc, False)


@router.put("/appeals/liaisons/{user_id:int}/enterprises/{uscc}", status_code=204,
            summary="将企业纳入服务专员包联名单")
def liaison_assign(user_id: int, uscc: str, db: DBSession, clock: ClockDep, actor: CurrentUser
                   ) -> None:
    service.assign_liaison(db, actor, clock, user_id, uscc, True)


@router.delete("/appeals/liaisons/{user_id:int}/enterprises/{uscc}", status_code=204,
               summary="移出包联名单")
def liaison_unassign(user_id: int, uscc: str, db: DBSession, clock: ClockDep,
                     actor: CurrentUser) -> None:
    service.assign_liaison(db, actor, clock, user_id, uscc, False)


def _rates(r: rates.AppealRates) -> s.RatesOut:
    def one(rate: rates.Rate) -> s.RateOut:
        return s.RateOut(numerator=rate.numerator, denominator=rate.denominator,
                         percent=rate.percent)

    return s.RatesOut(dispatched=r.dispatched, response=one(r.response), on_time=one(r.on_time),
                      resolution=one(r.resolution), satisfaction=one(r.satisfaction),
                      overdue_open=r.overdue_open, closed=r.closed)


@router.get("/appeals/rates", response_model=s.RatesReport,
            summary="响应率、按时办结率、办结率、满意率与部门排名（按交办日期统计）")
def rate_report(db: DBSession, clock: ClockDep, actor: CurrentUser, start: date | None = None,
                end: date | None = None) -> s.RatesReport:
    end = end or clock.today_local()
    start = start or end.replace(day=1)
    if start > end:
        raise ValidationFailed("开始日期不能晚于结束日期。")
    recs = rates.dispatched_between(stats.records(db, actor), start, end)
    now = clock.now()
    return s.RatesReport(
        start=start, end=end, overall=_rates(rates.appeal_rates(recs, now)),
        by_department={k: _rates(v) for k, v in rates.rates_by(recs, rates.by_department,
                                                                 now).items()},
        by_category={k: _rates(v) for k, v in rates.rates_by(recs, rates.by_category,
                                                               now).items()},
        league=[s.LeagueRowOut(rank=r.rank, department=r.department,
                               score=str(r.score) if r.score is not None else None,
                               rates=_rates(r.rates)) for r in rates.league_table(recs, now)],
        definitions=dict(rates.DEFINITIONS))


@router.get("/appeals/trends", response_model=list[s.TrendOut],
            summary="各类别本周新增诉求与前四周比较（苗头性、倾向性）")
def trends(db: DBSession, clock: ClockDep, actor: CurrentUser, week: date | None = None,
           sentinel: bool = False) -> list[s.TrendOut]:
    day = week or clock.today_local()
    monday = day - timedelta(days=day.weekday())
    recs = stats.records(db, actor, sentinel_only=sentinel)
    return [s.TrendOut(category=t.category, this_week=t.this_week, previous=list(t.previous),
                       mean=f"{float(t.mean):.2f}", rising=t.rising)
            for t in rates.weekly_trends(recs, monday)]
