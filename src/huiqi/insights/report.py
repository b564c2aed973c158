"""周报: the figures of a period (Beijing dates, both ends included) against the period of the
same length just before it — new and closed appeals, applications, money approved and paid —
and what is overdue now, by department. Every figure is read through the ledgers' own queries
(grants.service, appeals.service), so the report equals the ledgers for the same period.

Figures are stored as JSON (amounts as strings, exact to the fen) with the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.grants import service as grants
from huiqi.insights import dashboard_repository as repo
from huiqi.kit.clock import local_day_bounds, to_local
from huiqi.kit.errors import ValidationFailed

ZERO = Decimal("0.00")
MAX_DAYS = 366
LIST_ROWS = 200  # appeals listed by name in the report; the counts cover all of them


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.start <= to_local(at).date() <= self.end

    def bounds(self) -> tuple[datetime, datetime]:
        return local_day_bounds(self.start)[0], local_day_bounds(self.end)[1]

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"


def period(start: date, end: date) -> Period:
    if end < start:
        raise ValidationFailed("截止日期不能早于起始日期。")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(f"统计期最长 {MAX_DAYS} 天，请缩短起止日期。")
    return Period(start, end)


def week_before(friday: date) -> Period:
    """The week a Friday report covers: the seven whole days before it (Friday … Thursday)."""
    return Period(friday - timedelta(days=7), friday - timedelta(days=1))


FIGURES = [  # key, label, unit
    ("appeals_new", "新增诉求", "件"),
    ("appeals_closed", "办结销号诉求", "件"),
    ("applications_new", "新增政策申报", "件"),
    ("applications_estimated", "新增申报测算金额", "元"),
    ("grants_approved", "批准兑现", "笔"),
    ("grants_approved_amount", "批准金额", "元"),
    ("grants_paid", "完成兑付", "笔"),
    ("grants_paid_amount", "兑付金额", "元"),
]


def measure(db: Session, actor: Actor, p: Period) -> dict[str, Decimal]:
    """The period's figures (counts as whole Decimals, money to the fen)."""
    lo, hi = p.bounds()
    new = appeals.list_query(actor, appeals.AppealFilter(submitted_from=lo, submitted_to=hi))
    closed = repo.stamped(db, appeals.list_query(actor, appeals.AppealFilter(status="closed")),
                          "closed_at", None)
    window = grants.LedgerFilter(date_from=p.start, date_to=p.end)
    n_apps, estimated = repo.count_and_sum(db, grants.applications_query(db, actor, window),
                                           "estimated_amount")
    n_appr, approved = repo.count_and_sum(db, grants.grants_query(db, actor, window), "amount")
    paid = [amount for at, amount in repo.stamped(
        db, grants.grants_query(db, actor, grants.LedgerFilter(status="paid")), "paid_at",
        "amount") if p.holds(at)]
    return {
        "appeals_new": Decimal(repo.count_and_sum(db, new, None)[0]),
        "appeals_closed": Decimal(sum(1 for at, _ in closed if p.holds(at))),
        "applications_new": Decimal(n_apps), "applications_estimated": estimated,
        "grants_approved": Decimal(n_appr), "grants_approved_amount": approved,
        "grants_paid": Decimal(len(paid)), "grants_paid_amount": sum(paid, ZERO),
    }


def change(now: Decimal, before: Decimal) -> str:
    """环比: "+12.5%", "-3.0%", "持平", or "新增" when the previous period had none."""
    if now == before:
        return "持平"
    if before == 0:
        return "新增"
    pct = ((now - before) * 100 / before).quantize(Decimal("0.1"))
    return f"{'+' if pct > 0 else ''}{pct}%"


def overdue_by_department(db: Session, actor: Actor, today: date) -> list[dict[str, Any]]:
    """Open appeals past their deadline and applications whose 容缺 materials are past due,
    per department, as of `today`."""
    rows: dict[str, dict[str, Any]] = {}
    late = appeals.list_query(actor, appeals.AppealFilter(status="open", overdue=True))
    for appeal in repo.objects(db, late):
        name = appeal.lead_department or "未交办"
        rows.setdefault(name, {"department": name, "appeals": 0, "applications": 0})
        rows[name]["appeals"] += 1
    waiting = grants.applications_query(db, actor, grants.LedgerFilter(
        status="pending_materials"))
    for app in repo.objects(db, waiting):
        if app.materials_due is not None and app.materials_due < today:
            rows.setdefault(app.department, {"department": app.department, "appeals": 0,
                                             "applications": 0})
            rows[app.department]["applications"] += 1
    return sorted(rows.values(), key=lambda r: (-(r["appeals"] + r["applications"]),
                                                r["department"]))


def appeal_rows(db: Session, actor: Actor, p: Period) -> tuple[list[list[Any]], list[list[Any]]]:
    lo, hi = p.bounds()
    new = [[a.id, a.category_name, a.title, a.lead_department or "未交办",
            appeals.AppealStatus(a.status).label]
           for a in repo.objects(db, appeals.list_query(
               actor, appeals.AppealFilter(submitted_from=lo, submitted_to=hi))
               .limit(LIST_ROWS))]
    closed = [[a.id, a.category_name, a.title, a.lead_department or "", _day(a.closed_at)]
              for a in repo.objects(db, appeals.list_query(actor, appeals.AppealFilter(
                  status="closed"))) if p.holds(a.closed_at)][:LIST_ROWS]
    return new, closed


def _day(at: datetime | None) -> str:
    return to_local(at).date().isoformat() if at else ""


def build(db: Session, actor: Actor, p: Period, now: datetime) -> dict[str, Any]:
    """The report's content as JSON-able figures."""
    current, before = measure(db, actor, p), measure(db, actor, p.previous())
    rates = appeals.rates_between(db, actor, p.start, p.end, now)
    new, closed = appeal_rows(db, actor, p)
    return {
        "start": p.start.isoformat(), "end": p.end.isoformat(),
        "previous": {"start": p.previous().start.isoformat(),
                     "end": p.previous().end.isoformat()},
        "figures": [{"key": k, "label": label, "unit": unit, "value": str(current[k]),
                     "previous": str(before[k]), "change": change(current[k], before[k])}
                    for k, label, unit in FIGURES],
        "rates": [{"label": n, "percent": r.percent, "numerator": r.numerator,
                   "denominator": r.denominator}
                  for n, r in (("响应率", rates.response), ("按时办结率", rates.on_time),
                               ("办结率", rates.resolution), ("满意率", rates.satisfaction))],
        "overdue": overdue_by_department(db, actor, to_local(now).date()),
        "new_appeals": new, "closed_appeals": closed,
        "generated_at": to_local(now).strftime("%Y-%m-%d %H:%M"),
    }
