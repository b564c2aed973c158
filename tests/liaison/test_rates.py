"""The three rates on a hand-checked world (its own database: the counts are exact)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from huiqi.kit.db import unit_of_work
from huiqi.liaison import service
from tests.liaison.worlds import _contacts


def test_rates_hand_checked(app_engine: Engine, lw: dict[str, Any], clock: Any) -> None:
    _contacts(app_engine, lw, clock)
    e = set(lw["e"])
    today = clock.today_local()
    with unit_of_work(app_engine) as db:
        r = service.report(db, today - timedelta(days=6), today, today=today)
    tiers = {row.label: row for row in r.by_tier}
    # key tier: members E1, E2 (other tests' enterprises are not high-tech... counted below)
    key = tiers["重点企业"]
    # covered: E1 (assigned at key + visited) ; aware: E1 (policy explained)
    # eligible: E1, E2 ; benefited: E1 (grant)
    assert (key.coverage.numerator, key.awareness.numerator) == (1, 1)
    assert (key.benefit.numerator, key.benefit.denominator) == (1, 2)
    assert key.members == 2
    everyone = tiers["全部市场主体"]
    # all tier: 4 members; covered E1 (L2 at all + a contact by anyone) and E3 → 2
    assert (everyone.members, everyone.coverage.numerator, everyone.awareness.numerator) == \
        (4, 2, 1)
    assert everyone.coverage.percent == "50.0%" and everyone.benefit.percent == "50.0%"
    streets = {row.label: row for row in r.by_street}
    assert (streets["A街道"].members, streets["A街道"].coverage.numerator) == (2, 2)
    assert (streets["B街道"].members, streets["B街道"].coverage.numerator) == (2, 0)
    depts = {row.label: row for row in r.by_department}
    assert (depts["区经信委"].members, depts["区经信委"].coverage.numerator) == (1, 1)
    assert (depts["观音桥街道"].members, depts["观音桥街道"].coverage.numerator) == (3, 2)
    league = [row.label for row in r.league]
    assert league == [lw["l1"].username, lw["l2"].username]  # 100% before 66.7%
    assert len(e) == 4


