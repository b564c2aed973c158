"""Every migration after 0005 runs on a populated database: a row in every table (each column
filled, foreign keys pointing at real rows) at revision 0005, then `migrate` to head. Alembic's
batch mode on SQLite rebuilds (copies, drops, renames) a table for some operations; dropping
the old table with foreign keys on deletes (CASCADE) or nulls (SET NULL) every row referencing
it. 0008 only adds columns (no rebuild); 0009's dropped `users` columns did rebuild and silently
deleted every API token and session until it used SQLite's own DROP COLUMN. The rows must all
survive, and the data migrations (0006 fen, 0013 encrypting, 0022 signing) must handle them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from huiqi.kit import payout_mac
from huiqi.kit.db import make_engine
from huiqi.kit.migrate import migrate
from tests.web.test_migrations import empty_db_url  # noqa: F401 - the fixture

START = "0005"
MUST_HOLD_ROWS = ("grant_applications", "grant_auto_lists", "grant_payout_batches",
                  "grant_payout_lines", "grants", "appeals", "users", "audit_log")


def _value(table: sa.Table, col: sa.Column[Any], ids: dict[str, Any]) -> Any:
    for fk in col.foreign_keys:
        return ids.get(fk.column.table.name)
    t = col.type
    if isinstance(t, sa.Boolean):
        return False
    if isinstance(t, sa.DateTime):
        return datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    if isinstance(t, sa.Date):
        return date(2026, 1, 5)
    if isinstance(t, sa.Time):
        return time(9, 0)
    if isinstance(t, sa.JSON):
        return {}
    if isinstance(t, sa.LargeBinary):
        return b"x"
    if isinstance(t, sa.Integer | sa.Numeric | sa.Float):
        return 100
    if isinstance(t, sa.String | sa.Text):
        text = f"{table.name[:6]}{col.name}"
        return text[: t.length] if t.length else text
    return None


def _populate(engine: sa.Engine) -> dict[str, Any]:
    meta = sa.MetaData()
    meta.reflect(engine)
    ids: dict[str, Any] = {}
    for table in meta.sorted_tables:
        if table.name == "alembic_version":
            continue
        row = {c.name: _value(table, c, ids) for c in table.columns
               if not (c.primary_key and isinstance(c.type, sa.Integer))}
        try:
            with engine.begin() as conn:
                result = conn.execute(table.insert().values(row))
                pk = result.inserted_primary_key
        except DBAPIError:
            continue  # a CHECK constraint or enum the generic values miss
        ids[table.name] = pk[0] if pk else None
    return ids


def test_migrations_after_0005_keep_every_row_of_a_populated_database(empty_db_url) -> None:  # noqa: F811
    engine = make_engine(empty_db_url)
    try:
        migrate(engine, START)
        populated = _populate(engine)
        assert set(MUST_HOLD_ROWS) <= set(populated), set(MUST_HOLD_ROWS) - set(populated)
        migrate(engine)
        with engine.connect() as conn:
            for name in populated:
                assert conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar() == 1, name
            mac = conn.execute(sa.text("SELECT mac FROM grant_payout_lines")).scalar_one()
            first = conn.execute(sa.text("SELECT first_approved_by FROM grant_applications")
                                 ).scalar_one()
        assert mac and mac.startswith(payout_mac.PREFIX) and first is None
    finally:
        engine.dispose()
