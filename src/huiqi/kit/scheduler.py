"""An in-process scheduler: a daemon thread that runs the scheduled ticks every few minutes.

    ticks = domain_ticks("huiqi")        # every `huiqi.<domain>.tasks:tick` (session, clock)
    run_ticks(engine, clock, ticks)      # once, each in its own unit of work (`huiqi tick`)
    Scheduler(engine, clock, ticks, minutes=5).start() … .stop()     # the app's lifespan

A domain registers its scheduled work by having a `tasks` module with a `tick(session, clock)`
function; the scheduler names no domain.

Each tick is idempotent (reminders recorded, rows locked with SKIP LOCKED), so several workers
or a cron `huiqi tick` running alongside do no harm. A failing tick is logged and retried at the
next round; it never stops the others.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import pkgutil
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine

from huiqi.kit.clock import Clock
from huiqi.kit.db import unit_of_work

log = logging.getLogger(__name__)
ENV = "HUIQI_SCHEDULER_MINUTES"  # 0 or unset: off (tests, and servers relying on cron)


def minutes_from_env() -> float:
    try:
        return max(0.0, float(os.environ.get(ENV, "0") or 0))
    except ValueError:
        log.warning("%s is not a number; the scheduler stays off", ENV)
        return 0.0


def domain_ticks(package: str) -> list[str]:
    """`<package>.<domain>.tasks:tick` for every domain of `package` that has one, by name."""
    found = []
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        name = f"{package}.{info.name}.tasks"
        if info.ispkg and importlib.util.find_spec(name) is not None \
                and hasattr(importlib.import_module(name), "tick"):
            found.append(f"{name}:tick")
    return sorted(found)


def load(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    fn: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return fn


def run_ticks(engine: Engine, clock: Clock, targets: Sequence[str]) -> dict[str, Any]:
    """Run each tick in its own transaction; returns {target: result or the exception}."""
    results: dict[str, Any] = {}
    for target in targets:
        try:
            with unit_of_work(engine) as session:
                results[target] = load(target)(session, clock)
        except Exception as exc:
            log.exception("scheduled tick %s failed", target)
            results[target] = exc
    return results


class Scheduler:
    def __init__(self, engine: Engine, clock: Clock, targets: Sequence[str], *,
                 minutes: float = 5) -> None:
        self.engine, self.clock, self.targets, self.minutes = engine, clock, targets, minutes
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="huiqi-scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            run_ticks(self.engine, self.clock, self.targets)
            self._stop.wait(self.minutes * 60)

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
