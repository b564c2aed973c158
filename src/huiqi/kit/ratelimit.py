"""Rate limits: sliding-window counters per key (an IP, an account), kept in the process.

Each worker counts for itself: with N workers a limit is at most N times its value, which still
stops a flood (the limits are sized for that). What must survive a restart or hold across workers
(login lockout per account and source) lives in the database (huiqi.auth.throttle).

The window is approximated from two fixed windows (the previous one weighted by how much of it
still overlaps), the usual cheap sliding window: O(1) memory per key.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass

from huiqi.kit.errors import HuiqiError


class RateLimited(HuiqiError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(message or f"操作过于频繁，请 {self.retry_after} 秒后再试。")

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int  # at most this many hits …
    seconds: int  # … per this many seconds

    @classmethod
    def from_env(cls, name: str, limit: int, seconds: int) -> Rule:
        """HUIQI_RATE_<NAME>=limit/seconds overrides the default (HUIQI_RATE_LOGIN_IP=30/60)."""
        raw = os.environ.get(f"HUIQI_RATE_{name.upper().replace('-', '_')}")
        if raw:
            count, _, window = raw.partition("/")
            return cls(name, int(count), int(window or seconds))
        return cls(name, limit, seconds)


# Defaults. Login: 30 attempts a minute from one address (a shared office NAT stays well under);
# the per-account lockout is in the database. API: per address and per account (token).
LOGIN_IP = Rule.from_env("login-ip", 30, 60)
OTP_IP = Rule.from_env("otp-ip", 30, 60)
API_IP = Rule.from_env("api-ip", 1200, 60)
API_ACCOUNT = Rule.from_env("api-account", 600, 60)
TOKEN_FAILURES_IP = Rule.from_env("token-failures-ip", 30, 60)
TOKEN_CREATE_ACCOUNT = Rule.from_env("token-create-account", 10, 3600)
EXPORT_ACCOUNT = Rule.from_env("export-account", 60, 3600)


class Limiter:
    """Thread-safe counters for any number of rules; `now` is seconds (the caller's clock)."""

    MAX_KEYS = 100_000  # memory bound: past it, expired windows are dropped

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], tuple[int, int, int]] = {}  # start, prev, current

    def hit(self, rule: Rule, key: str, now: float, *, cost: int = 1) -> None:
        """Count a hit; raise RateLimited (nothing counted) when it would pass the limit."""
        retry = self._take(rule, key, now, cost, count=True)
        if retry:
            raise RateLimited(retry)

    def check(self, rule: Rule, key: str, now: float) -> None:
        """Raise RateLimited if the key is over the limit, without counting (failures only)."""
        retry = self._take(rule, key, now, 0, count=False)
        if retry:
            raise RateLimited(retry)

    def count(self, rule: Rule, key: str, now: float) -> None:
        self._take(rule, key, now, 1, count=True, force=True)

    def _take(self, rule: Rule, key: str, now: float, cost: int, *, count: bool,
              force: bool = False) -> int:
        start = int(now // rule.seconds) * rule.seconds
        with self._lock:
            if len(self._windows) > self.MAX_KEYS:
                self._sweep(now)
            w_start, prev, cur = self._windows.get((rule.name, key), (start, 0, 0))
            if w_start != start:  # moved on: the current window becomes the previous one
                prev, cur = (cur if start - w_start == rule.seconds else 0), 0
            overlap = 1 - (now - start) / rule.seconds
            used = prev * overlap + cur
            if not force and used + max(cost, 1) > rule.limit:
                self._windows[(rule.name, key)] = (start, prev, cur)
                return self._retry_after(rule, prev, cur, now, start)
            if count:
                cur += cost
            self._windows[(rule.name, key)] = (start, prev, cur)
            return 0

    @staticmethod
    def _retry_after(rule: Rule, prev: int, cur: int, now: float, start: int) -> int:
        if cur + 1 > rule.limit:  # only the next window helps
            return math.ceil(start + rule.seconds - now)
        # The previous window's weight falls linearly: wait until enough of it has slid out.
        need = (prev + cur + 1 - rule.limit) / max(prev, 1)
        return max(1, math.ceil(need * rule.seconds - (now - start)))

    def _sweep(self, now: float) -> None:
        self._windows = {k: v for k, v in self._windows.items() if now - v[0] < 7200}

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
