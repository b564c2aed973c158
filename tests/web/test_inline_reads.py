"""Hot reads run on the event loop on SQLite (huiqi.kit.inline): who is calling, and routes marked
`web.inline_read`. The bookkeeping they sometimes write (a session touch, ending a timed-out
session) still happens, in the thread pool; on PostgreSQL everything stays in the thread pool."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from huiqi.auth import dependencies
from huiqi.auth.dependencies import CurrentUser
from huiqi.kit import web
from huiqi.kit.web import DBSession
from huiqi.models.session import UserSession
from tests.fixtures.serving import on_loop


@pytest.fixture
def probe(app, monkeypatch):  # type: ignore[no-untyped-def]
    """GET /probe/inline (cookie) and /api/v1/probe/inline (token): where each part ran."""
    seen: dict[str, list[bool]] = {"auth": [], "route": []}
    resolve = dependencies._resolve

    def recording(*args):  # type: ignore[no-untyped-def]
        seen["auth"].append(on_loop())
        return resolve(*args)

    monkeypatch.setattr(dependencies, "_resolve", recording)
    router = web.router()

    @router.get("/probe/inline")
    @router.get("/api/v1/probe/inline")
    @web.inline_read
    def where(db: DBSession, actor: CurrentUser) -> dict[str, str]:
        seen["route"].append(on_loop())
        return {"user": actor.username}

    app.include_router(router)
    return seen


def _dialect(app) -> str:  # type: ignore[no-untyped-def]
    return app.state.engine.dialect.name


def test_a_page_read_never_leaves_the_event_loop_on_sqlite(app, logged_in, probe) -> None:
    c = logged_in("enterprise")
    probe["auth"].clear()
    response = c.get("/probe/inline")
    assert response.status_code == 200 and response.json()["user"] == c.creds.username
    inline = _dialect(app) == "sqlite"
    assert probe == {"auth": [inline], "route": [inline]}


def test_a_due_session_touch_is_written_from_the_thread_pool(
    app, logged_in, probe, clock, app_engine
) -> None:
    c = logged_in("enterprise")
    clock.advance(minutes=5)  # past TOUCH_EVERY: this request extends the session
    probe["auth"].clear()
    assert c.get("/probe/inline").status_code == 200
    with app_engine.connect() as conn:
        seen = conn.scalar(select(UserSession.last_seen_at)
                           .where(UserSession.user_id == c.creds.id))
    assert seen is not None and seen.replace(tzinfo=None) == clock.now().replace(tzinfo=None)
    if _dialect(app) == "sqlite":  # tried inline, refused at the UPDATE, done again in a thread
        assert probe["auth"] == [True, False]
        assert probe["route"] == [True]  # the route itself had nothing to write


def test_a_timed_out_session_still_ends_and_says_so(app, logged_in, probe, clock,
                                                     app_engine) -> None:
    c = logged_in("enterprise")
    clock.advance(minutes=31)
    response = c.get("/probe/inline")
    assert response.status_code == 303  # to the login page, with the time-out notice
    assert "reason=timeout" in response.headers["location"]
    with app_engine.connect() as conn:
        left = conn.scalar(select(UserSession.id).where(UserSession.user_id == c.creds.id))
    assert left is None
    assert probe["route"] == []


def test_api_tokens_resolve_on_the_loop_too(app, logged_in, probe, client) -> None:
    from huiqi.auth import service
    from huiqi.auth.actor import Actor
    from huiqi.kit.db import unit_of_work

    c = logged_in("enterprise")
    with unit_of_work(app.state.engine) as db:
        user = service.repo.user_by_id(db, c.creds.id)
        _, secret = service.create_api_token(db, Actor.of(user), app.state.clock, "probe")
    probe["auth"].clear()
    response = client.get("/api/v1/probe/inline", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    inline = _dialect(app) == "sqlite"
    # The token's first use is touched (written) apart: inline refused, then the thread pool.
    assert probe["auth"] == ([True, False] if inline else [False])
    probe["auth"].clear()
    assert client.get("/api/v1/probe/inline",
                      headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert probe["auth"] == [inline]


def test_the_hot_routes_are_marked(app) -> None:
    """The 政策礼包 page and API, and the bell's polling: the requests a user makes most."""
    from huiqi.matching import endpoints, views
    from huiqi.notify import endpoints as notify_api
    from huiqi.notify import views as notify_views

    for fn in (views.my_pack, endpoints.my_pack, notify_views.bell,
               notify_api.list_notifications):
        assert getattr(fn, "__huiqi_inline_read__", False), fn.__qualname__
