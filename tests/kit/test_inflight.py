"""More concurrent requests than pooled connections must queue at the door, not stall.

A request holds its connection across thread-pool hops. Without a cap, requests holding
connections wait for threads that are all taken by requests waiting for a connection: nothing
moves until the pool times out."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from anyio import to_thread
from fastapi import Depends, FastAPI
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from huiqi.kit import db as kit_db
from huiqi.kit.inflight import InFlightLimit

POOL, THREADS, CLIENTS = 2, 2, 8


def _app(tmp_path: Path, limit: int | None) -> FastAPI:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}", pool_size=POOL, max_overflow=0,
                           pool_timeout=0.5, connect_args={"check_same_thread": False})
    app = FastAPI()

    def connection() -> Iterator[Connection]:  # a sync dependency: one hop to take it
        with engine.connect() as conn:
            yield conn

    @app.get("/")
    def read(conn: Connection = Depends(connection)) -> int:  # another hop
        return int(conn.execute(text("SELECT 1")).scalar_one())

    if limit:
        app.add_middleware(InFlightLimit, limit=limit)
    return app


async def _burst(app: FastAPI) -> list[int | str]:
    to_thread.current_default_thread_limiter().total_tokens = THREADS
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        async def one() -> int | str:
            try:
                return (await client.get("/")).status_code
            except PoolTimeout:
                return "pool timeout"
        return list(await asyncio.gather(*(one() for _ in range(CLIENTS))))


def _run(app: FastAPI) -> list[int | str]:
    # In a thread of its own: a browser test earlier in this worker may leave an event loop
    # running in the main thread (Playwright's sync API).
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _burst(app)).result()


def test_without_the_cap_a_burst_stalls_on_the_pool(tmp_path: Path) -> None:
    # The failure the cap exists for, shown so this test file would notice if it stopped
    # being reproducible (then the cap's test below proves nothing).
    assert "pool timeout" in _run(_app(tmp_path, limit=None))


def test_with_the_cap_every_request_is_served(tmp_path: Path) -> None:
    assert _run(_app(tmp_path, limit=POOL)) == [200] * CLIENTS


def test_the_app_caps_requests_at_what_its_pool_serves(tmp_path: Path) -> None:
    from huiqi.app import create_app
    from huiqi.kit.settings import Settings

    engine = kit_db.make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    app = create_app(Settings(data_dir=tmp_path), engine)
    caps = [m.kwargs["limit"] for m in app.user_middleware if m.cls is InFlightLimit]
    assert caps == [kit_db.IN_FLIGHT]
    capacity = engine.pool.size() + engine.pool._max_overflow  # type: ignore[attr-defined]
    assert capacity >= 2 * kit_db.IN_FLIGHT  # a unit of work and a bookkeeping write each
    assert kit_db.REQUEST_THREADS >= kit_db.IN_FLIGHT
    engine.dispose()
