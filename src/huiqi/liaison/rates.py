"""The three 100% rates of 百千万 (100%覆盖、100%知晓、100%受益), as defined on the page:

- 覆盖率 = enterprises with an assigned official and at least one contact in the period
  ÷ enterprises in the population;
- 知晓率 = enterprises told of their policies in a contact in the period (at least one policy
  explained) or that opened their 礼包 (page or API; `pack_openings`, one row a day) in it
  ÷ enterprises in the population (a push from insights proves delivery only: not counted);
- 受益率 = eligible enterprises (at least one item eligible now) that received a grant
  ÷ eligible enterprises in the population.

By tier the population is the tier's members (assigned at that tier); by street every enterprise
of the street (assigned at any tier); by official the members of the tiers it serves them at,
by department the sums of its officials (any contact counts). Membership and each member's
flags are kept in a table (rates_repository.sync); every figure comes from two GROUP BYs over it
(rates_repository.figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from huiqi.kit.clock import Clock
from huiqi.kit.errors import ValidationFailed
from huiqi.liaison import rates_repository as rr
from huiqi.liaison import repository as repo
from huiqi.liaison import tiers

DEFINITIONS = {
    "覆盖率": "统计期内，有包联干部且至少联系过一次（走访、电话或线上）的企业 ÷ 范围内企业数。",
    "知晓率": ("统计期内，走访联系时至少讲解过一项政策礼包中的政策，或企业打开过自己的政策礼包"
               "（页面或接口，每企业每天记一次）的企业 ÷ 范围内企业数。政策推送只说明已送达，"
               "不计入知晓；企业收到推送后打开礼包即计入。"),
    "受益率": ("当前至少有一项政策可享受的企业中，已获得资金兑现（审核通过或已兑付）的企业"
               " ÷ 有可享受政策的企业数。"),
    "统计范围": ("按层级：符合该层级范围规则的企业（覆盖须为该层级的包联干部）；按镇街：该镇街"
                 "全部企业；按干部：该干部在其层级包联的企业；按部门：该部门各干部之和。"),
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


def _row(key: Any, c: rr.Counts, label: str | None = None) -> RateRow:
    return RateRow(key, label if label is not None else c.label, c.members, c.assigned,
                   Rate(c.covered, c.members), Rate(c.aware, c.members),
                   Rate(c.benefited, c.eligible))


def tier_sql(session: Session, today: date) -> list[tuple[Any, rr.TierSql]]:
    """The tiers with their compiled rules, their members and flags caught up
    (rates_repository.sync)."""
    found = [(t, rr.TierSql(t.id, t.rule, tiers.rule_sql(session, t),
                            today - timedelta(days=t.stale_days)))
             for t in repo.tiers(session)]
    rr.sync(session, [t for _, t in found])
    return found


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
    """The rates of [start, end]. A period that runs to today reads the kept last-contact /
    told / opened days; an earlier one (a later event could hide one in it) the events."""
    levels = tier_sql(session, today or end)
    kept = today is None or end >= today
    f = rr.figures(session, start, end, kept=kept)
    names = rr.officials(session, list(f.by_official))
    per_dept: dict[str, rr.Counts] = {}
    league = []
    for user_id, c in f.by_official.items():
        name, dept = names.get(user_id, (str(user_id), "（未设部门）"))
        per_dept.setdefault(dept, rr.Counts(dept)).add(c)  # its officials' sums
        league.append(_row(user_id, c, name))
    league.sort(key=lambda x: (-(x.coverage.value or 0), -(x.awareness.value or 0),
                               -(x.benefit.value or 0), x.label))
    return Report(start, end, _row("all", f.per_tier.get(rr.EVERYONE, rr.Counts()), "全部"),
                  [_row(t.id, f.per_tier.get(t.id, rr.Counts()), tier.name)
                   for tier, t in levels],
                  [_row(k, c) for k, c in sorted(f.by_street.items())],
                  [_row(k, c) for k, c in sorted(per_dept.items())],
                  league if officials else [])


def chart(r: Report) -> dict[str, Any]:
    """The ECharts option of the rates page: the three rates (%) overall and per tier."""
    rows = [r.overall, *r.by_tier]

    def pct(rate: Rate) -> float | None:
        return None if rate.value is None else round(rate.value * 100, 1)

    series = [{"name": name, "type": "bar", "data": [pct(getattr(x, attr)) for x in rows],
               "label": {"show": True, "position": "top", "formatter": "{c}%"}}
              for name, attr in (("覆盖率", "coverage"), ("知晓率", "awareness"),
                                 ("受益率", "benefit"))]
    return {"tooltip": {"trigger": "axis"}, "legend": {"top": 0},
            "grid": {"left": 48, "right": 16, "bottom": 32, "top": 36},
            "xAxis": {"type": "category", "data": [x.label for x in rows]},
            "yAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
            "series": series}


def excel_rows(rows: list[RateRow]) -> list[list[object]]:
    return [[r.label, r.members, r.coverage.numerator, r.coverage.percent,
             r.awareness.numerator, r.awareness.percent, r.benefit.numerator,
             r.benefit.denominator, r.benefit.percent] for r in rows]


EXCEL_HEADERS = ["范围", "企业数", "已覆盖", "覆盖率", "已知晓", "知晓率", "已受益",
                 "可享受政策企业", "受益率"]
