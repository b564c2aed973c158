"""SQL of the security domain: the encrypted columns (raw, as stored), the idempotency keys."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Integer,
    MetaData,
    String,
    delete,
    inspect,
    select,
    table,
    text,
    update,
)
from sqlalchemy import column as sa_column
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause

from huiqi.models.base import Base
from huiqi.models.idempotency_key import IdempotencyKey
from huiqi.models.types import EncryptedString

# Sealed by hand rather than by the column type (the second factor's secret).
ALSO_SEALED = (("users", "totp_secret"),)


def sealed_columns() -> list[tuple[str, str]]:
    """Every column holding field-encrypted values: the `EncryptedString` ones, found in the
    schema (a new one is rotated without being listed), and `ALSO_SEALED`."""
    found = [(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns
             if isinstance(c.type, EncryptedString)]
    return sorted(found) + list(ALSO_SEALED)


def raw_values(session: Session, name: str, column: str, batch: int = 500
               ) -> Iterator[list[tuple[int, str]]]:
    """The stored text (ciphertext, or plaintext from before encryption) in id order, by batch."""
    t = table(name, *_cols(column))
    last = 0
    while True:
        rows = session.execute(select(t.c.id, t.c[column]).where(
            t.c.id > last, t.c[column].isnot(None)).order_by(t.c.id).limit(batch)).all()
        if not rows:
            return
        yield [(int(r[0]), str(r[1])) for r in rows]
        last = int(rows[-1][0])


def store_raw(session: Session, name: str, column: str, row_id: int, value: str) -> None:
    t = table(name, *_cols(column))
    session.execute(update(t).where(t.c.id == row_id).values({column: value}))


def _cols(column: str) -> list[ColumnClause[Any]]:
    return [sa_column("id", Integer()), sa_column(column, String())]


def find_key(session: Session, user_id: int, key: str) -> IdempotencyKey | None:
    return session.scalars(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)).first()


def delete_key(session: Session, row_id: int) -> None:
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row_id))


def store_response(session: Session, row_id: int, status: int, content_type: str | None,
                   body: str) -> None:
    session.execute(update(IdempotencyKey).where(
        IdempotencyKey.id == row_id, IdempotencyKey.status_code.is_(None)).values(
        status_code=status, content_type=content_type, body=body))


def purge_expired(session: Session, now: datetime) -> int:
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)




def table_fingerprints(conn: Connection) -> dict[str, dict[str, object]]:
    """Rows and a SHA-256 over every row (as stored, in primary-key order) of every table: a
    restored database must give the same figures as the snapshot that was backed up."""
    meta = MetaData()
    meta.reflect(conn)
    out: dict[str, dict[str, object]] = {}
    for name in sorted(meta.tables):
        t = meta.tables[name]
        order = list(t.primary_key.columns) or list(t.columns)
        digest, rows = hashlib.sha256(), 0
        result = conn.execution_options(yield_per=1000).execute(select(t).order_by(*order))
        for row in result:
            digest.update(repr(tuple(row)).encode())
            digest.update(b"\n")
            rows += 1
        out[name] = {"rows": rows, "sha256": digest.hexdigest()}
    return out


def table_names(conn: Connection) -> list[str]:
    return sorted(inspect(conn).get_table_names())


def schema_revision(conn: Connection) -> str | None:
    if "alembic_version" not in table_names(conn):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def export_snapshot(conn: Connection) -> str:
    """A PostgreSQL snapshot id that pg_dump can share (REPEATABLE READ, in a transaction)."""
    return str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())


def make_self_contained(db: sqlite3.Connection) -> None:
    """A SQLite copy as one file (no -wal/-shm beside it)."""
    db.execute("PRAGMA journal_mode=DELETE")


def anonymise_candidates(session: Session, name: str, column: str, after: str,
                         cutoff: datetime, where: dict[str, Any]) -> list[tuple[int, Any]]:
    """(id, value) of the rows of `name` whose `after` is before `cutoff` and that match
    `where`, with a value in `column` (the model's column types: dates compare as dates)."""
    t = Base.metadata.tables[name]
    since = t.c[after]
    limit: Any = cutoff.date() if isinstance(since.type, Date) else cutoff
    stmt = select(t.c.id, t.c[column]).where(since < limit, t.c[column].isnot(None))
    for key, value in where.items():
        stmt = stmt.where(t.c[key] == value)
    return [(int(r[0]), r[1]) for r in session.execute(stmt.order_by(t.c.id))]


def set_column(session: Session, name: str, column: str, row_id: int, value: Any) -> None:
    t = Base.metadata.tables[name]
    session.execute(update(t).where(t.c.id == row_id).values({column: value}))


def app_role_grants(conn: Connection, role: str) -> list[str]:
    """PostgreSQL: the statements that let `role` (the application's login, not the owner that
    runs migrations) use every table, but the audit log only to INSERT and SELECT: an UPDATE or
    DELETE of an audit row is refused by the server even with the triggers dropped, which the
    role cannot do (not the owner). Purging archived audit rows runs as the owner."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError("role must be a plain lower-case identifier")
    names = [n for n in table_names(conn) if n not in ("audit_log", "alembic_version")]
    out = [f"GRANT USAGE ON SCHEMA public TO {role}",
           f"REVOKE ALL ON audit_log FROM {role}",
           f"GRANT SELECT, INSERT ON audit_log TO {role}",
           f"GRANT SELECT ON alembic_version TO {role}",
           f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"]
    out += [f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{n}" TO {role}' for n in names]
    return out
