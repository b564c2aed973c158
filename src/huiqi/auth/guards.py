"""Checks every request passes, installed once on the app (so no route can forget them):

- a state-changing page request (POST/PUT/PATCH/DELETE) carries the right CSRF token (/api takes
  Bearer tokens only, which a foreign site cannot make a browser send);
- the auditor and the leaders (领导) change nothing: every state-changing request by either is
  refused, except the few routes marked `@auditor_may` (logging out, changing one's own password).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import Request

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import MaybeAuth
from huiqi.kit.csrf import SAFE_METHODS, CsrfFailed, anonymous_token, submitted_token
from huiqi.kit.errors import PermissionDenied
from huiqi.kit.security import same
from huiqi.kit.web import is_api
from huiqi.models.user import Role

F = TypeVar("F", bound=Callable[..., Any])
AUDITOR_READ_ONLY = "审计管理员账号只能查阅，不能修改任何数据。"
OFFICE_ONLY = "此操作只能由营商办办理。"
LEADER_READ_ONLY = "领导账号只能查阅，不能修改任何数据。"


def read_only_refusal(role: Role | None) -> str | None:
    """The refusal for a role that changes nothing (the auditor, leaders), else None;
    `@auditor_may` routes (their own account) stay open to them."""
    if role is Role.AUDITOR:
        return AUDITOR_READ_ONLY
    if role is Role.LEADER:
        return LEADER_READ_ONLY
    return None


def same_origin(request: Request) -> bool:
    """Origin (or, without it, Referer) names this site, or is absent (old clients, privacy
    settings: the CSRF token still decides). A foreign one is refused alongside the token."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or (claimed == "null" and not request.headers.get("origin")):
        return True
    parts = urlsplit(claimed)
    own = urlsplit(str(request.base_url))
    return (parts.scheme, parts.netloc) == (own.scheme, own.netloc)


def auditor_may(endpoint: F) -> F:
    """Mark a state-changing route the auditor may use (it must only concern their own account)."""
    endpoint.__huiqi_auditor_may__ = True  # type: ignore[attr-defined]
    return endpoint


async def request_guard(request: Request, auth: MaybeAuth) -> None:
    if request.method in SAFE_METHODS:
        return
    # /api authenticates by Bearer header only (no ambient credential, so no CSRF to forge).
    if not is_api(request):
        if not same_origin(request):
            raise CsrfFailed()
        expected = auth.csrf_token if auth else anonymous_token(request)
        if not same(await submitted_token(request), expected):
            raise CsrfFailed()
    refusal = read_only_refusal(auth.actor.role) if auth else None
    if refusal:
        endpoint = request.scope.get("endpoint")
        if not getattr(endpoint, "__huiqi_auditor_may__", False):
            raise PermissionDenied(refusal)


def require_writer(actor: Actor) -> None:
    """Read-only roles change nothing (the service-level twin of `request_guard`, for the API
    and CLI)."""
    refusal = read_only_refusal(actor.role)
    if refusal:
        raise PermissionDenied(refusal)


def require_office(actor: Actor) -> None:
    require_writer(actor)
    if actor.role is not Role.OFFICE:
        raise PermissionDenied(OFFICE_ONLY)
