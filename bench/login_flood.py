"""Login flood: bad logins at a fixed rate from loopback while another user browses.

    .venv/bin/python bench/login_flood.py                  # 200 bad logins/s for 30 s
    .venv/bin/python bench/login_flood.py --rate 200 --seconds 10

Starts uvicorn (this process, a thread, loopback only, a temporary SQLite database, production
Argon2 cost), creates a victim account and logs it in, then for `--seconds` sends `--rate` failed
logins per second (an open loop: a request leaves every 1/rate s whether or not the previous one
was answered) while the victim requests its home page every 50 ms. Stops by itself. Prints the
attackers' status counts and the victim's p50/p95/max, and whether its session is still alive.

Figures (2026-12-07 15:16 UTC, 2 vCPUs shared with seven other engineers and this branch's own
test suite: load average 7.7–9.0 over the run; `--seconds 8`, not the full 30):
    attack: 208 bad logins in 8 s (200/s offered, ~26/s achieved by the in-process client);
            statuses {400: 5, 429: 203}: five reached Argon2, the rest were stopped at the door
    victim: 25 page loads, all 200; p50 137 ms, p95 550 ms, max 2.1 s; session alive after: True
The 100 ms p95 target could not be shown on this machine at this load (the victim's latency is
dominated by the other processes; the flood itself costs 429s only). Re-run on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from huiqi.app import create_app
from huiqi.auth import service
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.db import make_engine, unit_of_work
from huiqi.kit.migrate import migrate
from huiqi.kit.settings import Settings

PASSWORD = "Kettle-Song-73x"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _csrf(client: httpx.Client, path: str) -> str:
    text = client.get(path).text
    return text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


async def _attack(url: str, rate: float, seconds: float, counts: Counter[int]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        page = await client.get("/login")
        token = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]

        async def one(i: int) -> None:
            try:
                r = await client.post("/login", data={"username": f"victim{i % 3}",
                                                      "password": "Wrong-Guess-1x",
                                                      "csrf_token": token})
                counts[r.status_code] += 1
            except httpx.HTTPError:
                counts[0] += 1

        tasks, start, i = [], time.monotonic(), 0
        while time.monotonic() - start < seconds:
            tasks.append(asyncio.create_task(one(i)))
            i += 1
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        await asyncio.gather(*tasks)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="huiqi-flood-"))
    url_db = f"sqlite:///{tmp / 'huiqi.db'}"
    engine = make_engine(url_db)
    migrate(engine)
    with unit_of_work(engine) as db:
        for name in ("victim", "victim0"):
            service.create_user(db, Actor.system(), Clock(), username=name, display_name=name,
                                role="liaison", password=PASSWORD)
    app = create_app(Settings(data_dir=tmp, database_url=url_db, secret_key="bench"), engine)
    port = _port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    victim = httpx.Client(base_url=url, timeout=30)
    token = _csrf(victim, "/login")
    victim.post("/login", data={"username": "victim", "password": PASSWORD, "csrf_token": token})
    counts: Counter[int] = Counter()
    attacker = threading.Thread(target=asyncio.run,
                                args=(_attack(url, args.rate, args.seconds, counts),))
    attacker.start()
    latencies, statuses = [], Counter()
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        t0 = time.perf_counter()
        r = victim.get("/")
        latencies.append((time.perf_counter() - t0) * 1000)
        statuses[r.status_code] += 1
        time.sleep(0.05)
    attacker.join()
    alive = victim.get("/").status_code == 200
    server.should_exit = True
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"attack: {sum(counts.values())} bad logins in {args.seconds:g} s "
          f"({args.rate:g}/s offered); statuses {dict(sorted(counts.items()))}")
    print(f"victim: {len(latencies)} page loads, statuses {dict(statuses)}; "
          f"p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, "
          f"max {latencies[-1]:.1f} ms; session alive after: {alive}")


if __name__ == "__main__":
    main()
