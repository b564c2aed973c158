"""huiqi.kit.inline: reads on an in-process database run on the event loop; anything that would
write starts over in the thread pool before it reaches the database; other databases always use
the thread pool."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import DeclarativeBase, Session

from huiqi.kit import inline
from huiqi.kit.db import make_engine, session_factory
from huiqi.kit.oncommit import on_commit

meta = MetaData()
notes = Table("notes", meta, Column("id", Integer, primary_key=True), Column("text", String(20)))


class _Base(DeclarativeBase):
    metadata = meta


class Note(_Base):
    __table__ = notes


def _make(url: str) -> Engine:
    engine = make_engine(url)
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(notes).values(text="first"))
    return engine


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[Engine]:
    engine = _make(f"sqlite:///{tmp_path / 'inline.db'}")
    inline.guard(engine)
    yield engine
    engine.dispose()


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:  # a worker thread: no loop runs here
        return False


def _run(engine: Engine, fn, *args):  # type: ignore[no-untyped-def]
    session = session_factory(engine)()

    async def go():  # type: ignore[no-untyped-def]
        return await inline.call(session, fn, session, *args)

    try:
        # A thread of its own: a browser test's event loop may still run in this one.
        with ThreadPoolExecutor(1) as pool:
            result = pool.submit(asyncio.run, go()).result()
        session.commit()
        return result
    finally:
        session.close()


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(notes)) or 0)


def test_a_read_runs_on_the_event_loop(guarded: Engine) -> None:
    seen: list[bool] = []

    def read(db: Session) -> str | None:
        seen.append(_on_loop())
        return db.scalar(select(notes.c.text))

    assert _run(guarded, read) == "first"
    assert seen == [True]


def test_a_write_starts_over_in_the_thread_pool_before_reaching_the_database(
    guarded: Engine,
) -> None:
    seen: list[tuple[bool, int]] = []

    def read_then_write(db: Session) -> int:
        seen.append((_on_loop(), _count(guarded)))
        db.execute(insert(notes).values(text="second"))
        return 1

    assert _run(guarded, read_then_write) == 1
    # First inline, refused before the INSERT ran (still one row when the retry began).
    assert seen == [(True, 1), (False, 1)]
    assert _count(guarded) == 2


def test_an_orm_flush_refused_inline_leaves_a_usable_session(guarded: Engine) -> None:
    attempts: list[bool] = []

    def add(db: Session) -> int:
        attempts.append(_on_loop())
        db.add(Note(text="orm"))
        db.flush()  # refused inside the flush on the loop: the session must be rolled back
        return int(db.scalar(select(func.count()).select_from(notes)) or 0)

    assert _run(guarded, add) == 2
    assert attempts == [True, False]
    assert _count(guarded) == 2


def test_a_write_on_a_second_connection_is_refused_too(guarded: Engine) -> None:
    """Bookkeeping writes (session touches) use their own short transaction."""
    attempts: list[bool] = []

    def touch(db: Session) -> None:
        attempts.append(_on_loop())
        with guarded.begin() as conn:
            conn.execute(insert(notes).values(text="apart"))

    _run(guarded, touch)
    assert attempts == [True, False]
    assert _count(guarded) == 2


def test_an_unguarded_engine_always_uses_the_thread_pool(tmp_path: Path) -> None:
    engine = _make(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        assert _run(engine, lambda db: _on_loop()) is False
    finally:
        engine.dispose()


def test_a_network_database_is_never_guarded(pg_url: str) -> None:
    engine = _make(pg_url)
    try:
        inline.guard(engine)
        assert _run(engine, lambda db: (_on_loop(), db.scalar(select(notes.c.text)))) == (
            False, "first")
    finally:
        meta.drop_all(engine)
        engine.dispose()


def test_outside_inline_work_writes_are_untouched(guarded: Engine) -> None:
    """The guard refuses only while inline: background threads and ordinary requests write."""
    with guarded.begin() as conn:
        conn.execute(insert(notes).values(text="plain"))
    assert _count(guarded) == 2


def test_settles_inline_only_when_nothing_was_written(guarded: Engine) -> None:
    db = session_factory(guarded)()
    try:
        db.execute(select(notes)).all()
        assert inline.settles_inline(db)
        db.add(Note(text="pending"))  # not flushed yet: a commit would write it
        assert not inline.settles_inline(db)
        db.expunge_all()
        assert inline.settles_inline(db)
        on_commit(db, lambda engine: None)  # work that waits for a commit: commit, not close
        assert not inline.settles_inline(db)
        db.info.clear()
        db.execute(insert(notes).values(text="w"))
        assert not inline.settles_inline(db)  # committing this is I/O: the thread pool's job
    finally:
        db.close()


def test_a_change_announced_with_writing_keeps_loaded_objects_fresh(guarded: Engine) -> None:
    """`inline.writing()` moves to the thread pool before the change: no flush is refused, so
    nothing is rolled back and the objects loaded before stay as they were (a page's session
    row, whose flash messages would otherwise look like those of a failed request)."""
    db = session_factory(guarded)()
    try:
        note = db.scalars(select(Note)).one()
        states: list[tuple[bool, bool]] = []

        def rename(_: Session) -> None:
            states.append((_on_loop(), "text" in sa_inspect(note).unloaded))
            inline.writing()
            note.text = "renamed"

        async def go() -> None:
            await inline.call(db, rename, db)

        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, go()).result()
        db.commit()
        assert states == [(True, False), (False, False)]
    finally:
        db.close()
    with guarded.connect() as conn:
        assert conn.scalar(select(notes.c.text)) == "renamed"
