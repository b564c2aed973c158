"""Indicators Huiqi computes from its own data, by the catalog's `source` key, for one month
(Beijing dates): the appeal rates, policy payout days, the 免申即享 share, money paid.
A month's computed value is replaced when recomputed (data of the month may still arrive)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.grants import service as grants
from huiqi.insights import dashboard_repository as dash
from huiqi.insights import indicators_repository as repo
from huiqi.insights.dashboard_public import reader
from huiqi.insights.indicators import month_bounds
from huiqi.kit.clock import Clock, to_local
from huiqi.models.indicator import IndicatorValue

Q = Decimal("0.01")


def _percent(rate: appeals.Rate) -> Decimal | None:
    value = rate.value
    if value is None:
        return None
    return (Decimal(value.numerator * 100) / value.denominator).quantize(Q, ROUND_HALF_UP)


def _rates(db: Session, actor: Actor, period: str, now: datetime) -> appeals.AppealRates:
    start, end = month_bounds(period)
    return appeals.rates_between(db, actor, start, end, now)


def _payout_days(db: Session, actor: Actor, period: str, now: datetime) -> Decimal | None:
    """Mean calendar days from an application's submission to its payout, over the grants paid
    in the month (Beijing dates)."""
    start, end = month_bounds(period)
    paid = [g for g in repo.objects(db, grants.grants_query(db, actor, grants.LedgerFilter(
        status="paid"))) if g.paid_at and start <= to_local(g.paid_at).date() <= end]
    if not paid:
        return None
    ids = {g.application_id for g in paid}
    submitted = {a.id: a.submitted_at for a in repo.objects(db, grants.applications_query(
        db, actor, grants.LedgerFilter())) if a.id in ids}
    days = [(to_local(g.paid_at).date() - to_local(submitted[g.application_id]).date()).days
            for g in paid if g.paid_at and g.application_id in submitted]
    if not days:
        return None
    return (Decimal(sum(days)) / len(days)).quantize(Q, ROUND_HALF_UP)


def _auto_share(db: Session, actor: Actor, period: str, now: datetime) -> Decimal | None:
    """免申即享 share: grants approved in the month that came from an auto-grant list, %."""
    start, end = month_bounds(period)
    window = grants.LedgerFilter(date_from=start, date_to=end)
    n = dash.count_and_sum(db, grants.grants_query(db, actor, window), None)[0]
    if not n:
        return None
    auto = dash.count_and_sum(db, grants.grants_query(db, actor, grants.LedgerFilter(
        date_from=start, date_to=end, source="auto")), None)[0]
    return (Decimal(auto * 100) / n).quantize(Q, ROUND_HALF_UP)


def _paid_wan(db: Session, actor: Actor, period: str, now: datetime) -> Decimal | None:
    start, end = month_bounds(period)
    total = sum((amount for at, amount in dash.stamped(db, grants.grants_query(
        db, actor, grants.LedgerFilter(status="paid")), "paid_at", "amount")
        if at is not None and start <= to_local(at).date() <= end), Decimal("0"))
    return (total / 10000).quantize(Q, ROUND_HALF_UP)


Computer = Callable[[Session, Actor, str, datetime], Decimal | None]
SOURCES: dict[str, tuple[str, Computer]] = {
    "appeal_response_rate": ("诉求响应率（%）", lambda db, a, p, now: _percent(
        _rates(db, a, p, now).response)),
    "appeal_on_time_rate": ("诉求按时办结率（%）", lambda db, a, p, now: _percent(
        _rates(db, a, p, now).on_time)),
    "appeal_resolution_rate": ("诉求办结率（%）", lambda db, a, p, now: _percent(
        _rates(db, a, p, now).resolution)),
    "appeal_satisfaction_rate": ("诉求满意率（%）", lambda db, a, p, now: _percent(
        _rates(db, a, p, now).satisfaction)),
    "policy_payout_days": ("政策兑现平均天数（天）", _payout_days),
    "auto_grant_share": ("免申即享占比（%）", _auto_share),
    "grants_paid_wan": ("惠企资金兑付额（万元）", _paid_wan),
}


def compute(db: Session, clock: Clock, period: str) -> dict[str, Decimal | None]:
    """Compute every active computed indicator for `period` and store the values that exist
    (a month with nothing to measure stores nothing); returns {code: value}."""
    actor, now, out = reader(), clock.now(), {}
    for ind in repo.computed(db):
        source = SOURCES.get(ind.source)
        if source is None:
            continue
        value = source[1](db, actor, period, now)
        out[ind.code] = value
        if value is None:
            continue
        row = repo.value(db, ind.id, period)
        if row is None:
            row = IndicatorValue(indicator_id=ind.id, period=period, value=value)
            db.add(row)
        row.value, row.computed, row.entered_by, row.entered_at = value, True, None, now
        row.note = "平台根据业务数据自动计算"
    db.flush()
    return out
