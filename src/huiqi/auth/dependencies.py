"""Who is calling, as FastAPI dependencies. A route's signature reads as its access policy:

    def page(user: OfficeUser, db: DBSession): ...

HTML routes authenticate with the session cookie; /api routes with `Authorization: Bearer hq_…`.
Not logged in → 401 (pages redirect to the login page). Wrong role → 404, the same answer as for
something that does not exist, so a page's existence is not disclosed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from huiqi.auth import repository, service
from huiqi.auth.actor import Actor
from huiqi.kit import ratelimit
from huiqi.kit.clock import Clock
from huiqi.kit.errors import HuiqiError, NotFound
from huiqi.kit.web import ClockDep, DBSession, client_ip, is_api, is_https
from huiqi.models.session import UserSession
from huiqi.models.user import Role

SESSION_COOKIE = "huiqi_session"
# Over HTTPS the cookie is `__Host-`: the browser keeps it only if Secure, Path=/ and without a
# Domain, so a sibling subdomain cannot plant or shadow it.
HOST_SESSION_COOKIE = "__Host-huiqi_session"


def session_cookie(request: Request) -> str:
    return HOST_SESSION_COOKIE if is_https(request) else SESSION_COOKIE
F = TypeVar("F", bound=Callable[..., Any])


class NotAuthenticated(HuiqiError):
    status_code = 401
    code = "not_authenticated"

    def __init__(self, message: str = "请先登录。", *, reason: str = "login") -> None:
        super().__init__(message)
        self.reason = reason  # login | timeout: which notice the login page shows


@dataclass(frozen=True)
class Auth:
    actor: Actor
    csrf_token: str | None = None  # None for Bearer-token calls
    token: str | None = None  # the session cookie's value (to end or rotate it)
    session_id: str | None = None  # its user_sessions row
    pending_flashes: bool = False  # the row held flash messages when the request began
    db: Session | None = field(default=None, repr=False, compare=False)  # the unit of work

    @cached_property
    def session(self) -> UserSession | None:
        """The session's row as an ORM object, loaded on first use: only flash messages change
        it (most requests show none and never load it)."""
        if self.db is None or self.session_id is None:
            return None
        return repository.session_row(self.db, self.session_id)

    def pop_flashes_apart(self) -> list[dict[str, Any]]:
        """The pending messages, cleared in a short transaction of their own: what a page of
        a read-only route (kit.web.read_only) shows, since its session may not write."""
        if self.db is None or self.session_id is None:
            return []
        return repository.pop_flashes(self.db, self.session_id)


# Declared so the OpenAPI docs offer "Authorize" with a Bearer token; checked by _bearer below.
_bearer_scheme = HTTPBearer(auto_error=False,
                            description="个人 API 令牌（hq_…），在“API 令牌”页面创建")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)]


def get_auth(
    request: Request, db: DBSession, clock: ClockDep, bearer: BearerCredentials
) -> Auth | None:
    """Resolve the caller once per request (FastAPI caches it); also kept on request.state.
    A plain `def`: its reads run in the thread pool, like the endpoint's."""
    auth = _resolve(request, db, clock, bearer)
    request.state.auth = auth
    return auth


def _resolve(request: Request, db: Session, clock: Clock,
             bearer: HTTPAuthorizationCredentials | None) -> Auth | None:
    if is_api(request):
        return _bearer(request, db, clock, bearer.credentials if bearer else "")
    return _cookie(request, db, clock)


def _bearer(request: Request, db: Session, clock: Clock, secret: str) -> Auth | None:
    if not secret:
        return None
    limiter, now, ip = request.app.state.limiter, clock.now().timestamp(), client_ip(request)
    limiter.check(ratelimit.TOKEN_FAILURES_IP, ip or "-", now)  # guessing tokens: 429
    user = service.resolve_api_token(db, clock, secret.strip())
    if user is None:
        limiter.count(ratelimit.TOKEN_FAILURES_IP, ip or "-", now)
        return None
    limiter.hit(ratelimit.API_ACCOUNT, str(user.id), now)
    return Auth(Actor.of(user, ip=ip, via="token"))


def _cookie(request: Request, db: Session, clock: Clock) -> Auth | None:
    token = request.cookies.get(session_cookie(request))
    if not token:
        return None
    # Background polls (the bell) must not keep an idle session alive.
    passive = getattr(request.scope.get("endpoint"), "__huiqi_passive__", False)
    try:
        found = service.resolve_session(db, clock, token, touch=not passive)
    except service.SessionExpired:
        request.state.session_expired = True
        return None
    if found is None:
        return None
    return Auth(Actor.of(found, ip=client_ip(request)), found.csrf_token, token,
                found.session_id, bool(found.flashes), db)


def passive(endpoint: F) -> F:
    """Mark a route whose calls are not user activity (polling): it does not extend the session."""
    endpoint.__huiqi_passive__ = True  # type: ignore[attr-defined]
    return endpoint


MaybeAuth = Annotated[Auth | None, Depends(get_auth)]
# The checks below are `async def` on purpose: they do no I/O, and a plain `def` dependency costs
# a hop to the thread pool and back on every request (~1 ms each under load).


async def get_optional_actor(auth: MaybeAuth) -> Actor | None:
    return auth.actor if auth else None


def _logged_in(request: Request, auth: Auth | None) -> Auth:
    if auth is None:
        if getattr(request.state, "session_expired", False):
            raise NotAuthenticated("登录已超时（30 分钟无操作），请重新登录。", reason="timeout")
        raise NotAuthenticated()
    return auth


async def require_auth(request: Request, auth: MaybeAuth) -> Auth:
    return _logged_in(request, auth)


async def require_actor(request: Request, auth: MaybeAuth) -> Actor:
    return _logged_in(request, auth).actor


def require_roles(*roles: Role) -> Callable[..., Actor]:
    """A dependency admitting only the given roles; others get the 404 a missing page gets.
    It reads the caller directly (not through require_actor): each dependency level costs
    FastAPI tens of microseconds on every request."""
    allowed = frozenset(roles)

    async def dependency(request: Request, auth: MaybeAuth) -> Actor:
        actor = _logged_in(request, auth).actor
        if actor.role not in allowed:
            raise NotFound("页面不存在，或您没有访问权限。")
        return actor

    dependency.__name__ = "require_" + "_or_".join(r.value for r in roles)
    return dependency


AuthRequired = Annotated[Auth, Depends(require_auth)]
OptionalUser = Annotated[Actor | None, Depends(get_optional_actor)]
CurrentUser = Annotated[Actor, Depends(require_actor)]
EnterpriseUser = Annotated[Actor, Depends(require_roles(Role.ENTERPRISE))]
DepartmentUser = Annotated[Actor, Depends(require_roles(Role.DEPARTMENT))]
LiaisonUser = Annotated[Actor, Depends(require_roles(Role.LIAISON))]
OfficeUser = Annotated[Actor, Depends(require_roles(Role.OFFICE))]
AuditorUser = Annotated[Actor, Depends(require_roles(Role.AUDITOR))]
# Government staff who work on cases (not the auditor, not enterprises).
StaffUser = Annotated[Actor, Depends(require_roles(Role.DEPARTMENT, Role.LIAISON, Role.OFFICE))]


async def export_allowed(request: Request, actor: CurrentUser) -> None:
    """EXPORT_ACCOUNT: Excel/CSV exports per account (each builds a whole workbook; a loop over
    them would also copy the data out): 429 with Retry-After past the limit."""
    rule = ratelimit.EXPORT_ACCOUNT
    try:
        request.app.state.limiter.hit(rule, str(actor.user_id),
                                      request.app.state.clock.now().timestamp())
    except ratelimit.RateLimited as exc:
        message = (f"导出过于频繁（每个账号每 {rule.seconds // 60} 分钟最多 {rule.limit} 次），"
                   f"请 {exc.retry_after} 秒后再试。")
        raise ratelimit.RateLimited(exc.retry_after, message) from None


# Every route answering with an Excel/CSV export takes it (tests/auth/test_export_limit.py).
ExportLimited = Annotated[None, Depends(export_allowed)]
