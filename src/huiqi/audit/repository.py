"""SQL of the audit log: reading it, the hash chain's head row, and the retention purge (the
only delete, with the append-only triggers lifted in its own transaction; service.record is the
only write path of rows)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from huiqi.kit.clock import local_day_bounds
from huiqi.models.audit import AuditChain, AuditLog


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""          # username, contains (case-insensitive)
    action: str = ""         # prefix: "auth." or "grant.approve"
    subject_type: str = ""   # table name, exact
    subject_id: str = ""     # exact
    date_from: date | None = None  # Beijing calendar days, inclusive
    date_to: date | None = None

    def as_query(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()
                if v not in ("", None)}


def query(f: AuditFilter) -> Select[tuple[AuditLog]]:
    stmt = select(AuditLog)
    if f.actor:
        stmt = stmt.where(func.lower(AuditLog.actor_username).contains(f.actor.lower(),
                                                                       autoescape=True))
    if f.action:
        stmt = stmt.where(AuditLog.action.startswith(f.action, autoescape=True))
    if f.subject_type:
        stmt = stmt.where(AuditLog.subject_type == f.subject_type)
    if f.subject_id:
        stmt = stmt.where(AuditLog.subject_id == f.subject_id)
    if f.date_from:
        stmt = stmt.where(AuditLog.at >= local_day_bounds(f.date_from)[0])
    if f.date_to:
        stmt = stmt.where(AuditLog.at < local_day_bounds(f.date_to)[1])
    return stmt.order_by(AuditLog.id.desc())


def subject_types(session: Session) -> list[str]:
    """The subject types that occur in the log (the list page's filter)."""
    return list(session.scalars(
        select(AuditLog.subject_type).where(AuditLog.subject_type.is_not(None))
        .distinct().order_by(AuditLog.subject_type)))


def first_rows(session: Session, f: AuditFilter, limit: int) -> Iterator[AuditLog]:
    """The rows of `f`, newest first, at most `limit` (the export)."""
    return iter(session.scalars(query(f).limit(limit)))


# --- the hash chain (huiqi.audit.chain) -------------------------------------------------------

def take_chain_head(conn: Connection) -> Row[Any]:
    """Take the chain's head row (made on first use): writers then take turns until they
    commit (a row lock on PostgreSQL, the write lock on SQLite). Its last_hash and base_hash."""
    taken = conn.execute(update(AuditChain).where(AuditChain.id == 1)
                         .values(writes=AuditChain.writes + 1))
    if not taken.rowcount:
        conn.execute(insert(AuditChain).values(id=1, writes=1))
    return conn.execute(select(AuditChain.last_hash, AuditChain.base_hash)
                        .where(AuditChain.id == 1)).one()


def set_chain_last_hash(conn: Connection, last_hash: str) -> None:
    conn.execute(update(AuditChain).where(AuditChain.id == 1).values(last_hash=last_hash))


def set_chain_base_hash(conn: Connection, base_hash: str) -> None:
    conn.execute(update(AuditChain).where(AuditChain.id == 1).values(base_hash=base_hash))


def chain_head(conn: Connection) -> Row[Any] | None:
    return conn.execute(select(AuditChain.last_hash, AuditChain.base_hash)
                        .where(AuditChain.id == 1)).first()


def _chained_columns(fields: Iterable[str]) -> list[Any]:
    return [AuditLog.id, AuditLog.prev_hash, AuditLog.row_hash,
            *(getattr(AuditLog, n) for n in fields)]


def chained_rows(conn: Connection, fields: Iterable[str], batch: int = 5000
                 ) -> Iterator[Row[Any]]:
    """Every row in id order (id, prev_hash, row_hash and `fields`), read in batches."""
    last = -1
    cols = _chained_columns(fields)
    while True:
        chunk = conn.execute(select(*cols).where(AuditLog.id > last)
                             .order_by(AuditLog.id).limit(batch)).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].id


def _trigger_sql(dialect: str) -> tuple[list[str], list[str]]:
    from huiqi.models.audit import SQLITE_TRIGGERS

    if dialect == "sqlite":
        return (["DROP TRIGGER IF EXISTS audit_log_no_update",
                 "DROP TRIGGER IF EXISTS audit_log_no_delete"], SQLITE_TRIGGERS)
    return (["ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete"],
            ["ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete"])


def run_privileged(conn: Connection, statements: list[Any]) -> None:
    """Run statements on audit_log with the append-only triggers lifted, in the caller's
    transaction (so the triggers are back when it commits; used by purge and by tests that play
    the intruder)."""
    off, on = _trigger_sql(conn.dialect.name)
    for sql in off:
        conn.execute(text(sql))
    for stmt in statements:
        conn.execute(text(stmt) if isinstance(stmt, str) else stmt)
    for sql in on:
        conn.execute(text(sql))


# --- retention (huiqi.audit.retention) --------------------------------------------------------

def first_id_from(conn: Connection, at: datetime) -> int | None:
    """The id of the first row written at or after `at` (the first one a purge keeps)."""
    return conn.scalar(select(func.min(AuditLog.id)).where(AuditLog.at >= at))


def rows_before(conn: Connection, fields: Iterable[str], stop: int | None
                ) -> Iterator[Row[Any]]:
    """The rows with ids below `stop` (all rows if None), in id order, as chained_rows."""
    stmt = select(*_chained_columns(fields)).order_by(AuditLog.id)
    stmt = stmt.where(AuditLog.id < stop) if stop is not None else stmt
    return iter(conn.execute(stmt))


def delete_before(conn: Connection, stop: int | None) -> None:
    """Delete the rows with ids below `stop` (all rows if None), the triggers lifted."""
    where = AuditLog.id < stop if stop is not None else AuditLog.id.is_not(None)
    run_privileged(conn, [delete(AuditLog).where(where)])
