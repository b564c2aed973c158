"""The office dashboards' figures: money (测算/申报, 批准, 兑现, by item, department and month,
budget use) and appeals (the counts, three rates, open by age). Each headline figure is a `Tile`
built from the very query its list page runs, so the tile and the list always agree.

Money: 测算金额 is the engine's estimate at submission (`estimated_amount`) of the year's
applications; 批准 and 兑现 are the grants ledger (approved = still to pay + paid).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.grants import service as grants
from huiqi.insights import dashboard_repository as repo
from huiqi.insights import targeting_repository
from huiqi.kit.clock import Clock, to_local
from huiqi.ui.dashboard import Tile

ZERO = Decimal("0.00")
AGE_BANDS = [(5, "5天以内"), (15, "6–15天"), (30, "16–30天"), (None, "30天以上")]


@dataclass
class MoneyRow:
    key: str
    label: str
    applied: int = 0
    estimated: Decimal = ZERO
    approved: Decimal = ZERO
    paid: Decimal = ZERO
    budget: Decimal | None = None
    used: Decimal = ZERO  # reserved + committed against the budget
    href: str = ""

    @property
    def use_percent(self) -> str:
        if not self.budget:
            return "—"
        return f"{(self.used * 100 / self.budget).quantize(Decimal('0.1'))}%"


@dataclass
class Money:
    year: int | None  # None: every year (累计)
    tiles: list[Tile]
    by_item: list[MoneyRow]
    by_department: list[MoneyRow]
    by_month: list[MoneyRow]


@dataclass
class AppealsFigures:
    tiles: list[Tile]
    rates: appeals.AppealRates
    start: date
    end: date
    open_by_age: list[tuple[str, int]] = field(default_factory=list)


def _query(year: int | None, **more: str) -> str:
    params = {**({"year": str(year)} if year else {}), **more}
    return "&".join(f"{k}={v}" for k, v in params.items())


def money(db: Session, actor: Actor, year: int | None, *, breakdowns: bool = True) -> Money:
    """The year's money (by budget year), or every year's with `year=None`; without
    `breakdowns` only the tiles (the home page: a handful of counts, no row scans)."""
    flt = grants.LedgerFilter(year=year)
    apps = grants.applications_query(db, actor, flt)
    approved = grants.grants_query(db, actor, flt)
    paid = grants.grants_query(db, actor, grants.LedgerFilter(year=year, status="paid"))
    unpaid = grants.grants_query(db, actor, grants.LedgerFilter(year=year, status="approved"))
    auto = grants.applications_query(db, actor, grants.LedgerFilter(year=year, source="auto"))
    tiles = [
        _tile("申报（测算金额）", repo.count_and_sum(db, apps, "estimated_amount"),
              f"/grants/applications?{_query(year)}"),
        _tile("已批准", repo.count_and_sum(db, approved, "amount"),
              f"/grants/grants?{_query(year)}"),
        _tile("待兑现", repo.count_and_sum(db, unpaid, "amount"),
              f"/grants/grants?{_query(year, status='approved')}"),
        _tile("已兑现", repo.count_and_sum(db, paid, "amount"),
              f"/grants/grants?{_query(year, status='paid')}"),
        _tile("免申即享", repo.count_and_sum(db, auto, "estimated_amount"),
              f"/grants/applications?{_query(year, source='auto')}"),
    ]
    if not breakdowns:
        return Money(year, tiles, [], [], [])
    return Money(year, tiles, _by_item(db, actor, year, apps, approved, paid),
                 _by(db, "department", apps, approved, paid, lambda k: ""),
                 _by_month(db, apps, approved, paid))


def _tile(label: str, figures: tuple[int, Decimal], href: str) -> Tile:
    return Tile(label, figures[0], href, amount=figures[1])


def _by(db: Session, key: str, apps: Any, approved: Any, paid: Any, href: Any
        ) -> list[MoneyRow]:
    rows: dict[str, MoneyRow] = {}

    def row(k: str) -> MoneyRow:
        return rows.setdefault(k, MoneyRow(k, k, href=href(k)))

    for k, (n, estimated) in repo.grouped(db, apps, key, "estimated_amount").items():
        row(k).applied, row(k).estimated = n, estimated
    for k, (_, amount) in repo.grouped(db, approved, key, "amount").items():
        row(k).approved = amount
    for k, (_, amount) in repo.grouped(db, paid, key, "amount").items():
        row(k).paid = amount
    return sorted(rows.values(), key=lambda r: (-r.approved, -r.estimated, r.key))


def _by_item(db: Session, actor: Actor, year: int | None, apps: Any, approved: Any, paid: Any
             ) -> list[MoneyRow]:
    rows = _by(db, "item_id", apps, approved, paid,
               lambda k: f"/grants/applications?{_query(year, item_id=k)}")
    names = {**repo.titles(db, approved), **repo.titles(db, apps)}
    found = {r.key: r for r in rows}
    budgets = grants.budget_views(db, actor, grants.LedgerFilter(year=year)) if year else []
    for title, view in budgets:
        row = found.get(view.item_id)
        if row is None:
            row = MoneyRow(view.item_id, title,
                           href=f"/grants/applications?{_query(year, item_id=view.item_id)}")
            rows.append(row)
            found[view.item_id] = row
        row.budget, row.used = view.total, view.reserved + view.committed
        names.setdefault(view.item_id, title)
    for r in rows:
        r.label = names.get(r.key, r.key)
    return rows


def _months(db: Session, stmt: Any, at: str, column: str | None) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for stamp, amount in repo.stamped(db, stmt, at, column):
        if stamp is not None:
            out[to_local(stamp).strftime("%Y-%m")] += amount
    return out


def _by_month(db: Session, apps: Any, approved: Any, paid: Any) -> list[MoneyRow]:
    counts: dict[str, int] = defaultdict(int)
    est: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for stamp, amount in repo.stamped(db, apps, "submitted_at", "estimated_amount"):
        if stamp is not None:
            month = to_local(stamp).strftime("%Y-%m")
            counts[month] += 1
            est[month] += amount
    appr = _months(db, approved, "approved_at", "amount")
    pay = _months(db, paid, "paid_at", "amount")
    keys = sorted(set(est) | set(appr) | set(pay))
    return [MoneyRow(k, k, applied=counts[k], estimated=est[k], approved=appr[k], paid=pay[k])
            for k in keys]


def appeals_figures(db: Session, actor: Actor, clock: Clock, year: int | None, *,
                    by_age: bool = True) -> AppealsFigures:
    """The appeals' counts (all of them: the list pages), and the rates of the appeals
    dispatched in `year` (every year with None)."""
    everything = appeals.list_query(actor)
    tiles = [
        Tile("全部诉求", repo.count_and_sum(db, everything, None)[0], "/appeals"),
        Tile("未办结", repo.count_and_sum(
            db, appeals.list_query(actor, appeals.AppealFilter(status="open")), None)[0],
            "/appeals?status=open"),
        Tile("已超期未办结", repo.count_and_sum(
            db, appeals.list_query(actor, appeals.AppealFilter(status="open", overdue=True)),
            None)[0], "/appeals?status=open&overdue=1"),
        Tile("已销号", repo.count_and_sum(
            db, appeals.list_query(actor, appeals.AppealFilter(status="closed")), None)[0],
            "/appeals?status=closed"),
    ]
    today = clock.today_local()
    start, end = (date(year, 1, 1), min(date(year, 12, 31), today)) if year \
        else (date(2000, 1, 1), today)
    rates = appeals.rates_between(db, actor, start, end, clock.now())
    ages = open_by_age(db, actor, clock.now()) if by_age else []
    return AppealsFigures(tiles, rates, start, end, ages)


def open_by_age(db: Session, actor: Actor, now: datetime) -> list[tuple[str, int]]:
    stmt = appeals.list_query(actor, appeals.AppealFilter(status="open"))
    counts = {label: 0 for _, label in AGE_BANDS}
    for stamp, _ in repo.stamped(db, stmt, "submitted_at", None):
        if stamp is None:
            continue
        age = (to_local(now).date() - to_local(stamp).date()).days
        label = next(lbl for limit, lbl in AGE_BANDS if limit is None or age <= limit)
        counts[label] += 1
    return list(counts.items())


def push_tiles(db: Session, item_id: str = "") -> list[Tile]:
    """政策推送: pushes made from the targeting lists (one per enterprise and item) and the
    enterprises they went to, counted from the statement /insights/pushes lists."""
    stmt = targeting_repository.push_query(item_id or None)
    count = repo.count_and_sum(db, stmt, None)[0]
    reached = repo.distinct_count(db, stmt, "enterprise_id")
    href = "/insights/pushes" + (f"?item_id={item_id}" if item_id else "")
    return [Tile("政策推送（次）", count, href, note=f"覆盖 {reached} 家企业")]


def year_of(clock: Clock, value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() and 2000 <= int(value) <= 2100 \
        else clock.today_local().year


__all__ = ["AppealsFigures", "Money", "MoneyRow", "appeals_figures", "money", "open_by_age",
           "push_tiles", "year_of"]
