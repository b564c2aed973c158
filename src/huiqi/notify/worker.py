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


_lock = threading.Lock()
_running: dict[int, tuple[Deliverer, int]] = {}  # id(engine) → (worker, apps using it)


def start(engine: Engine, poll_seconds: float = POLL_SECONDS) -> Deliverer:
    with _lock:
        found = _running.get(id(engine))
        if found is None:
            found = (Deliverer(engine, poll_seconds), 0)
            found[0].start()
        _running[id(engine)] = (found[0], found[1] + 1)
        return found[0]


def stop(engine: Engine) -> None:
    with _lock:
        found = _running.get(id(engine))
        if found is None:
            return
        if found[1] > 1:
            _running[id(engine)] = (found[0], found[1] - 1)
            return
        del _running[id(engine)]
    found[0].stop()


def wake(engine: Engine) -> bool:
    with _lock:
        found = _running.get(id(engine))
    if found is None:
        return False
    found[0].wake()
    return True
