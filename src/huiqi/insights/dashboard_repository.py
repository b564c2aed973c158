"""SQL of the dashboards: counts and sums over the ledgers' own queries (grants.service,
appeals.service), so a tile's figure and its list are the same statement."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

ZERO = Decimal("0.00")


def count_and_sum(session: Session, stmt: Select[Any], column: str | None) -> tuple[int, Decimal]:
    sub = stmt.order_by(None).subquery()
    total = func.sum(sub.c[column]) if column else func.sum(0)
    n, amount = session.execute(select(func.count(), total).select_from(sub)).one()
    return int(n or 0), Decimal(amount) if column and amount is not None else ZERO


def grouped(session: Session, stmt: Select[Any], key: str, column: str | None
            ) -> dict[str, tuple[int, Decimal]]:
    sub = stmt.order_by(None).subquery()
    total = func.sum(sub.c[column]) if column else func.count()
    rows = session.execute(select(sub.c[key], func.count(), total).group_by(sub.c[key]))
    return {str(k): (int(n), Decimal(a) if column and a is not None else ZERO)
            for k, n, a in rows}


def stamped(session: Session, stmt: Select[Any], at: str, column: str | None
            ) -> list[tuple[datetime | None, Decimal]]:
    """(timestamp, amount) of each row: months are Beijing months, cut in Python so SQLite and
    PostgreSQL agree."""
    sub = stmt.order_by(None).subquery()
    cols = [sub.c[at], sub.c[column]] if column else [sub.c[at]]
    return [(r[0], (r[1] if column and r[1] is not None else ZERO))
            for r in session.execute(select(*cols))]


def titles(session: Session, stmt: Select[Any]) -> dict[str, str]:
    sub = stmt.order_by(None).subquery()
    return {str(i): str(t) for i, t in session.execute(
        select(sub.c.item_id, func.max(sub.c.item_title)).group_by(sub.c.item_id))}


def distinct_count(session: Session, stmt: Select[Any], column: str) -> int:
    sub = stmt.order_by(None).subquery()
    return int(session.scalar(select(func.count(func.distinct(sub.c[column])))) or 0)


def objects(session: Session, stmt: Select[Any]) -> list[Any]:
    """The objects of a statement another domain's service built (appeals' and grants' lists)."""
    return list(session.scalars(stmt))
