"""Reads that run on the event loop when the database lives in this process.

    await inline.call(session, fn, *args)   # fn(*args): inline on SQLite, else in the thread pool

A thread-pool hop costs ~0.4 ms of CPU even on an idle machine (waking a thread, two context
switches, the GIL handed back and forth) and more under load, while an indexed SQLite read costs
tens of microseconds: for the hot read paths (who is calling, a cached 政策礼包) the hop was the
larger part of the work. Over a network database a read waits on the network, so there `fn` still
runs in the thread pool, where waiting does not stop the event loop.

Inline work must not wait on a lock. SQLite readers never wait in WAL mode, but a write may wait
for another writer up to the busy timeout, and would stall every request on the loop meanwhile.
So while `fn` runs inline, any statement other than a SELECT raises `WriteNeedsThread` before it
reaches the database, and `fn` starts over in the thread pool. The writes this meets are rare (a
session touch once a minute, a re-match after a publication), and `fn` must be safe to run again:
a read path that writes, if at all, only through the database.

Only engines passed to `guard()` run anything inline (the app guards its own), so work on an
unguarded engine always takes the thread pool.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from huiqi.kit import oncommit

T = TypeVar("T")


class WriteNeedsThread(Exception):
    """Raised instead of running a write inline. Deliberately an Exception, not a BaseException:
    SQLAlchemy treats the latter as a dying process and discards the connection."""


_INLINE: ContextVar[bool] = ContextVar("huiqi_inline_read", default=False)
_GUARDED: weakref.WeakSet[Engine] = weakref.WeakSet()


def guard(engine: Engine) -> None:
    """Let `engine` run reads inline: refuse every non-SELECT statement while inline."""
    if engine.dialect.name != "sqlite" or engine in _GUARDED:
        return
    event.listen(engine, "before_cursor_execute", _refuse_writes)
    _GUARDED.add(engine)


def _refuse_writes(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
    if _INLINE.get() and not statement.lstrip()[:6].upper() == "SELECT":
        raise WriteNeedsThread(statement[:60])


def writing() -> None:
    """Call before changing a loaded ORM object in code an inline read may run: the work starts
    over in the thread pool now. Refused later, at the flush, the session must roll back, which
    expires every object it loaded (and the retry would see them as from a failed request)."""
    if _INLINE.get():
        raise WriteNeedsThread("an ORM change")


def runs_inline(session: Session) -> bool:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    return engine in _GUARDED


async def call(session: Session, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` inline when `session`'s database is guarded (in-process) and `fn`
    only reads; otherwise, or as soon as it would write, in the thread pool."""
    if runs_inline(session):
        token = _INLINE.set(True)
        try:
            return fn(*args, **kwargs)
        except WriteNeedsThread:
            if not session.is_active:  # refused inside a flush: the session wants a rollback
                session.rollback()
        finally:
            _INLINE.reset(token)
    return await run_in_threadpool(fn, *args, **kwargs)


def settles_inline(session: Session) -> bool:
    """True when `session` has nothing to commit and ending it does no I/O: an in-process
    database on which nothing was written or is waiting to be flushed (SQLite opens a
    transaction only for the first write). Closing it is then all there is to do."""
    if not runs_inline(session) or session.new or session.dirty or session.deleted \
            or oncommit.pending(session):  # its callbacks run only on a commit
        return False
    if not session.in_transaction():
        return True
    driver = session.connection().connection.driver_connection
    return not getattr(driver, "in_transaction", True)
