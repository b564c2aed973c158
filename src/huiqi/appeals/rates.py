"""Appeal rates, the department league table and rising categories — pure functions over records.

Figures describe the records as they are; `as_of` only decides which open appeals are already
overdue. Each appeal counts once, for its lead department (co-handlers are not scored) and its
latest dispatch (after a 退单 the appeal is counted where it was re-dispatched). Days are Beijing
dates. The definitions below are shown on the page verbatim.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from huiqi.appeals.deadlines import local_date
from huiqi.appeals.vocab import SATISFIED_FROM

DEFINITIONS: Mapping[str, str] = {
    "响应率": "按时签收数 ÷ 交办数。按时签收：牵头部门的签收日期（北京时间）不晚于签收时限日；"
    "未签收的计为未按时。",
    "按时办结率": "按期办结数 ÷ 应办结数。按期办结：办结日期不晚于办结时限日"
    "（经批准延期的，以延期后时限为准）；应办结数 = 已办结数 + 截至统计时点已超期仍未办结数，"
    "超期未办结的诉求同样拉低本项。",
    "办结率": "已办结数 ÷ 交办数。办结：牵头部门作出的最终答复已获企业确认，或由营商办销号。",
    "满意率": f"满意数 ÷ 回访数。满意：回访满意度 {SATISFIED_FROM} 分及以上（满分 5 分）；"
    "只统计已回访并打分的诉求。",
    "综合得分": "响应率×20% + 按时办结率×30% + 办结率×30% + 满意率×20%，折算为百分制；"
    "某项暂无数据（分母为 0）时按其余各项权重折算。",
    "上升类别": "本周（周一至周日）新提交诉求数 ≥ 前四周周均数的 2 倍，且本周不少于 3 件，"
    "提示为苗头性、倾向性问题。",
}


@dataclass(frozen=True)
class AppealRecord:
    """One appeal as the rates see it. Timestamps are aware (UTC); due dates are Beijing dates."""

    category: str
    submitted_at: datetime
    department: str | None = None  # the lead department of the latest dispatch
    dispatched_at: datetime | None = None
    sign_due: date | None = None
    signed_at: datetime | None = None
    resolve_due: date | None = None  # in force: after approved extensions
    resolved_at: datetime | None = None  # the confirmed final reply, or the office's closure
    closed: bool = False
    visited: bool = False
    satisfaction: int | None = None


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    @property
    def percent(self) -> str:
        """E.g. "66.7%", or "—" when there is nothing to measure."""
        value = self.value
        if value is None:
            return "—"
        return f"{_round(value * 100, '0.1')}%"


@dataclass(frozen=True)
class AppealRates:
    dispatched: int
    response: Rate  # 响应率
    on_time: Rate  # 按时办结率
    resolution: Rate  # 办结率
    satisfaction: Rate  # 满意率
    overdue_open: int  # 超期未办结数
    closed: int  # 已销号数


def appeal_rates(records: Iterable[AppealRecord], as_of: datetime) -> AppealRates:
    today = local_date(as_of)
    rows = [r for r in records if r.dispatched_at is not None]
    signed_in_time = sum(_in_time(r.signed_at, r.sign_due) for r in rows)
    resolved = [r for r in rows if r.resolved_at is not None]
    resolved_in_time = sum(_in_time(r.resolved_at, r.resolve_due) for r in resolved)
    overdue_open = sum(
        r.resolved_at is None and r.resolve_due is not None and r.resolve_due < today for r in rows
    )
    scored = [r for r in rows if r.visited and r.satisfaction is not None]
    satisfied = sum(r.satisfaction is not None and r.satisfaction >= SATISFIED_FROM for r in scored)
    return AppealRates(
        dispatched=len(rows),
        response=Rate(signed_in_time, len(rows)),
        on_time=Rate(resolved_in_time, len(resolved) + overdue_open),
        resolution=Rate(len(resolved), len(rows)),
        satisfaction=Rate(satisfied, len(scored)),
        overdue_open=overdue_open,
        closed=sum(r.closed for r in rows),
    )


def _in_time(done_at: datetime | None, due: date | None) -> bool:
    return done_at is not None and due is not None and local_date(done_at) <= due


# --- grouping -------------------------------------------------------------------------------

Key = Callable[[AppealRecord], str | None]


def by_department(r: AppealRecord) -> str | None:
    return r.department


def by_category(r: AppealRecord) -> str | None:
    return r.category


def by_month(r: AppealRecord) -> str | None:
    """The Beijing month of dispatch, e.g. "2025-09"."""
    return local_date(r.dispatched_at).strftime("%Y-%m") if r.dispatched_at else None


def by_week(r: AppealRecord) -> str | None:
    """The Monday of the Beijing week of dispatch, e.g. "2025-09-22"."""
    return week_of(local_date(r.dispatched_at)).isoformat() if r.dispatched_at else None


def dispatched_between(
    records: Iterable[AppealRecord], start: date, end: date
) -> list[AppealRecord]:
    """Records dispatched on a Beijing date in [start, end]."""
    return [r for r in records if r.dispatched_at and start <= local_date(r.dispatched_at) <= end]


def rates_by(records: Iterable[AppealRecord], key: Key, as_of: datetime) -> dict[str, AppealRates]:
    groups: dict[str, list[AppealRecord]] = {}
    for r in records:
        k = key(r)
        if k is not None and r.dispatched_at is not None:
            groups.setdefault(k, []).append(r)
    return {k: appeal_rates(groups[k], as_of) for k in sorted(groups)}


# --- league table ---------------------------------------------------------------------------

WEIGHTS: Mapping[str, int] = {"response": 20, "on_time": 30, "resolution": 30, "satisfaction": 20}


@dataclass(frozen=True)
class LeagueRow:
    rank: int
    department: str
    rates: AppealRates
    score: Decimal | None  # out of 100, one decimal


def score(rates: AppealRates, weights: Mapping[str, int] = WEIGHTS) -> Decimal | None:
    """Weighted mean of the rates that can be measured, out of 100."""
    parts = [(w, getattr(rates, name).value) for name, w in weights.items()]
    measured = [(w, v) for w, v in parts if v is not None]
    total = sum(w for w, _ in measured)
    if not total:
        return None
    return _round(sum((w * v for w, v in measured), Fraction(0)) * 100 / total, "0.1")


def league_table(
    records: Iterable[AppealRecord], as_of: datetime, weights: Mapping[str, int] = WEIGHTS
) -> list[LeagueRow]:
    """Departments by score (unscored last), then by volume, then by name; ties share a rank."""
    scored = [(d, r, score(r, weights)) for d, r in rates_by(records, by_department, as_of).items()]
    scored.sort(key=lambda t: (t[2] is None, -(t[2] or 0), -t[1].dispatched, t[0]))
    rows: list[LeagueRow] = []
    for i, (department, rates, s) in enumerate(scored):
        tied = rows and rows[-1].score == s
        rows.append(LeagueRow(rows[-1].rank if tied else i + 1, department, rates, s))
    return rows


# --- rising categories (苗头性、倾向性) ---------------------------------------------------------


@dataclass(frozen=True)
class CategoryTrend:
    category: str
    this_week: int
    previous: tuple[int, ...]  # the four weeks before, oldest first
    mean: Fraction
    rising: bool


def week_of(d: date) -> date:
    """The Monday of the week containing `d`."""
    return d - timedelta(days=d.weekday())


def weekly_trends(
    records: Iterable[AppealRecord],
    week_start: date,
    factor: int = 2,
    min_count: int = 3,
    weeks_back: int = 4,
) -> list[CategoryTrend]:
    """New appeals per category this week against the mean of the previous weeks."""
    if week_start.weekday() != 0:
        raise ValueError(f"week_start must be a Monday, got {week_start} ({week_start:%A})")
    counts: Counter[tuple[str, int]] = Counter()
    for r in records:
        offset = (week_of(local_date(r.submitted_at)) - week_start).days // 7
        if -weeks_back <= offset <= 0:
            counts[(r.category, offset)] += 1
    trends = []
    for category in sorted({c for c, _ in counts}):
        now = counts[(category, 0)]
        previous = tuple(counts[(category, -k)] for k in range(weeks_back, 0, -1))
        mean = Fraction(sum(previous), weeks_back)
        rising = now >= factor * mean and now >= min_count
        trends.append(CategoryTrend(category, now, previous, mean, rising))
    trends.sort(key=lambda t: (not t.rising, -t.this_week, t.category))
    return trends


def _round(value: Fraction, quantum: str) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(quantum), rounding=ROUND_HALF_UP)
