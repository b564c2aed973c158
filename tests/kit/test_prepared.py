"""kit.prepared.first_row gives what SQLAlchemy's own execution gives for the same statement (on
SQLite and PostgreSQL), types converted alike: aware UTC datetimes, bools, JSON, NULLs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
)

from huiqi.kit.db import make_engine, session_factory
from huiqi.kit.prepared import first_row
from huiqi.models.types import UTCDateTime

meta = MetaData()
things = Table("prepared_things", meta, Column("id", Integer, primary_key=True),
               Column("name", String(20)), Column("seen", UTCDateTime), Column("ok", Boolean),
               Column("data", JSON))
BY_NAME = select(things.c.id, things.c.name.label("label"), things.c.seen, things.c.ok,
                 things.c.data).where(things.c.name == bindparam("name"))
BY_TIME = select(things.c.id).where(things.c.seen < bindparam("before", type_=UTCDateTime))


@pytest.fixture
def session(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(things), [
            {"name": "full", "seen": datetime(2025, 6, 2, 2, 0, 5, 123000, tzinfo=UTC),
             "ok": True, "data": [{"level": "info", "message": "已保存"}]},
            {"name": "empty", "seen": None, "ok": False, "data": None}])
    db = session_factory(engine)()
    yield db
    db.close()
    meta.drop_all(engine)
    engine.dispose()


@pytest.mark.parametrize("name", ["full", "empty"])
def test_the_same_values_as_sqlalchemy(session, name: str) -> None:  # type: ignore[no-untyped-def]
    expected = session.execute(BY_NAME, {"name": name}).one()
    got = first_row(session, BY_NAME, {"name": name})
    assert tuple(got) == tuple(expected)
    assert got._fields == ("id", "label", "seen", "ok", "data")
    if name == "full":
        assert got.seen.tzinfo is not None and got.seen == datetime(2025, 6, 2, 2, 0, 5, 123000,
                                                                    tzinfo=UTC)
        assert got.ok is True and got.data == [{"level": "info", "message": "已保存"}]
    else:
        assert got.seen is None and got.ok is False and got.data is None


def test_no_row_is_none(session) -> None:  # type: ignore[no-untyped-def]
    assert first_row(session, BY_NAME, {"name": "nobody"}) is None


def test_binds_that_need_conversion_are_refused(session) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="conversion"):
        first_row(session, BY_TIME, {"before": datetime.now(UTC)})
