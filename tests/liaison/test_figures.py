"""The rates' groupings (rates_repository.figures: two GROUP BYs over covering indexes, the
others summed from them) against the definitions computed in Python from the kept member rows
and the period's events; the kept days and the events agree for a period that runs to today."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select

from huiqi.kit.db import unit_of_work
from huiqi.liaison import rates_repository as rr
from huiqi.liaison import service
from huiqi.liaison.rates import tier_sql
from huiqi.matching import repository as matching_repo
from huiqi.models.liaison import LiaisonContact, LiaisonMember
from huiqi.models.pack_opening import PackOpening
from tests.liaison.worlds import _contacts

Sums = tuple[int, int, int, int, int, int]  # members, assigned, covered, aware, eligible, benefited


def _add(found: dict[Any, Sums], key: Any, v: Sums) -> None:
    old = found.get(key, (0,) * 6)
    found[key] = tuple(a + b for a, b in zip(old, v, strict=True))  # type: ignore[assignment]


def _reference(db: Any, start: date, end: date) -> tuple[dict[Any, Sums], ...]:
    """Per tier, street and official, straight from the page's definitions."""
    def within(d: date) -> bool:
        return start <= d <= end

    c = LiaisonContact
    contacts = list(db.execute(select(c.enterprise_uscc, c.contacted_on, c.policy_count)))
    contacted = {u for u, d, _ in contacts if within(d)}
    aware = {u for u, d, n in contacts if within(d) and n > 0} | {
        u for u, d in db.execute(select(PackOpening.enterprise_uscc, PackOpening.day))
        if within(d)}
    m = LiaisonMember
    tiers: dict[Any, Sums] = {}
    streets: dict[Any, Sums] = {}
    officials: dict[Any, Sums] = {}
    for tier, uscc, street, assigned, user_id, eligible, benefited in db.execute(select(
            m.tier_id, m.enterprise_uscc, m.street, m.assigned, m.user_id, m.eligible,
            m.benefited)):
        v = (1, assigned, int(bool(assigned) and uscc in contacted), int(uscc in aware),
             eligible, int(eligible and benefited))
        _add(tiers, tier, v)
        if tier == rr.EVERYONE:
            _add(streets, street, v)
        if user_id is not None:  # it serves the enterprise: any contact covers
            _add(officials, user_id, (1, 1, int(uscc in contacted), *v[3:]))
    return tiers, streets, officials


def _sums(found: dict[Any, rr.Counts]) -> dict[Any, Sums]:
    return {k: (c.members, c.assigned, c.covered, c.aware, c.eligible, c.benefited)
            for k, c in found.items()}


def test_figures_follow_the_definitions(app_engine: Engine, lw: dict[str, Any],
                                        clock: Any) -> None:
    e, l2, today = lw["e"], lw["l2"], clock.today_local()
    _contacts(app_engine, lw, clock)  # E1 visited today (a policy), E3 phoned yesterday
    with unit_of_work(app_engine) as db:  # and earlier events, for a closed period
        service.log(db, l2, clock, None, e[1], service.VisitIn(
            channel="visit", contacted_on=(today - timedelta(days=20)).isoformat()))
        service.log(db, l2, clock, None, e[2], service.VisitIn(
            channel="online", contacted_on=(today - timedelta(days=12)).isoformat()))
        matching_repo.record_opening(db, e[3], today - timedelta(days=10))
    with unit_of_work(app_engine) as db:
        tier_sql(db, today)
        for start, end, kept in [(today - timedelta(days=6), today, True),
                                 (today - timedelta(days=6), today, False),
                                 (today - timedelta(days=25), today - timedelta(days=8), False),
                                 (today - timedelta(days=40), today, True)]:
            tiers, streets, officials = _reference(db, start, end)
            f = rr.figures(db, start, end, kept=kept)
            assert (_sums(f.per_tier), _sums(f.by_street), _sums(f.by_official)) == \
                (tiers, streets, officials), (start, end, kept)
            assert f.per_tier == rr.by_tier(db, start, end, kept=kept)  # the plain GROUP BY
        closed = rr.figures(db, today - timedelta(days=25), today - timedelta(days=8),
                            kept=False)
    # the closed period holds E2's visit and E3's online contact (l2 serves both at "all")
    # and E4's 礼包 opening; nothing of the last week
    everyone = closed.per_tier[rr.EVERYONE]
    assert (everyone.covered, everyone.aware) == (2, 1)
    assert closed.by_official[l2.user_id].covered == 2
