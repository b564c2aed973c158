"""The indicator ledger's scheduled work: compute last month's indicators from Huiqi's data
once the month is over, and remind each owner department, once per month, of the values it
has not entered for last month (due by the 10th)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huiqi.insights import indicators_compute
from huiqi.insights import indicators_repository as repo
from huiqi.insights.indicators import month_of, previous_month
from huiqi.kit.clock import Clock
from huiqi.models.indicator import IndicatorReminder
from huiqi.notify.service import notify

DUE_DAY = 10


def compute_last_month(db: Session, clock: Clock) -> int:
    """Last month's computed indicators, while any of them has no value yet (a month with
    nothing to measure is looked at again; `huiqi indicators compute` recomputes on demand)."""
    period = previous_month(month_of(clock.today_local()))
    if not repo.computed_missing(db, period):
        return 0
    return sum(v is not None for v in indicators_compute.compute(db, clock, period).values())


def remind(db: Session, clock: Clock) -> int:
    """Notify departments with missing values for last month; returns how many were told."""
    period = previous_month(month_of(clock.today_local()))
    told = 0
    for dept_id, missing in sorted(repo.missing_manual(db, period).items()):
        if repo.reminded(db, dept_id, period):
            continue
        db.add(IndicatorReminder(department_id=dept_id, period=period, missing=missing,
                                 sent_at=clock.now()))
        notify(db, repo.department_user_ids(db, dept_id), f"请填报 {period} 营商环境监测指标",
               f"本部门还有 {missing} 项 {period} 的监测指标未填报，请于本月 {DUE_DAY} 日前填报。",
               f"/insights/indicators/entry?period={period}")
        told += 1
    db.flush()
    return told
