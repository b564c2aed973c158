"""The three 100% rates of 百千万 (100%覆盖、100%知晓、100%受益), as defined on the page:

- 覆盖率 = enterprises with an assigned official and at least one contact in the period
  ÷ enterprises in the population;
- 知晓率 = enterprises told of their policies in a contact in the period (at least one policy
  explained) or whose account logged in during the period (the home page shows its 礼包)
  ÷ enterprises in the population;
- 受益率 = eligible enterprises (at least one item eligible now) that received a grant
  ÷ eligible enterprises in the population.

By tier the population is the tier's members (assigned at that tier); by street every enterprise
of the street (assigned at any tier); by department and official the enterprises assigned to it
(any contact counts). Each figure comes from one set-based query (repository.rate_rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from huiqi.kit.clock import Clock
from huiqi.kit.errors import ValidationFailed
from huiqi.liaison import repository as repo
from huiqi.liaison import tiers

BEIJING = timedelta(hours=8)
DEFINITIONS = {
    "覆盖率": "统计期内，有包联干部且至少联系过一次（走访、电话或线上）的企业 ÷ 范围内企业数。",
    "知晓率": ("统计期内，走访联系时至少讲解过一项政策礼包中的政策，或企业账号登录过平台"
               "（首页即展示政策礼包）的企业 ÷ 范围内企业数。"),
    "受益率": ("当前至少有一项政策可享受的企业中，已获得资金兑现（审核通过或已兑付）的企业"
               " ÷ 有可享受政策的企业数。"),
    "统计范围": ("按层级：符合该层级范围规则的企业（覆盖须为该层级的包联干部）；按镇街：该镇街"
                 "全部企业；按部门、按干部：该部门干部或该干部包联的企业。"),
}


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> str:
        v = self.value
        return "—" if v is None else f"{v * 100:.1f}%"


@dataclass(frozen=True)
class RateRow:
    key: Any
    label: str
    members: int
    assigned: int
    coverage: Rate
    awareness: Rate
    benefit: Rate


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    overall: RateRow
    by_tier: list[RateRow]
    by_street: list[RateRow]
    by_department: list[RateRow]
    league: list[RateRow]  # officials, best first


def _row(r: repo.Sums, label: str | None = None) -> RateRow:
    return RateRow(r.key, label or r.label, r.members, r.assigned,
                   Rate(r.covered, r.members), Rate(r.aware, r.members),
                   Rate(r.benefited, r.eligible))


def tier_sql(session: Session, today: date) -> list[tuple[Any, repo.TierSql]]:
    return [(t, repo.TierSql(t.id, tiers.rule_sql(session, t),
                             today - timedelta(days=t.stale_days)))
            for t in repo.tiers(session)]


def period(clock: Clock, start: str = "", end: str = "") -> tuple[date, date]:
    today = clock.today_local()
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last.replace(day=1)
    except ValueError:
        raise ValidationFailed("统计日期应为日期，如 2025-06-01。") from None
    if first > last:
        raise ValidationFailed("起始日期不能晚于截止日期。")
    return first, last


def report(session: Session, start: date, end: date, *, officials: bool = True,
           today: date | None = None) -> Report:
    start_at = datetime.combine(start, time(0), tzinfo=UTC) - BEIJING
    levels = tier_sql(session, today or end)
    repo.build_flags(session, start, end, start_at, [t for _, t in levels])
    try:
        overall, per_tier = repo.flag_totals(session, [t for _, t in levels])
        by_street = [_row(r) for r in repo.flag_groups(session, "street")]
        by_dept = [_row(r) for r in repo.flag_groups(session, "department")]
        league = [_row(r) for r in repo.flag_groups(session, "official")] if officials else []
    finally:
        repo.drop_flags(session)
    league.sort(key=lambda x: (-(x.coverage.value or 0), -(x.awareness.value or 0),
                               -(x.benefit.value or 0), x.label))
    by_tier = [_row(per_tier[t.id], tier.name) for tier, t in levels]
    return Report(start, end, _row(overall), by_tier, by_street, by_dept, league)


def excel_rows(rows: list[RateRow]) -> list[list[object]]:
    return [[r.label, r.members, r.coverage.numerator, r.coverage.percent,
             r.awareness.numerator, r.awareness.percent, r.benefit.numerator,
             r.benefit.denominator, r.benefit.percent] for r in rows]


EXCEL_HEADERS = ["范围", "企业数", "已覆盖", "覆盖率", "已知晓", "知晓率", "已受益",
                 "可享受政策企业", "受益率"]
