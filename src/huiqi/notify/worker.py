"""The background deliverer: one thread per engine, started by the app's lifespan.

    worker.start(engine)   # lifespan start-up (several apps on one engine share one thread)
    worker.wake(engine)    # after a commit that queued messages; False if no worker runs
    worker.stop(engine)    # lifespan shutdown

It sleeps until woken, and wakes by itself every `POLL_SECONDS` to retry what failed or was
left pending (a crash between commit and delivery, another process's queue).
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from huiqi.kit.db import engine_scoped

log = logging.getLogger(__name__)
POLL_SECONDS = 30.0


class Deliverer:
    def __init__(self, engine: Engine, poll_seconds: float = POLL_SECONDS) -> None:
        self.engine, self.poll_seconds = engine, poll_seconds
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="huiqi-notify", daemon=True)
        self.passes = 0  # completed delivery passes (tests wait on it)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        from huiqi.notify.service import deliver

        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                deliver(self.engine)
            except Exception:
                log.exception("background notification delivery failed")
            self.passes += 1


class _Slot:
    """The engine's deliverer and how many apps use it (kept with the engine, not the module)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.worker: Deliverer | None = None
        self.users = 0


def _slot(engine: Engine) -> _Slot:
    return engine_scoped(engine, "notify.worker", _Slot)


def start(engine: Engine, poll_seconds: float = POLL_SECONDS) -> Deliverer:
    slot = _slot(engine)
    with slot.lock:
        if slot.worker is None:
            slot.worker = Deliverer(engine, poll_seconds)
            slot.worker.start()
        slot.users += 1
        return slot.worker


def stop(engine: Engine) -> None:
    slot = _slot(engine)
    with slot.lock:
        if slot.worker is None:
            return
        slot.users -= 1
        if slot.users > 0:
            return
        found, slot.worker = slot.worker, None
    found.stop()


def wake(engine: Engine) -> bool:
    slot = _slot(engine)
    with slot.lock:
        found = slot.worker
    if found is None:
        return False
    found.wake()
    return True
