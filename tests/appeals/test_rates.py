"""Rates over a small fixture whose figures are worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from huiqi.appeals.deadlines import SHANGHAI
from huiqi.appeals.rates import (
    DEFINITIONS,
    AppealRecord,
    Rate,
    appeal_rates,
    by_category,
    by_department,
    by_month,
    by_week,
    dispatched_between,
    league_table,
    rates_by,
    score,
    weekly_trends,
)

D = date.fromisoformat


def bj(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


AS_OF = bj("2025-10-20 10:00")  # Monday


def rec(
    n: int,
    department: str | None,
    category: str,
    dispatched: str | None,
    sign_due: str | None = None,
    signed: str | None = None,
    resolve_due: str | None = None,
    resolved: str | None = None,
    satisfaction: int | None = None,
) -> AppealRecord:
    return AppealRecord(
        category=category,
        submitted_at=bj(dispatched or "2025-10-17 09:00"),
        department=department,
        dispatched_at=bj(dispatched) if dispatched else None,
        sign_due=D(sign_due) if sign_due else None,
        signed_at=bj(signed) if signed else None,
        resolve_due=D(resolve_due) if resolve_due else None,
        resolved_at=bj(resolved) if resolved else None,
        closed=satisfaction is not None,
        visited=satisfaction is not None,
        satisfaction=satisfaction,
    )


HR, MS, ZJ = "区人力社保局", "区市场监管局", "区住建委"
RECORDS = [
    # 1 HR 用工: signed in time, resolved in time, very satisfied.
    rec(1, HR, "用工", "2025-09-26 10:00", "2025-09-28", "2025-09-28 09:00",
        "2025-10-10", "2025-10-09 15:00", 5),
    # 2 HR 用工: signed late (10-09 > 09-30), resolved late (10-14 > 10-13), satisfaction 3.
    rec(2, HR, "用工", "2025-09-29 10:00", "2025-09-30", "2025-10-09 09:00",
        "2025-10-13", "2025-10-14 11:00", 3),
    # 3 HR 融资: signed in time; open, due today (10-20) -> not yet overdue.
    rec(3, HR, "融资", "2025-10-13 10:00", "2025-10-14", "2025-10-14 16:00", "2025-10-20"),
    # 4 MS 审批: signed on Saturday (in time); resolved 23:30 Beijing on the due day, satisfied.
    rec(4, MS, "审批", "2025-09-26 10:00", "2025-09-28", "2025-09-27 20:00",
        "2025-10-10", "2025-10-10 23:30", 4),
    # 5 MS 审批: signed 00:10 Beijing on 10-11 (UTC date 10-10!) -> late; open, overdue (10-16).
    rec(5, MS, "审批", "2025-10-09 10:00", "2025-10-10", "2025-10-11 00:10", "2025-10-16"),
    # 6 MS 融资: signed in time, resolved in time, not visited.
    rec(6, MS, "融资", "2025-10-09 10:00", "2025-10-10", "2025-10-10 09:00",
        "2025-10-16", "2025-10-15 17:00"),
    # 7 ZJ 审批: never signed (sign due 10-16); open, resolve due 10-22 -> not overdue.
    rec(7, ZJ, "审批", "2025-10-15 10:00", "2025-10-16", None, "2025-10-22"),
    # 8 not dispatched yet: no part in any rate.
    rec(8, None, "用工", None),
    # 9 ZJ 用工: signed in time, resolved in time, satisfied.
    rec(9, ZJ, "用工", "2025-09-29 10:00", "2025-09-30", "2025-09-30 10:00",
        "2025-10-13", "2025-10-10 10:00", 4),
]  # fmt: skip


def fractions(r: Rate) -> tuple[int, int]:
    return (r.numerator, r.denominator)


def test_overall_rates() -> None:
    rates = appeal_rates(RECORDS, AS_OF)
    # Dispatched: 1-7, 9 = 8. Signed in time: 1, 3, 4, 6, 9 = 5 -> 5/8 = 62.5%.
    assert rates.dispatched == 8
    assert fractions(rates.response) == (5, 8) and rates.response.percent == "62.5%"
    # Resolved: 1, 2, 4, 6, 9 = 5; in time: 1, 4, 6, 9 = 4; overdue open: 5 -> 4/(5+1) = 66.7%.
    assert fractions(rates.on_time) == (4, 6) and rates.on_time.percent == "66.7%"
    assert rates.overdue_open == 1
    # Resolution: 5/8.
    assert fractions(rates.resolution) == (5, 8)
    # Visited with a score: 1 (5), 2 (3), 4 (4), 9 (4); satisfied (>= 4): 3 -> 75.0%.
    assert fractions(rates.satisfaction) == (3, 4) and rates.satisfaction.percent == "75.0%"
    assert rates.closed == 4


def test_rates_by_department() -> None:
    table = rates_by(RECORDS, by_department, AS_OF)
    assert list(table) == [HR, ZJ, MS]  # sorted by name (code points)
    hr, ms, zj = table[HR], table[MS], table[ZJ]
    # HR: sign 1 ok, 2 late, 3 ok -> 2/3; resolved 1, 2 (1 in time), 3 not overdue -> 1/2;
    # resolution 2/3; satisfaction 5 yes, 3 no -> 1/2.
    assert [fractions(x) for x in (hr.response, hr.on_time, hr.resolution, hr.satisfaction)] == [
        (2, 3), (1, 2), (2, 3), (1, 2)
    ]  # fmt: skip
    # MS: sign 4 ok, 5 late, 6 ok -> 2/3; in time 4, 6, overdue open 5 -> 2/3; resolution 2/3;
    # satisfaction 4 -> 1/1.
    assert [fractions(x) for x in (ms.response, ms.on_time, ms.resolution, ms.satisfaction)] == [
        (2, 3), (2, 3), (2, 3), (1, 1)
    ]  # fmt: skip
    # ZJ: sign 7 missing, 9 ok -> 1/2; resolved 9 in time, 7 not overdue -> 1/1; resolution 1/2;
    # satisfaction 1/1.
    assert [fractions(x) for x in (zj.response, zj.on_time, zj.resolution, zj.satisfaction)] == [
        (1, 2), (1, 1), (1, 2), (1, 1)
    ]  # fmt: skip


def test_rates_by_category_and_empty_denominators() -> None:
    table = rates_by(RECORDS, by_category, AS_OF)
    # 用工: 1, 2, 9 (8 is not dispatched). Sign 2/3; resolved 3, in time 1, 9 -> 2/3; sat 2/3.
    labour = table["用工"]
    assert labour.dispatched == 3
    assert fractions(labour.on_time) == (2, 3) and fractions(labour.satisfaction) == (2, 3)
    # 审批: 4, 5, 7. Sign 1/3; resolved 4 (in time) + overdue 5 -> 1/2; resolution 1/3.
    approval = table["审批"]
    assert fractions(approval.response) == (1, 3) and fractions(approval.on_time) == (1, 2)
    # 融资: 3, 6; nobody visited yet -> no satisfaction rate at all, shown as a dash.
    finance = table["融资"]
    assert finance.satisfaction.value is None and finance.satisfaction.percent == "—"


def test_rates_by_period() -> None:
    months = rates_by(RECORDS, by_month, AS_OF)
    assert {k: v.dispatched for k, v in months.items()} == {"2025-09": 4, "2025-10": 4}
    weeks = rates_by(RECORDS, by_week, AS_OF)
    # Weeks of 09-22 (1, 4), 09-29 (2, 9), 10-06 (5, 6 on Thu 10-09), 10-13 (3, 7).
    assert {k: v.dispatched for k, v in weeks.items()} == {
        "2025-09-22": 2, "2025-09-29": 2, "2025-10-06": 2, "2025-10-13": 2
    }  # fmt: skip
    october = dispatched_between(RECORDS, D("2025-10-01"), D("2025-10-31"))
    assert october == [RECORDS[i] for i in (2, 4, 5, 6)]  # appeals 3, 5, 6, 7


def test_league_table() -> None:
    rows = league_table(RECORDS, AS_OF)
    # Scores (20/30/30/20):
    #   ZJ: 20*1/2 + 30*1 + 30*1/2 + 20*1 = 10 + 30 + 15 + 20 = 75.0
    #   MS: 20*2/3 + 30*2/3 + 30*2/3 + 20*1 = 13.33 + 20 + 20 + 20 = 73.3
    #   HR: 20*2/3 + 30*1/2 + 30*2/3 + 20*1/2 = 13.33 + 15 + 20 + 10 = 58.3
    assert [(r.rank, r.department, r.score) for r in rows] == [
        (1, ZJ, Decimal("75.0")),
        (2, MS, Decimal("73.3")),
        (3, HR, Decimal("58.3")),
    ]


def test_score_reweights_missing_rates_and_ties_share_a_rank() -> None:
    finance = rates_by(RECORDS, by_category, AS_OF)["融资"]
    # Sign 2/2, on time 1/1 (3 is not overdue), resolution 1/2, satisfaction unmeasured:
    # (20*1 + 30*1 + 30*1/2) / 80 = 65/80 = 81.25 -> 81.3 (half up).
    assert score(finance) == Decimal("81.3")
    twins = [
        rec(10, "甲局", "x", "2025-10-13 10:00", "2025-10-14", "2025-10-14 09:00"),
        rec(11, "乙局", "x", "2025-10-13 10:00", "2025-10-14", "2025-10-14 09:00"),
        rec(12, "丙局", "x", "2025-10-13 10:00", "2025-10-14", None),
    ]
    # Only response and resolution are measured (nothing resolved or overdue, nobody visited):
    # 甲, 乙: (20*1 + 30*0) / 50 = 40.0; 丙: (20*0 + 30*0) / 50 = 0.0.
    rows = league_table(twins, AS_OF)
    assert [(r.rank, r.department, r.score) for r in rows] == [
        (1, "乙局", Decimal("40.0")), (1, "甲局", Decimal("40.0")), (3, "丙局", Decimal("0.0"))
    ]  # fmt: skip


def submitted(category: str, when: str) -> AppealRecord:
    return AppealRecord(category=category, submitted_at=bj(when))


def weekly(category: str, counts: list[int]) -> list[AppealRecord]:
    """`counts` for the weeks of 09-15, 09-22, 09-29, 10-06, 10-13, each on a Wednesday."""
    wednesdays = ["2025-09-17", "2025-09-24", "2025-10-01", "2025-10-08", "2025-10-15"]
    pairs = zip(wednesdays, counts, strict=True)
    return [submitted(category, f"{w} 10:00") for w, c in pairs for _ in range(c)]


TREND_RECORDS = [
    # 用工: 4 on Wednesday + 10-13 00:10 and 10-19 23:30 Beijing = 6 this week (the first is
    # still 10-12 in UTC); 10-20 00:30 is next week. Before: 1, 2, 0, 1 -> mean 1 -> rising.
    *weekly("用工", [1, 2, 0, 1, 4]),
    submitted("用工", "2025-10-13 00:10"),
    submitted("用工", "2025-10-19 23:30"),
    submitted("用工", "2025-10-20 00:30"),
    # 融资: 3 vs mean (2+2+1+1)/4 = 1.5 -> 3 >= 2*1.5 and >= 3 -> rising (boundary).
    *weekly("融资", [2, 2, 1, 1, 3]),
    # 审批: 2 vs mean 0 -> twice the mean but fewer than 3 -> not rising.
    *weekly("审批", [0, 0, 0, 0, 2]),
    # 用地: 5 vs mean 3 -> 5 < 6 -> not rising.
    *weekly("用地", [3, 3, 3, 3, 5]),
    # 水电: none this week, one three weeks ago.
    *weekly("水电", [0, 1, 0, 0, 0]),
    # Too old to matter: five weeks before.
    submitted("水电", "2025-09-10 10:00"),
]


def test_rising_categories() -> None:
    trends = weekly_trends(TREND_RECORDS, D("2025-10-13"))
    summary = [(t.category, t.this_week, t.previous, t.mean, t.rising) for t in trends]
    assert summary == [
        ("用工", 6, (1, 2, 0, 1), Fraction(1), True),
        ("融资", 3, (2, 2, 1, 1), Fraction(3, 2), True),
        ("用地", 5, (3, 3, 3, 3), Fraction(3), False),
        ("审批", 2, (0, 0, 0, 0), Fraction(0), False),
        ("水电", 0, (0, 1, 0, 0), Fraction(1, 4), False),
    ]


def test_weekly_trends_need_a_monday() -> None:
    with pytest.raises(ValueError, match="Monday"):
        weekly_trends(TREND_RECORDS, D("2025-10-14"))


def test_definitions_are_written_for_the_page() -> None:
    assert set(DEFINITIONS) >= {"响应率", "按时办结率", "办结率", "满意率", "综合得分", "上升类别"}
    assert "超期仍未办结" in DEFINITIONS["按时办结率"]
