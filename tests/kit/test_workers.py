"""huiqi.kit.workers: `huiqi serve --workers N` gives each worker a listening socket of its own,
so clients connecting at once spread over the workers (with one shared socket, a burst of 50
went 39/11 and 46/3); a dead worker is replaced; SIGTERM stops them all."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = ("import sys; from huiqi.kit.workers import serve; serve('tests.kit.pid_app:make', "
       "host='127.0.0.1', port=int(sys.argv[1]), workers=2, log_level='warning')")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pid_over(conn: socket.socket) -> int:
    conn.sendall(b"GET /pid HTTP/1.1\r\nHost: t\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or not data.split(b"\r\n\r\n", 1)[1]:
        data += conn.recv(4096)
    return int(data.split(b"\r\n\r\n", 1)[1])


def _ask(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        return _pid_over(conn)


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = _port()
    proc = subprocess.Popen([sys.executable, "-c", RUN, str(port)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    deadline = time.monotonic() + 30
    seen: set[int] = set()
    while len(seen) < 2:  # both workers up
        try:
            seen.add(_ask(port))
        except OSError:
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.1)
    yield proc, port
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)


def test_connections_made_at_once_spread_over_the_workers(served) -> None:  # type: ignore[no-untyped-def]
    _, port = served
    conns = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(40)]
    try:
        held = Counter(_pid_over(c) for c in conns)
    finally:
        for c in conns:
            c.close()
    assert len(held) == 2 and min(held.values()) >= 8, held


def test_a_dead_worker_is_replaced_and_sigterm_stops_all(served) -> None:  # type: ignore[no-untyped-def]
    proc, port = served
    victim = _ask(port)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    seen: set[int] = set()
    while len(seen - {victim}) < 2:
        with contextlib.suppress(OSError):
            seen.add(_ask(port))
        assert time.monotonic() < deadline, f"no replacement worker: {seen}"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    for pid in seen - {victim}:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
