"""A GET of the 政策礼包 reads outside a transaction (kit.web.read_only): no BEGIN, no COMMIT
and no write on its connection when nothing is stale; a stale pack is still re-matched, in a
short transaction of its own, and what it wrote is committed (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select

from huiqi.models.enterprise import Enterprise
from huiqi.models.match_result import MatchResult, MatchVersion
from tests.matching.packs.test_gift_pack import _api, _ids

Client = Callable[..., TestClient]
WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Seen:
    statements: list[str] = field(default_factory=list)
    in_transaction: list[str] = field(default_factory=list)  # statements run inside one
    begins: int = 0  # transactions SQLAlchemy began (a read-only connection's are not real)

    @property
    def writes(self) -> list[str]:
        return [s for s in self.statements if s.lstrip().upper().startswith(WRITES)]


def _open_transaction(dbapi_connection: Any, dialect: str) -> bool:
    """Whether the driver connection is inside a transaction after a statement."""
    if dialect == "postgresql":
        return bool(dbapi_connection.info.transaction_status != 0)  # 0: idle, no transaction
    return bool(dbapi_connection.in_transaction)


@contextmanager
def watching(engine: Engine) -> Iterator[Seen]:
    """Every statement the app's engine runs meanwhile, and whether its connection was in a
    transaction right after it (pysqlite and psycopg each say so without a round trip)."""
    seen = Seen()
    dialect = engine.dialect.name

    def after(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.statements.append(statement)
        if _open_transaction(conn.connection.dbapi_connection, dialect):
            seen.in_transaction.append(statement)

    def began(conn: Any) -> None:
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            seen.begins += 1

    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "begin", began)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", after)
        event.remove(engine, "begin", began)


def _stored(engine: Engine, uscc: str) -> tuple[int, int]:
    """(stored result rows, match version) of the enterprise, read on a connection of its own:
    only what was committed."""
    with engine.connect() as conn:
        ent = conn.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc))
        rows = conn.scalar(select(func.count()).select_from(MatchResult)
                           .where(MatchResult.enterprise_id == ent))
        version = conn.scalar(select(MatchVersion.version)
                              .where(MatchVersion.enterprise_id == ent))
    return int(rows or 0), int(version or 0)


def test_a_pack_get_opens_no_transaction_when_nothing_is_stale(
        logged_in: Client, register: Any, app_engine: Engine, clock: Any) -> None:
    client = logged_in("enterprise", enterprise_uscc=register())
    api = _api(client, app_engine, clock)
    client.get("/gift-pack")  # the first of the day: matches the new enterprise, notes the visit
    api.get("/api/v1/gift-pack")  # the token's first use is noted (apart, auth._apart)
    for get in (lambda: client.get("/gift-pack"), lambda: api.get("/api/v1/gift-pack")):
        with watching(app_engine) as seen:
            response = get()
        assert response.status_code == 200
        assert seen.statements  # it did ask the database (who is calling, whose pack)
        assert seen.writes == []
        assert seen.in_transaction == []
        assert seen.begins == 0


def test_a_stale_pack_is_rematched_and_kept_by_a_get(
        logged_in: Client, register: Any, app_engine: Engine, clock: Any) -> None:
    uscc = register()
    assert _stored(app_engine, uscc) == (0, 0)  # registered, never matched
    client = logged_in("enterprise", enterprise_uscc=uscc)
    with watching(app_engine) as seen:
        html = client.get("/gift-pack").text
    assert "承租国有房屋减免租金" in html.split('id="eligible"')[1].split('id="unknown"')[0]
    # the version raised and the old rows deleted in a transaction (its own: see _stored)
    assert any(w.lstrip().upper().startswith("INSERT INTO MATCH_VERSIONS")
               for w in seen.in_transaction)
    assert any(w.lstrip().upper().startswith("DELETE FROM MATCH_RESULTS")
               for w in seen.in_transaction)
    rows, version = _stored(app_engine, uscc)
    assert rows > 0 and version == 1  # committed: another connection reads them
    api = _api(client, app_engine, clock)
    assert _ids(api.get("/api/v1/gift-pack").json()["eligible"]) == ["giftville.rent",
                                                                     "giftville.auto"]
    assert _stored(app_engine, uscc) == (rows, 1)  # not matched again
