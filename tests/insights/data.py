"""Ledger rows written straight into the tables (the grants and appeals flows have their own
tests): applications, grants and appeals at chosen times, so the figures of dashboards and
reports can be checked against the ledgers independently."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from huiqi.kit.clock import SHANGHAI
from huiqi.kit.db import unit_of_work
from huiqi.models.appeal import Appeal
from huiqi.models.appeal_category import AppealCategory
from huiqi.models.application import Application
from huiqi.models.department import Department
from huiqi.models.grant import Grant

_serial = itertools.count(1)


def at(day: date, hour: int = 10) -> datetime:
    """A Beijing wall-clock time as aware UTC."""
    return datetime.combine(day, time(hour), SHANGHAI).astimezone(UTC)


def department(db: Session, name: str) -> Department:
    found = db.scalar(select(Department).where(Department.name == name))
    if found is None:
        found = Department(code=f"t{next(_serial)}x{abs(hash(name)) % 10**6}", name=name)
        db.add(found)
        db.flush()
    return found


def category(db: Session) -> AppealCategory:
    found = db.scalar(select(AppealCategory).where(AppealCategory.code == "ins-test"))
    if found is None:
        found = AppealCategory(code="ins-test", name="测试类别", sign_within_workdays=1,
                               resolve_within_workdays=5, usual_departments=[],
                               updated_at=at(date(2025, 1, 1)))
        db.add(found)
        db.flush()
    return found


def application(db: Session, *, submitted: datetime, estimated: str, dept: str = "江北区商务委员会",
                item: str = "test.item-a", status: str = "submitted", source: str = "apply",
                year: int = 2025, materials_due: date | None = None) -> Application:
    n = next(_serial)
    app = Application(
        source=source, enterprise_uscc=f"91500105MA{n:08d}"[:18], enterprise_name=f"测试企业{n}",
        item_id=item, item_title=f"事项{item[-1].upper()}", policy_version="v1", department=dept,
        year=year, as_of=submitted.date(), status=status, facts={},
        estimated_amount=Decimal(estimated), submitted_at=submitted, updated_at=submitted,
        materials_due=materials_due)
    db.add(app)
    db.flush()
    return app


def grant(db: Session, *, submitted: datetime, approved: datetime, amount: str,
          paid: datetime | None = None, dept: str = "江北区商务委员会", item: str = "test.item-a",
          source: str = "apply", year: int = 2025) -> Grant:
    app = application(db, submitted=submitted, estimated=amount, dept=dept, item=item,
                      status="paid" if paid else "approved", source=source, year=year)
    g = Grant(application_id=app.id, source=source, enterprise_uscc=app.enterprise_uscc,
              enterprise_name=app.enterprise_name, item_id=item, item_title=app.item_title,
              department=dept, year=year, amount=Decimal(amount),
              status="paid" if paid else "approved", approved_at=approved, paid_at=paid)
    db.add(g)
    db.flush()
    return g


def appeal(db: Session, *, submitted: datetime, status: str = "submitted",
           dept: Department | None = None, closed: datetime | None = None,
           overdue: bool = False, signed: datetime | None = None) -> Appeal:
    cat = category(db)
    n = next(_serial)
    a = Appeal(enterprise_uscc=f"91500105MB{n:08d}"[:18], enterprise_name=f"诉求企业{n}",
               category_id=cat.id, category_name=cat.name, title=f"测试诉求{n}",
               description="内容", source="online", via="session", status=status,
               submitted_at=submitted, updated_at=closed or submitted,
               lead_department_id=dept.id if dept else None,
               lead_department=dept.name if dept else None,
               dispatched_at=submitted + timedelta(hours=1) if dept else None,
               sign_due=(submitted + timedelta(days=2)).date() if dept else None,
               resolve_due=(submitted + timedelta(days=7)).date() if dept else None,
               signed_at=signed, resolved_at=closed, closed_at=closed,
               resolve_overdue=overdue)
    db.add(a)
    db.flush()
    return a


@dataclass
class Week:
    """A report period (Fri 2025-05-23 … Thu 2025-05-29), the week before, and what was put in
    each, as the ground truth the report must equal."""

    start: date = date(2025, 5, 23)
    end: date = date(2025, 5, 29)
    expected: dict[str, dict[str, Decimal]] = field(default_factory=dict)


def seed_weeks(engine: Engine) -> Week:
    """Two weeks of ledger activity, with rows on both edges of each period (Beijing midnight)."""
    w = Week()
    prev_start = w.start - timedelta(days=7)
    with unit_of_work(engine) as db:
        d1, d2 = department(db, "江北区商务委员会"), department(db, "江北区财政局")
        # this week: edges included (Fri 00:05 and Thu 23:55 Beijing)
        application(db, submitted=at(w.start, 0) + timedelta(minutes=5), estimated="1000.50")
        application(db, submitted=at(w.end, 23) + timedelta(minutes=55), estimated="2000.25",
                    dept=d2.name, status="pending_materials", materials_due=date(2025, 5, 30))
        grant(db, submitted=at(prev_start), approved=at(w.start + timedelta(days=1)),
              amount="5000.00", paid=at(w.start + timedelta(days=3)))
        grant(db, submitted=at(prev_start), approved=at(w.start + timedelta(days=2)),
              amount="1234.56", source="auto", dept=d2.name)
        # outside: the day after the period (Fri 00:05) and the week before
        application(db, submitted=at(w.end + timedelta(days=1), 0) + timedelta(minutes=5),
                    estimated="9999.99")
        grant(db, submitted=at(prev_start - timedelta(days=7)), approved=at(prev_start),
              amount="300.00", paid=at(prev_start + timedelta(days=6)))
        application(db, submitted=at(prev_start + timedelta(days=2)), estimated="777.00")
        # appeals: 3 new this week (one closed in the week), 1 new last week closed this week
        appeal(db, submitted=at(w.start), status="dispatched", dept=d1, overdue=True)
        appeal(db, submitted=at(w.start + timedelta(days=1)), status="signed", dept=d1,
               signed=at(w.start + timedelta(days=1), 15))
        appeal(db, submitted=at(w.start + timedelta(days=2)), status="closed", dept=d2,
               signed=at(w.start + timedelta(days=2), 15),
               closed=at(w.start + timedelta(days=4)))
        appeal(db, submitted=at(prev_start + timedelta(days=1)), status="closed", dept=d2,
               signed=at(prev_start + timedelta(days=1), 15),
               closed=at(w.start + timedelta(days=5)))
        appeal(db, submitted=at(w.end + timedelta(days=1)), status="submitted")
    d = Decimal
    w.expected["this"] = {
        "appeals_new": d(3), "appeals_closed": d(2), "applications_new": d(2),
        "applications_estimated": d("3000.75"), "grants_approved": d(2),
        "grants_approved_amount": d("6234.56"), "grants_paid": d(1),
        "grants_paid_amount": d("5000.00")}
    w.expected["previous"] = {
        # 777.00, and the two grants' applications submitted on the first day (5000.00, 1234.56)
        "appeals_new": d(1), "appeals_closed": d(0), "applications_new": d(3),
        "applications_estimated": d("7011.56"), "grants_approved": d(1),
        "grants_approved_amount": d("300.00"), "grants_paid": d(1),
        "grants_paid_amount": d("300.00")}
    return w
