"""Audit rows the routes need not write themselves: every file handed out (an Excel export, the
bank file, an attachment: any response with `Content-Disposition: attachment`) is recorded before
its first byte is sent. Refused requests (403, 409) are recorded by the error handler
(huiqi.ui.errors) through `service.audit_refusal`."""

from __future__ import annotations

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huiqi.audit.service import actor_of_scope, record_apart


class AuditDownloads:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return

        async def audited(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 200:
                headers = dict(message.get("headers") or [])
                disposition = headers.get(b"content-disposition", b"").decode("latin-1")
                if disposition.startswith("attachment"):
                    after = {"path": scope["path"], "query": scope.get("query_string", b"")
                             .decode("latin-1")[:300], "file": disposition[:200]}
                    await to_thread.run_sync(record_apart, scope["app"].state.engine,
                                             actor_of_scope(scope), "file.download", None, after)
            await send(message)

        await self.app(scope, receive, audited)
