"""At most N requests inside the app at once; the rest wait at the door in arrival order.

A request holds a pooled DB connection across its thread-pool hops. Were more requests inside
than there are connections, the threads could all be taken by requests waiting for a connection
while the requests holding connections wait for a thread: a stall until the pool times out (30 s,
then errors). Capping requests inside at what the pool can serve (huiqi.kit.db.IN_FLIGHT) rules
that out for any number of clients, and keeps the GIL from being shared by dozens of threads.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send


class InFlightLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit
        self._gate: asyncio.Semaphore | None = None  # made on first use, in the server's loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.limit)
        async with self._gate:
            await self.app(scope, receive, send)
