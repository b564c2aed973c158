"""Per-address rate limits applied before the app does any work (no form parsing, no database):
a flood of logins or API calls is answered 429 for microseconds each, so it cannot take the
worker's CPU, its threads or the Argon2 slots from other users."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from huiqi.kit import ratelimit
from huiqi.kit.ratelimit import Limiter, RateLimited, Rule

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def rule_for(method: str, path: str) -> Rule | None:
    if method == "POST" and path == "/login":
        return ratelimit.LOGIN_IP
    if method == "POST" and path.startswith("/login/"):  # second factor, enrolment
        return ratelimit.OTP_IP
    if path.startswith(("/api/v1/", "/open311/")):
        return ratelimit.API_IP
    return None


class RateLimit:
    def __init__(self, app: ASGIApp, limiter: Limiter) -> None:
        self.app, self.limiter = app, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = rule_for(scope.get("method", ""), scope.get("path", "")) \
            if scope["type"] == "http" else None
        if rule is None:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        ip = client[0] if client else "-"
        try:
            self.limiter.hit(rule, ip, scope["app"].state.clock.now().timestamp())
        except RateLimited as exc:
            await _too_many(scope, send, exc)
            return
        await self.app(scope, receive, send)


async def _too_many(scope: Scope, send: Send, exc: RateLimited) -> None:
    if scope["path"].startswith(("/api/", "/open311/")):
        body = json.dumps({"error": {"code": exc.code, "message": exc.message, "details": None}},
                          ensure_ascii=False).encode()
        kind = b"application/json"
    else:
        body = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>操作过于频繁'
                f"</title><h1>操作过于频繁</h1><p>{exc.message}</p></html>").encode()
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", kind), (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(exc.retry_after).encode()), (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff")]})
    await send({"type": "http.response.body", "body": body})
