"""After-commit hooks fire once the outermost transaction commits, never for a SAVEPOINT."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from huiqi.kit.oncommit import on_commit


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    with Session(engine) as s:
        yield s
    engine.dispose()


def test_runs_after_commit_only(session) -> None:
    ran: list[str] = []
    session.execute(text("select 1"))
    on_commit(session, lambda engine: ran.append("a"))
    assert ran == []
    session.commit()
    assert ran == ["a"]
    session.commit()
    assert ran == ["a"]  # once


def test_dropped_on_rollback(session) -> None:
    ran: list[str] = []
    session.execute(text("select 1"))
    on_commit(session, lambda engine: ran.append("a"))
    session.rollback()
    session.commit()
    assert ran == []


def test_savepoint_release_waits_for_the_outer_commit(session) -> None:
    ran: list[str] = []
    session.execute(text("select 1"))
    with session.begin_nested():
        on_commit(session, lambda engine: ran.append("inner"))
        with session.begin_nested():
            on_commit(session, lambda engine: ran.append("innermost"))
    assert ran == []
    session.commit()
    assert ran == ["inner", "innermost"]


def test_savepoint_rollback_drops_only_its_own(session) -> None:
    ran: list[str] = []
    session.execute(text("select 1"))
    on_commit(session, lambda engine: ran.append("outer"))
    outer = session.begin_nested()
    on_commit(session, lambda engine: ran.append("in-rolled-back-savepoint"))
    inner = session.begin_nested()
    on_commit(session, lambda engine: ran.append("released-then-dropped"))
    inner.commit()
    outer.rollback()  # drops what was registered in it, including its released child
    sp = session.begin_nested()
    on_commit(session, lambda engine: ran.append("dropped"))
    sp.rollback()
    session.commit()
    assert ran == ["outer"]


def test_a_failing_callback_does_not_stop_the_others(session) -> None:
    ran: list[str] = []

    def boom(engine) -> None:
        raise RuntimeError("x")

    session.execute(text("select 1"))
    on_commit(session, boom)
    on_commit(session, lambda engine: ran.append("b"))
    session.commit()
    assert ran == ["b"]
