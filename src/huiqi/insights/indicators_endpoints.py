"""The indicator ledger's JSON API under /api/v1: the ledger for months, a department's entry,
the league table. Same access as the pages (office: all; department: its own)."""

from __future__ import annotations

from fastapi import Query

from huiqi.insights import indicators
from huiqi.insights import indicators_schemas as s
from huiqi.insights.indicators_auth import LedgerUser
from huiqi.kit import web
from huiqi.kit.web import ClockDep, DBSession

router = web.router(tags=["指标台账"])
PERIOD = Query("", pattern=r"^([0-9]{4}-(0[1-9]|1[0-2]))?$", description="月份 YYYY-MM，默认上月")


def _period(clock: ClockDep, period: str) -> str:
    return period or indicators.previous_month(indicators.month_of(clock.today_local()))


@router.get("/insights/indicators", response_model=list[s.IndicatorOut],
            summary="指标台账（所选月份及之前两个月）")
def ledger(db: DBSession, clock: ClockDep, actor: LedgerUser, period: str = PERIOD
           ) -> list[s.IndicatorOut]:
    periods = indicators.months_back(_period(clock, period), 3)
    rows = indicators.ledger(db, actor, periods)
    return [s.IndicatorOut(
        id=r.indicator.id, code=r.indicator.code, level1=r.indicator.level1,
        level2=r.indicator.level2, name=r.indicator.name, unit=r.indicator.unit,
        direction=r.indicator.direction, department=r.department,
        frequency=r.indicator.frequency, target=indicators.plain(r.indicator.target, "") or None,
        source=r.indicator.source,
        values={p: (indicators.plain(v) if v is not None else None)
                for p, v in zip(periods, r.values, strict=True)},
        met=r.met) for r in rows]


@router.post("/insights/indicators/{indicator_id}/values", response_model=s.ValueOut,
             status_code=201, summary="责任单位填报某月指标值")
def enter(indicator_id: int, body: s.ValueIn, db: DBSession, clock: ClockDep,
          actor: LedgerUser) -> s.ValueOut:
    row = indicators.enter(db, actor, clock, indicator_id, body.period,
                           indicators.parse_value(body.value), body.note)
    return s.ValueOut(indicator_id=row.indicator_id, period=row.period,
                      value=indicators.plain(row.value), note=row.note, computed=row.computed)


@router.get("/insights/indicators/league", response_model=list[s.LeagueOut],
            summary="监测指标部门排名")
def league(db: DBSession, clock: ClockDep, actor: LedgerUser, period: str = PERIOD
           ) -> list[s.LeagueOut]:
    return [s.LeagueOut(rank=r.rank, department=r.department, indicators=r.indicators,
                        reported=r.reported, met=r.met, with_target=r.with_target)
            for r in indicators.league(db, actor, _period(clock, period))]
