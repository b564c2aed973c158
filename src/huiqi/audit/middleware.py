"""Audit rows the routes need not write themselves: every file handed out (an Excel export, the
bank file, an attachment: any response with `Content-Disposition: attachment`) is recorded before
its first byte is sent. Refused requests (403, 409) are recorded by the error handler
(huiqi.ui.errors) through `audit_refusal`."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huiqi.audit.service import record_apart
from huiqi.auth.actor import Actor


def _actor(scope: Scope) -> Actor | None:
    auth = (scope.get("state") or {}).get("auth")
    client = scope.get("client")
    ip = client[0] if client else None
    if auth is not None:
        return auth.actor.with_ip(ip) if auth.actor.ip is None else auth.actor
    return Actor(None, "anonymous", "", None, ip=ip, via="anonymous")


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
                                             _actor(scope), "file.download", None, after)
            await send(message)

        await self.app(scope, receive, audited)


async def audit_refusal(request: Any, status: int, code: str, message: str) -> None:
    """A refused request (403 forbidden, 409 illegal transition, CSRF): who, what, why."""
    auth = getattr(request.state, "auth", None)
    actor = auth.actor if auth else _actor(request.scope)
    after = {"method": request.method, "path": request.url.path, "status": status,
             "code": code, "message": message[:200]}
    await to_thread.run_sync(record_apart, request.app.state.engine, actor, "request.refused",
                             None, after)
