"""The client's address and scheme, from forwarded headers only when a trusted proxy sent them.

`HUIQI_TRUSTED_PROXIES` lists the reverse proxies (addresses or CIDR blocks, comma-separated).
A request whose peer is one of them has its client taken from `X-Forwarded-For` (the rightmost
address that is not itself a trusted proxy) and its scheme from `X-Forwarded-Proto`. From any
other peer the headers are ignored, so a forged `X-Forwarded-For` changes neither the audited
source IP nor the key rate limits count under.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(raw: str | Iterable[str]) -> tuple[Network, ...]:
    items = raw.split(",") if isinstance(raw, str) else raw
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items
                 if item.strip())


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def forwarded_client(peer: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The client address a trusted chain reports; `peer` when it is not trusted."""
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from the proxy: keep what we know
    return hops[0] if hops else peer


class TrustedProxies:
    def __init__(self, app: ASGIApp, networks: tuple[Network, ...]) -> None:
        self.app, self.networks = app, networks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.networks and scope.get("client"):
            peer = scope["client"][0]
            if _trusted(peer, self.networks):
                headers = {k.decode("latin-1"): v.decode("latin-1")
                           for k, v in scope["headers"]
                           if k in (b"x-forwarded-for", b"x-forwarded-proto")}
                client = forwarded_client(peer, headers.get("x-forwarded-for", ""), self.networks)
                scope = dict(scope, client=(client, 0))
                proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
                if proto in ("http", "https"):
                    scope["scheme"] = proto
        await self.app(scope, receive, send)
