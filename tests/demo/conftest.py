"""The demo world (`huiqi demo-up`'s steps and accounts, fewer enterprises), its app, a client
logged in per demo login, and a crawl of every page each login reaches."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.app import create_app
from huiqi.kit.clock import Clock
from huiqi.kit.settings import Settings, get_settings
from huiqi.models.user import Role
from tests.demo.pages import Page, crawl
from tests.fixtures.demo import Demo, build_demo
from tests.fixtures.web import (  # noqa: F401 - browser, page: fixtures
    _MFA,
    _free_port,
    browser,
    know_secret,
    login,
    page,
)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with pytest.MonkeyPatch.context() as mp:
        yield from build_demo(tmp_path_factory.mktemp("demo"), mp)


@pytest.fixture(scope="session")
def demo_app(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    settings = Settings(data_dir=tmp_path_factory.mktemp("demo-data"), database_url=demo.url,
                        secret_key="test-secret-key", as_of=get_settings().as_of)
    return create_app(settings, demo.engine, clock=Clock())


@pytest.fixture(scope="session")
def demo_clients(demo: Demo, demo_app: FastAPI) -> Iterator[dict[str, TestClient]]:
    clients: dict[str, TestClient] = {}
    for x in demo.logins:
        c = TestClient(demo_app, base_url="http://testserver", follow_redirects=False)
        c.__enter__()
        if x.totp_secret:
            know_secret(demo_app.state.engine, x.username, x.totp_secret)
        # Every demo login comes from one test address: more roles than the per-address login
        # limit allows in a minute (30). The limit itself is tested in tests/auth.
        demo_app.state.limiter.reset()
        response = login(c, (x.username, x.password))
        assert response.status_code == 303, (x.username, response.text[:300])
        clients[x.username] = c
    anonymous = TestClient(demo_app, base_url="http://testserver", follow_redirects=False)
    clients["anonymous"] = anonymous.__enter__()
    yield clients
    for c in clients.values():
        c.__exit__(None, None, None)


@pytest.fixture(scope="session")
def demo_pages(demo: Demo, demo_app: FastAPI, demo_clients: dict[str, TestClient]
               ) -> dict[str, list[Page]]:
    """The crawl of each role's demo login from its home page (for department handlers: the
    main one and a 财政局 one; the others see the same pages of other departments)."""
    finance = next(x.username for x in demo.logins if "财政局" in x.note)
    chosen = [x.username for x in demo.logins
              if x.role is not Role.DEPARTMENT or x.username in ("demo-department", finance)]
    pages = {username: crawl(demo_clients[username], reset=demo_app.state.limiter.reset)
             for username in chosen}
    pages["anonymous"] = crawl(demo_clients["anonymous"], "/login")
    return pages


@dataclass(frozen=True)
class LiveDemo:
    url: str
    app: FastAPI


@pytest.fixture(scope="module")
def demo_live(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    """The demo database served by uvicorn (one app per module), its 2FA logins answerable
    from the printed secrets."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("demo-live"), database_url=demo.url,
                        secret_key="test-secret-key", as_of=get_settings().as_of)
    app = create_app(settings, demo.engine, clock=Clock())
    for x in demo.logins:  # (known already when the crawl logged in: keep its last code's step)
        if x.totp_secret and (str(demo.engine.url), x.username) not in _MFA:
            know_secret(demo.engine, x.username, x.totp_secret)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(),
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "demo server did not start"
        time.sleep(0.05)
    try:
        yield LiveDemo(f"http://127.0.0.1:{server.config.port}", app)
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def demo_site(demo_live: LiveDemo) -> str:
    return demo_live.url
