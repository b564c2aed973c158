"""All SQL of the registry. Upserts use the dialect's INSERT … ON CONFLICT (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Numeric,
    Table,
    bindparam,
    delete,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from huiqi.models.base import utcnow
from huiqi.models.enterprise import Enterprise, EnterpriseFact, enterprises
from huiqi.models.liaison_assignment import LiaisonAssignment as A
from huiqi.models.profile_change import ProfileChange as C
from huiqi.models.profile_change import ProfileProposal as P
from huiqi.models.user import User

CHUNK = 500  # bound parameters per IN (...) stay well under SQLite's limit


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def enterprise_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(enterprises)) or 0


def get_by_uscc(session: Session, uscc: str) -> Enterprise | None:
    return session.scalars(select(Enterprise).where(enterprises.c.uscc == uscc)).one_or_none()


def get_by_id(session: Session, enterprise_id: int) -> Enterprise | None:
    return session.get(Enterprise, enterprise_id)


def fetch_existing(session: Session, usccs: Sequence[str],
                   columns: Sequence[str]) -> dict[str, dict[str, Any]]:
    """uscc → {id, *columns} for the enterprises among `usccs` that exist."""
    cols = [enterprises.c.id, enterprises.c.uscc, *(enterprises.c[c] for c in columns)]
    found: dict[str, dict[str, Any]] = {}
    for part in _chunks(usccs):
        for row in session.execute(select(*cols).where(enterprises.c.uscc.in_(part))).mappings():
            found[row["uscc"]] = dict(row)
    return found


def _sqlite_converter(column: Any) -> Any:
    """How SQLAlchemy would bind a value of this column on SQLite (no Decimal, date or bool)."""
    kind = column.type
    if isinstance(kind, Numeric):
        return lambda v: None if v is None else str(v)  # NUMERIC affinity stores a number
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else int(v)
    if isinstance(kind, DateTime):
        return lambda v: None if v is None else v.replace(tzinfo=None).strftime(
            "%Y-%m-%d %H:%M:%S.%f")
    if isinstance(kind, Date):
        return lambda v: None if v is None else v.isoformat()
    return None


def _upsert(session: Session, table: Table, conflict: Sequence[str], update: Sequence[str],
            rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT … ON CONFLICT DO UPDATE, compiled once and run with the driver's executemany:
    bulk imports move hundreds of thousands of rows and SQLAlchemy's per-row parameter processing
    would dominate. Every row carries the same keys."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    columns = list(rows[0])
    base = insert(table)
    stmt = base.values({c: bindparam(c) for c in columns}).on_conflict_do_update(
        index_elements=[table.c[c] for c in conflict],
        set_={c: base.excluded[c] for c in update})
    compiled = stmt.compile(dialect=dialect)
    # The compiler adds parameters for columns with Python-side defaults the rows do not carry.
    missing = {c.name: c.default.arg for c in table.c
               if c.name not in columns and c.default is not None and c.default.is_scalar}
    if missing:
        rows = [{**missing, **row} for row in rows]
    params: list[Any]
    if dialect.name == "sqlite":
        order = list(compiled.positiontup or [])
        convert = [(i, f) for i, f in enumerate(_sqlite_converter(table.c[n]) for n in order) if f]
        params = []
        for row in rows:
            values = [row[name] for name in order]
            for i, f in convert:
                values[i] = f(values[i])
            params.append(tuple(values))
    else:  # psycopg binds Decimal, date, bool and aware datetimes itself
        params = list(rows)
    session.connection().exec_driver_sql(str(compiled), params)


def upsert_enterprises(session: Session, rows: Sequence[Mapping[str, Any]],
                       columns: Sequence[str]) -> None:
    """Insert or update by uscc; only `columns` are written (every row must carry them all)."""
    now = utcnow()
    names = ["uscc", *(c for c in columns if c != "uscc")]
    values = [{**{c: row.get(c) for c in names}, "created_at": now, "updated_at": now}
              for row in rows]
    _upsert(session, enterprises, ["uscc"], [*names[1:], "updated_at"], values)


def ids_for(session: Session, usccs: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in _chunks(usccs):
        stmt = select(enterprises.c.uscc, enterprises.c.id).where(enterprises.c.uscc.in_(part))
        found.update({u: i for u, i in session.execute(stmt)})
    return found


def fetch_facts(session: Session,
                enterprise_ids: Sequence[int]) -> dict[int, dict[str, str | None]]:
    facts: dict[int, dict[str, str | None]] = {}
    t = EnterpriseFact.__table__
    for part in _chunks(enterprise_ids):
        stmt = select(t.c.enterprise_id, t.c.field, t.c.value).where(t.c.enterprise_id.in_(part))
        for eid, name, value in session.execute(stmt):
            facts.setdefault(eid, {})[name] = value
    return facts


def upsert_facts(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """rows: {enterprise_id, field, value}."""
    now = utcnow()
    _upsert(session, EnterpriseFact.__table__, ["enterprise_id", "field"], ["value", "updated_at"],
            [{**r, "updated_at": now} for r in rows])


def delete_facts(session: Session, pairs: Sequence[tuple[int, str]]) -> None:
    t = EnterpriseFact.__table__
    for part in _chunks(pairs, 200):
        session.execute(delete(t).where(tuple_(t.c.enterprise_id, t.c.field).in_(list(part))))


def search(session: Session, *, query: str | None = None, region: str | None = None,
           industry_prefix: str | None = None, size_class: str | None = None,
           offset: int = 0, limit: int = 20) -> tuple[list[Enterprise], int]:
    """Enterprises matching every given filter, ordered by id; and the total count."""
    conditions = []
    if query:
        pattern = f"%{query.strip()}%"
        conditions.append(or_(enterprises.c.name.like(pattern), enterprises.c.uscc.like(pattern)))
    if region:
        conditions.append(enterprises.c.region == region)
    if industry_prefix:
        conditions.append(enterprises.c.industry_code.like(f"{industry_prefix.upper()}%"))
    if size_class:
        conditions.append(enterprises.c.size_class == size_class)
    total = session.scalar(select(func.count()).select_from(enterprises).where(*conditions)) or 0
    stmt = (select(Enterprise).where(*conditions).order_by(enterprises.c.id)
            .offset(offset).limit(limit))
    return list(session.scalars(stmt)), total


__all__ = ["delete_facts", "fetch_existing", "fetch_facts", "get_by_id", "get_by_uscc", "ids_for",
           "search", "upsert_enterprises", "upsert_facts"]


# --- profile maintenance (profile_edit.py) ----------------------------------------------------

def is_assigned(session: Session, user_id: int, uscc: str) -> bool:
    return session.scalar(select(A.id).where(A.user_id == user_id, A.enterprise_uscc == uscc)
                          .limit(1)) is not None


def facts(session: Session, enterprise_id: int) -> dict[str, str | None]:
    return fetch_facts(session, [enterprise_id]).get(enterprise_id, {})


def write_facts(session: Session, enterprise_id: int, values: Mapping[str, str | None]) -> None:
    """Set (text) or remove (None) application facts of one enterprise."""
    upsert_facts(session, [{"enterprise_id": enterprise_id, "field": n, "value": v}
                           for n, v in values.items() if v is not None])
    delete_facts(session, [(enterprise_id, n) for n, v in values.items() if v is None])


def enterprise_user_ids(session: Session, uscc: str) -> list[int]:
    return list(session.scalars(select(User.id).where(
        User.role == "enterprise", User.enterprise_uscc == uscc, User.is_active.is_(True))))


def office_user_ids(session: Session) -> list[int]:
    return list(session.scalars(select(User.id).where(User.role == "office",
                                                      User.is_active.is_(True))))


def changes(session: Session, uscc: str, limit: int = 500) -> list[C]:
    return list(session.scalars(select(C).where(C.enterprise_uscc == uscc)
                                .order_by(C.at.desc(), C.id.desc()).limit(limit)))


def proposals(session: Session, status: str | None, uscc: str | None) -> list[P]:
    stmt = select(P).order_by(P.proposed_at.desc(), P.id.desc()).limit(500)
    if status:
        stmt = stmt.where(P.status == status)
    if uscc:
        stmt = stmt.where(P.enterprise_uscc == uscc)
    return list(session.scalars(stmt))


def proposal(session: Session, proposal_id: int) -> P | None:
    return session.get(P, proposal_id)


def enterprise(session: Session, uscc: str) -> Enterprise | None:
    return get_by_uscc(session, (uscc or "").strip().upper())
