"""A GET or HEAD that found its database connection dead is answered once more.

The engine does not ping a connection before each use (kit.db.make_engine: that round trip was a
sixth of a 礼包 request's on PostgreSQL). After the database restarts, the pool's connections are
dead; the first request to use one fails, and SQLAlchemy then invalidates the whole pool, so the
request's second try runs on a new connection. This is the optimistic way of SQLAlchemy's
"Dealing with Disconnects"; only reads are retried, as a write may have reached the database.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RetryDisconnected:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except DBAPIError as exc:
            if started or not exc.connection_invalidated:
                raise
            await self.app(scope, receive, send)
