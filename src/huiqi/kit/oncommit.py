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
    session.info.setdefault(_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    callbacks: list[Callback] = session.info.pop(_KEY, [])
    if not callbacks:
        return
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    for callback in callbacks:
        try:
            callback(engine)
        except Exception:
            log.exception("after-commit callback %r failed", callback)


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_KEY, None)
