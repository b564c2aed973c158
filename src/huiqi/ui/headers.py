"""Security headers on every response (pure ASGI, so streaming responses are untouched).

The CSP allows scripts from our own origin only: no inline <script>. Pages pass data to scripts
through data- attributes or <script type="application/json"> (see huiqi.js: `data-echarts`).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",  # no style="" in templates; ECharts styles through the CSSOM (allowed)
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [*HEADERS, (b"content-security-policy", CSP.encode())]
                if scope.get("scheme") == "https":
                    extra.append((b"strict-transport-security",
                                  b"max-age=31536000; includeSubDomains"))
                headers.extend((k, v) for k, v in extra if k not in present)
                dynamic = not scope["path"].startswith("/static/")
                if dynamic and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
