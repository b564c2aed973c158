"""Side effects after commit (Zulip's send_event_on_commit): queued on the session, run once the
transaction commits, dropped if it rolls back. Works for the request unit of work and the CLI's.

A callback receives the Engine the session was bound to; it must open its own session (the
committed one can no longer run SQL). Errors are logged, never raised: the commit already happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "huiqi.on_commit"

Callback = Callable[[Engine], None]


def on_commit(session: Session, callback: Callback) -> None:
    """Run `callback(engine)` once the outermost transaction commits. Registered inside a
    SAVEPOINT (begin_nested), it is dropped if that savepoint rolls back."""
    session.info.setdefault(_KEY, []).append([session.get_nested_transaction(), callback])


def pending(session: Session) -> bool:
    """Whether callbacks wait for this session's commit (so it must be committed, not closed)."""
    return bool(session.info.get(_KEY))


# after_commit and after_rollback also fire for SAVEPOINTs; during them the savepoint being
# released or rolled back is still the session's current nested transaction.
@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    entries = session.info.get(_KEY)
    if not entries:
        return
    nested = session.get_nested_transaction()
    if nested is not None:  # a SAVEPOINT was released: its callbacks move to the enclosing level
        parent = nested.parent if nested.parent is not None and nested.parent.nested else None
        for entry in entries:
            if entry[0] is nested:
                entry[0] = parent
        return
    session.info.pop(_KEY, None)
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    for _, callback in entries:
        try:
            callback(engine)
        except Exception:
            log.exception("after-commit callback %r failed", callback)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    nested = session.get_nested_transaction()
    if nested is None:
        session.info.pop(_KEY, None)
        return
    entries = session.info.get(_KEY, [])
    session.info[_KEY] = [entry for entry in entries if entry[0] is not nested]
