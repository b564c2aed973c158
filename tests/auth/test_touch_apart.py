"""Session and token touches are written in their own short transaction, so a read-only request
stays a reader. Written in the request's transaction, a touch held SQLite's write lock until the
request ended: with 50 concurrent API clients, requests queued on it for seconds and some failed
with "database is locked"."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from huiqi.auth import service
from huiqi.auth.actor import Actor
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import make_engine, session_factory, unit_of_work
from huiqi.kit.migrate import migrate
from huiqi.kit.security import use_fast_hashing_for_tests
from huiqi.models.api_token import ApiToken
from huiqi.models.session import UserSession


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    use_fast_hashing_for_tests()
    url = f"sqlite:///{tmp_path / 'touch.db'}"
    migrate(url)
    engine = make_engine(url)
    clock = FixedClock()
    with unit_of_work(engine) as db:
        user = service.create_user(db, Actor.system("t", via="cli"), clock, username="touchy",
                                   display_name="T", role="office", password="Touch-Me-9x")
        _, secret = service.create_api_token(db, Actor.of(user), clock, "t")
        session = service.start_session(db, clock, user, ip=None, user_agent=None)
    yield engine, clock, secret, session.token
    engine.dispose()


def _another_request_writes(url: str) -> None:
    """Without waiting: fails if someone holds the write lock."""
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
    try:
        conn.execute("UPDATE users SET display_name = display_name || '.'")
        conn.commit()
    finally:
        conn.close()


def test_token_touch_leaves_the_request_a_reader(world) -> None:  # type: ignore[no-untyped-def]
    engine, clock, secret, _ = world
    clock.advance(minutes=5)
    db = session_factory(engine)()
    try:
        assert service.resolve_api_token(db, clock, secret) is not None
        db.execute(select(ApiToken)).all()  # the route's own reads (they autoflush)
        _another_request_writes(str(engine.url))
        db.commit()
    finally:
        db.close()
    with engine.connect() as conn:
        used = conn.execute(select(ApiToken.last_used_at)).scalar_one()
    assert used == clock.now()


def test_session_touch_leaves_the_request_a_reader(world) -> None:  # type: ignore[no-untyped-def]
    engine, clock, _, token = world
    clock.advance(minutes=20)
    db = session_factory(engine)()
    try:
        assert service.resolve_session(db, clock, token) is not None
        db.execute(select(UserSession)).all()
        _another_request_writes(str(engine.url))
        db.commit()
    finally:
        db.close()
    clock.advance(minutes=20)  # 40 minutes after login, 20 after the touch: still alive
    with session_factory(engine)() as db:
        assert service.resolve_session(db, clock, token) is not None


def test_expired_session_is_deleted_even_though_the_request_fails(world) -> None:  # type: ignore[no-untyped-def]
    engine, clock, _, token = world
    clock.advance(IDLE := timedelta(minutes=31))
    assert IDLE > service.IDLE_TIMEOUT
    db = session_factory(engine)()
    with pytest.raises(service.SessionExpired):
        service.resolve_session(db, clock, token)
    db.rollback()  # the request answers 401 and rolls back
    db.close()
    with engine.connect() as conn:
        assert conn.execute(select(UserSession)).first() is None
