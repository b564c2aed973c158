"""Request-level plumbing shared by every domain's views and endpoints.

`DBSession` is the request's unit of work: one Session per request, committed when the route
returns, rolled back when it raises. It is function-scoped, so the commit happens *before* the
response is sent: a client never sees "saved" for a transaction that then fails.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from huiqi.kit import bounds
from huiqi.kit.clock import Clock
from huiqi.kit.errors import HuiqiError, keeps_flushed
from huiqi.kit.settings import Settings, get_settings

API_PREFIX = "/api"
API_DOCS_PAGE = "/api/docs"  # an HTML page for people, served with the usual session
# Machine interfaces outside /api that authenticate by token, never by cookie (so no CSRF):
# Open311 GeoReport v2 (huiqi.appeals.open311) takes `api_key`, as its standard says.
TOKEN_PREFIXES = ("/open311/",)


_REQUEST_UNIT = "huiqi.request_unit_of_work"
_READ_ONLY = "__huiqi_read_only__"
F = TypeVar("F", bound=Callable[..., Any])


def read_only(endpoint: F) -> F:
    """Mark a route that only reads: its unit of work runs without a transaction
    (kit.db.read_only_sessions), two round trips fewer on PostgreSQL. Bookkeeping writes in their
    own transaction (auth's session and token touches) still happen, as does a write made through
    `kit.db.apart` (a stale 礼包's re-match); a flush or a DML statement on its session raises."""
    setattr(endpoint, _READ_ONLY, True)
    return endpoint


async def get_db(request: Request) -> AsyncIterator[Session]:
    """Async so that opening costs no thread-pool hop (a Session connects at its first query).
    A sync endpoint taking it commits it in its own hop (UnitOfWorkRoute); otherwise finishing
    (commit or rollback, then close) is one more hop, skipped when no transaction is open."""
    state = request.app.state
    reads = getattr(request.scope.get("endpoint"), _READ_ONLY, False)
    session: Session = (state.read_session_factory if reads else state.session_factory)()
    session.info[_REQUEST_UNIT] = True
    try:
        yield session
    except BaseException as exc:
        await _finish(session, commit=keeps_flushed(exc))  # kit.errors.AuditedRefusal
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


class UnitOfWorkRoute(APIRoute):
    """A route whose sync endpoint commits the request's unit of work in the thread it already
    runs in, when it returns: each thread-pool hop costs about a millisecond under load, and this
    saves one per request. On an exception nothing is committed here; get_db rolls back.
    Its int parameters (and its dependencies') get the 64-bit range they lack (kit.bounds)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        bounds.bound_signature(endpoint)  # every int it takes fits the database, or 422
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _committing(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)  # FastAPI reads the signature through __wrapped__
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            result = endpoint(*args, **kwargs)
        except HuiqiError as exc:
            if keeps_flushed(exc):  # an audited refusal: commit its audit row, then answer
                for value in kwargs.values():
                    if isinstance(value, Session) and value.info.get(_REQUEST_UNIT):
                        value.commit()
            raise
        for value in kwargs.values():
            if isinstance(value, Session) and value.info.get(_REQUEST_UNIT):
                value.commit()
        return result

    return run


def router(**kwargs: Any) -> APIRouter:
    """Every domain's router: routes commit in the endpoint's own hop (UnitOfWorkRoute)."""
    return APIRouter(route_class=UnitOfWorkRoute, **kwargs)


def settings_of(request: Request) -> Settings:
    """The app's settings (`create_app(settings=…)`), else the process's."""
    found = getattr(request.app.state, "settings", None)
    return found if isinstance(found, Settings) else get_settings()


async def get_clock(request: Request) -> Clock:  # async: no thread-pool hop
    clock: Clock = request.app.state.clock
    return clock


async def get_form(request: Request) -> FormData:
    """The parsed form body, awaited here so the endpoint can stay `def`: an `async def` route
    would do its database work on the event loop, stalling every request while a write waits
    for a lock. Starlette caches the parse (the CSRF guard has usually done it), and the
    route's `max_body_size` still applies: dependencies run inside the route's body limit."""
    return await request.form()


DBSession = Annotated[Session, Depends(get_db, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]
FormDep = Annotated[FormData, Depends(get_form)]


def client_ip(request: Request) -> str | None:
    """The client address: the peer, or what a trusted proxy forwarded (huiqi.kit.proxies)."""
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
