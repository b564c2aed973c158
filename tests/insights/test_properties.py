"""Properties of the small pure pieces: months chain without gaps, 环比 says which way and how
much, a period and the one before it tile the calendar."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huiqi.insights import indicators, report

months = st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)).map(
    indicators.month_of)
# a shared machine under load draws slowly; the properties, not the timing, are under test
SLOW_OK = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


@SLOW_OK
@given(months, st.integers(min_value=1, max_value=40))
def test_months_back_are_consecutive_and_cover_every_day(period: str, n: int) -> None:
    chain = indicators.months_back(period, n)
    assert len(chain) == n and chain[-1] == period and chain == sorted(chain)
    for earlier, later in itertools.pairwise(chain):
        assert indicators.month_bounds(earlier)[1] + timedelta(days=1) == \
            indicators.month_bounds(later)[0]


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)


@SLOW_OK
@given(amounts, amounts)
def test_change_says_which_way_and_how_much(now: Decimal, before: Decimal) -> None:
    text = report.change(now, before)
    if now == before:
        assert text == "持平"
    elif before == 0:
        assert text == "新增"
    else:
        pct = Decimal(text.rstrip("%"))
        assert (pct > 0) == (now > before) or pct == 0
        assert abs(pct - (now - before) * 100 / before) <= Decimal("0.05")


@SLOW_OK
@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 1, 1)),
       st.integers(min_value=0, max_value=365))
def test_a_period_and_the_one_before_tile_the_calendar(start: date, extra: int) -> None:
    p = report.period(start, start + timedelta(days=extra))
    before = p.previous()
    assert before.days == p.days and before.end + timedelta(days=1) == p.start
