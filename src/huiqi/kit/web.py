"""Request-level plumbing shared by every domain's views and endpoints.

`DBSession` is the request's unit of work: one Session per request, committed when the route
returns, rolled back when it raises. It is function-scoped, so the commit happens *before* the
response is sent: a client never sees "saved" for a transaction that then fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import urlsplit

from anyio import to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from huiqi.kit.clock import Clock

API_PREFIX = "/api"
API_DOCS_PAGE = "/api/docs"  # an HTML page for people, served with the usual session
# Machine interfaces outside /api that authenticate by token, never by cookie (so no CSRF):
# Open311 GeoReport v2 (huiqi.appeals.open311) takes `api_key`, as its standard says.
TOKEN_PREFIXES = ("/open311/",)


async def get_db(request: Request) -> AsyncIterator[Session]:
    """Async so that opening costs no thread-pool hop (a Session connects at its first query);
    finishing (commit or rollback, then close) is one hop, skipped when no SQL ran."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    except BaseException:
        await _finish(session, commit=False)
        raise
    await _finish(session, commit=True)


async def _finish(session: Session, *, commit: bool) -> None:
    if not session.in_transaction():
        session.close()  # nothing ran: no connection to give back
        return

    def finish() -> None:
        try:
            if commit:
                session.commit()
        finally:
            session.close()  # rolls back whatever was not committed

    await to_thread.run_sync(finish)


async def get_clock(request: Request) -> Clock:  # async: no thread-pool hop
    clock: Clock = request.app.state.clock
    return clock


DBSession = Annotated[Session, Depends(get_db, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]


def client_ip(request: Request) -> str | None:
    """The peer address; behind a proxy run uvicorn with --proxy-headers --forwarded-allow-ips."""
    return request.client.host if request.client else None


def user_agent(request: Request) -> str | None:
    ua = request.headers.get("user-agent")
    return ua[:300] if ua else None


def is_api(request: Request) -> bool:
    path = request.url.path
    if path.startswith(TOKEN_PREFIXES):
        return True
    return (path == API_PREFIX or path.startswith(API_PREFIX + "/")) and path != API_DOCS_PAGE


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths ("/x"), never "//host" or "https://host": no open redirects."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
