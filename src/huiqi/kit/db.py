"""Engines and the unit of work. Only the unit of work commits; services flush at most."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Select, create_engine, event, func, select, text
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from huiqi.kit.errors import NotFound, keeps_flushed
from huiqi.kit.settings import get_settings

# Requests served at once; more wait at the door in arrival order (huiqi.kit.inflight). Each one
# uses at most one thread at a time, and at most two pooled connections (its unit of work, plus a
# moment's second one for bookkeeping writes such as session touches). So the pool holds two per
# request plus a few for background work, and is kept whole: opening connections under load
# costs (SQLite runs its PRAGMAs; PostgreSQL forks a backend).
IN_FLIGHT = int(os.environ.get("HUIQI_IN_FLIGHT", "16"))
REQUEST_THREADS = IN_FLIGHT
POOL = {"pool_size": 2 * IN_FLIGHT + 8, "max_overflow": 8}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Personal data: the file (and the -wal/-shm SQLite makes with its mode) owner-only.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            os.chmod(path, 0o600)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               **(POOL if path and path != ":memory:" else {}))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # Disconnects are handled optimistically (SQLAlchemy's "Dealing with Disconnects"): no
    # pre-ping, a round trip on every checkout (a sixth of a 礼包 request's); a connection found
    # dead invalidates the whole pool, and GET/HEAD requests are answered once more on a fresh
    # one (huiqi.kit.reconnect). Connections are replaced after an hour, before any server-side
    # or network idle timeout would cut them.
    return create_engine(url, pool_recycle=3600, **POOL)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


@lru_cache
def default_engine() -> Engine:
    return make_engine(get_settings().database_url)


T = TypeVar("T")


_SCOPE = "huiqi_scope"


def engine_scoped(bind: Engine | Connection, key: str, make: Callable[[], T]) -> T:
    """The object kept under `key` for this engine (one database), made on first use: state
    that lives as long as an app's or a CLI run's engine (the policy items, the 政策礼包
    cache), so two databases in one process never share it, and no module holds it."""
    engine = bind.engine if isinstance(bind, Connection) else bind
    scope: dict[str, Any] = engine.__dict__.setdefault(_SCOPE, {})
    found = scope.get(key)
    if found is None:
        found = scope.setdefault(key, make())
    return found  # type: ignore[no-any-return]


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or default_engine(), expire_on_commit=False)


def read_only_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions for routes that only read (kit.web.read_only): no transaction (DBAPI autocommit,
    SQLAlchemy's "Setting Isolation for a Sessionmaker"), which spares PostgreSQL the BEGIN and
    COMMIT round trips. Reads are as before: PostgreSQL's read committed gives each statement its
    own snapshot anyway. Changing an object through one raises (ReadOnlyWrite)."""
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    # A copy of `engine` with other options: it shares the state kept per engine (the policy
    # items, the 礼包 cache), else a read-only route would see a library of its own.
    reads.__dict__[_SCOPE] = engine.__dict__.setdefault(_SCOPE, {})
    made = sessionmaker(bind=reads, expire_on_commit=False, info={_WRITER: engine})
    event.listen(made, "before_flush", _refuse_flush)
    event.listen(made, "do_orm_execute", _refuse_dml)
    return made


_WRITER = "huiqi.writer"  # a read-only session's info: the engine its writes apart go to


def is_read_only(session: Session) -> bool:
    """Whether `session` is a read-only route's (read_only_sessions): it holds no transaction,
    so what it reads is committed, and whatever it must write goes through `apart`."""
    return _WRITER in session.info


@contextmanager
def apart(session: Session) -> Iterator[Session]:
    """A short unit of work of its own on the database of a read-only `session`, committed
    when the block ends (rolled back if it raises): the rare write a read-only route must make,
    such as re-matching a stale 政策礼包, without holding a transaction for every request."""
    writer: Engine = session.info[_WRITER]
    with committed(Session(writer, expire_on_commit=False)) as own:
        yield own


class ReadOnlyWrite(RuntimeError):
    """A read-only route's session was asked to write: a programming error (the route is not
    read-only; take its `read_only` mark off)."""


def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    raise ReadOnlyWrite("a read-only route (kit.web.read_only) changed "
                        f"{len(session.new) + len(session.dirty) + len(session.deleted)} objects")


def _refuse_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlyWrite("a read-only route (kit.web.read_only) ran an INSERT, UPDATE or "
                            "DELETE on its session (write through kit.db.apart)")


def fetch_one(session: Session, stmt: Select[T], missing: str, *,
              for_update: bool = False) -> T:
    """The object `stmt` selects, or NotFound(missing). `for_update` locks its row and reloads it
    (an object already in the session would otherwise keep the values read before the lock)."""
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(stmt)
    if found is None:
        raise NotFound(missing)
    return found


def page_of(session: Session, stmt: Select[Any], limit: int, offset: int
            ) -> tuple[int, list[Any]]:
    """The number of rows `stmt` selects, and the `limit` rows from `offset` (kit.pagination):
    scalars when it selects one entity, rows otherwise."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    paged = stmt.limit(limit).offset(offset)
    single = len(stmt.column_descriptions) == 1
    return total, list(session.scalars(paged) if single else session.execute(paged))


def ping(session: Session) -> None:
    """A round trip to the database (the health check): raises if it does not answer."""
    session.execute(text("SELECT 1"))


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """Commit on success, roll back on error: the only place that commits (CLI, tasks)."""
    with committed(session_factory(engine)()) as session:
        yield session


@contextmanager
def committed(session: Session) -> Iterator[Session]:
    """The unit of work around an open session; the web request dependency uses it too."""
    try:
        yield session
        session.commit()
    except BaseException as exc:
        if keeps_flushed(exc):
            session.commit()  # the refusal's audit row (kit.errors.AuditedRefusal)
        else:
            session.rollback()
        raise
    finally:
        session.close()


def write_lock_now(session: Session) -> None:
    """SQLite: take the database's write lock now (`BEGIN IMMEDIATE`) unless this transaction
    already writes, so a concurrent writer waits here and then reads the first one's commit,
    instead of failing when its read lock cannot be upgraded. PostgreSQL: nothing (rows are
    locked where they are read, SELECT … FOR UPDATE, or a unique index makes the second wait)."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
