"""Several worker processes on one port, each with a listening socket of its own (SO_REUSEPORT).

    serve("huiqi.app:create_app", host="127.0.0.1", port=8000, workers=2)

Uvicorn's own `--workers` shares one listening socket, and a connection stays with the worker
that accepted it. A busy worker returns to its event loop often and so wins most of the accepts:
measured with 50 keep-alive clients, one worker held 39 connections (46 once clients reconnected)
and the other 11, and the busy worker's clients waited three times as long. With a socket per
worker the kernel spreads connections over them by a hash of the client's address and port.

The parent restarts a worker that dies, and stops everything on SIGINT or SIGTERM (each worker
finishes its requests in flight, as uvicorn does). A worker that keeps dying at start-up (a bad
setting, say) stops the whole service rather than restarting forever.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn

log = logging.getLogger(__name__)
QUICK_DEATHS = 3  # workers dying within START_SECONDS of starting, in a row, before giving up
START_SECONDS = 10.0


def serve(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Run the app factory `app` ("module:function") in `workers` processes."""
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(app, factory=True, host=host, port=port, workers=workers, **options)
        return
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def start() -> tuple[BaseProcess, float]:
        process = context.Process(target=_worker, args=(app, host, port, options), daemon=True)
        process.start()
        return process, time.monotonic()

    running = [start() for _ in range(workers)]
    quick_deaths = 0
    try:
        while not stop.wait(0.5):
            for i, (process, started) in enumerate(running):
                if process.is_alive():
                    continue
                quick_deaths = quick_deaths + 1 if time.monotonic() - started < START_SECONDS \
                    else 0
                if quick_deaths >= QUICK_DEATHS:
                    raise SystemExit(
                        f"工作进程启动后反复退出（退出码 {process.exitcode}），服务停止。")
                log.warning("worker %s exited with %s; starting another", process.pid,
                            process.exitcode)
                running[i] = start()
    finally:
        for process, _ in running:
            process.terminate()  # SIGTERM: uvicorn finishes what is in flight
        for process, _ in running:
            process.join(30)
            if process.is_alive():
                process.kill()


def _worker(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    config = uvicorn.Config(app, factory=True, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])
