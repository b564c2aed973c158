"""Fixed Core SELECTs run straight on the driver's cursor, for the queries every request makes.

    CALLER = select(User.id, User.locked_until, …).where(User.id == bindparam("user_id"))
    row = first_row(session, CALLER, {"user_id": 7})    # row.locked_until: an aware datetime

SQLAlchemy's execution path (execution context, result metadata, row objects) costs several times
what SQLite spends running such a query. Here a statement is compiled once per dialect, and each
column is converted by its own type's result processor, as SQLAlchemy would: a `UTCDateTime`
comes back aware, a Boolean as a bool, on SQLite and PostgreSQL alike. Only for statements whose
bound values need no conversion (strings, integers): anything else is refused when prepared.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class _Prepared:
    sql: str
    binds: tuple[str, ...] | None  # positional order (qmark), or None: pass the dict (pyformat)
    row: Callable[..., Any]  # a namedtuple class with the statement's column names
    processors: tuple[Callable[[Any], Any] | None, ...]


_CACHE: dict[tuple[int, str], tuple[Select[Any], _Prepared]] = {}
_LOCK = threading.Lock()


def first_row(session: Session, stmt: Select[Any], params: Mapping[str, Any]) -> Any | None:
    """The first row of `stmt` (a module-level constant) in the session's transaction, or None."""
    conn = session.connection()
    prepared = _prepared(stmt, conn.dialect)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(prepared.sql, tuple(params[name] for name in prepared.binds)
                       if prepared.binds is not None else dict(params))
        raw = cursor.fetchone()
    finally:
        cursor.close()
    if raw is None:
        return None
    return prepared.row(*(value if convert is None or value is None else convert(value)
                          for convert, value in zip(prepared.processors, raw, strict=True)))


def _prepared(stmt: Select[Any], dialect: Dialect) -> _Prepared:
    key = (id(stmt), dialect.name)
    found = _CACHE.get(key)
    if found is not None and found[0] is stmt:  # the statement is kept: its id is not reused
        return found[1]
    compiled = stmt.compile(dialect=dialect)
    if any(compiled._bind_processors.get(name) for name in compiled.binds):
        raise ValueError("first_row: bound values needing conversion are not supported")
    columns = list(stmt.selected_columns)
    prepared = _Prepared(
        sql=compiled.string,
        binds=tuple(compiled.positiontup) if compiled.positional and compiled.positiontup
        else None,
        row=namedtuple("PreparedRow", [c.key for c in columns]),  # type: ignore[misc]
        processors=tuple(c.type.dialect_impl(dialect).result_processor(dialect, None)
                         for c in columns))
    with _LOCK:
        _CACHE[key] = (stmt, prepared)
    return prepared
