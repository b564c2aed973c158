"""Engines and the unit of work. Only the unit of work commits; services flush at most."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from huiqi.kit.settings import get_settings

# Threads serving sync routes and dependencies (anyio's limiter, set by the app). A request takes
# a connection in one thread hop and needs another hop to finish; with fewer connections than
# threads, 40 requests can each wait for a connection held by one waiting for a thread, until
# the pool times out. So the pool can always grow to more connections than there are threads.
REQUEST_THREADS = 40
POOL = {"pool_size": 10, "max_overflow": REQUEST_THREADS}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               **(POOL if path and path != ":memory:" else {}))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **POOL)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


@lru_cache
def default_engine() -> Engine:
    return make_engine(get_settings().database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or default_engine(), expire_on_commit=False)


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
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
