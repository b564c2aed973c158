"""Run compiled policy items where the data lives: DuckDB, SQLite or PostgreSQL.

Every engine gets the same SQL shape: one SELECT per item over table `src` (row key `__row`),
glued with UNION ALL, producing (row, item, eligible, amount_fen, failed, missing); each
item's criteria are computed once per row in a subquery (`CompiledItem.select_sql`). The SQL comes
from `huiqi.rules.compile_items`, which builds it from checked policy expressions only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa

from huiqi.matching.engines import sqlite_table
from huiqi.rules import CompiledItem, Item, compile_items

ENGINES = ("duckdb", "sqlite", "postgres", "spark")
RESULT_COLUMNS = ("__row", "item_ord", "item", "eligible", "amount_fen", "failed", "missing")


@dataclass(frozen=True)
class MatchRow:
    row: int
    item: str
    eligible: bool | None
    amount_fen: int | None
    failed: str
    missing: str


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def union_sql(compiled: Sequence[CompiledItem], items: Sequence[Item]) -> str:
    """Each item's staged query (criteria computed once per row) over the items' table."""
    parts = []
    for order, (c, item) in enumerate(zip(compiled, items, strict=True)):
        parts.append(
            f"SELECT __row, {order} AS item_ord, {_sql_str(item.id)} AS item, "
            f"eligible, amount_fen, failed, missing FROM ({c.select_sql('__row')}) AS r{order}"
        )
    return "\nUNION ALL\n".join(parts)


def run_duckdb(
    con: duckdb.DuckDBPyConnection, items: Sequence[Item], as_of: date, *, columns: str = "scaled"
) -> str:
    """Create temp table `results` in `con` from table `src`; returns its name."""
    compiled = compile_items(items, as_of, "duckdb", table="src", columns=columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE results AS {union_sql(compiled, items)}").fetchall()
    return "results"


def run_sqlite(
    conn: sqlite3.Connection, items: Sequence[Item], as_of: date, *, columns: str = "scaled"
) -> Iterator[tuple[object, ...]]:
    compiled = compile_items(items, as_of, "sqlite", table="src", columns=columns)
    yield from conn.execute(union_sql(compiled, items))


def run_sqlite_table(
    conn: sqlite3.Connection, items: Sequence[Item], as_of: date, *, columns: str = "scaled",
) -> pa.Table:
    """All items in one pass over rowid table `src` (each row read once, shared criteria
    computed once): the RESULT_COLUMNS table (see sqlite_table.py)."""
    table = sqlite_table.run_sqlite_table(conn, items, as_of, columns=columns)
    return _empty_results() if table is None else table


def _empty_results() -> pa.Table:
    return pa.table({"__row": pa.array([], pa.int64()), "item_ord": pa.array([], pa.int64()),
                     "item": pa.array([], pa.dictionary(pa.int32(), pa.string())),
                     "eligible": pa.array([], pa.int64()), "amount_fen": pa.array([], pa.int64()),
                     "failed": pa.array([], pa.dictionary(pa.int32(), pa.string())),
                     "missing": pa.array([], pa.dictionary(pa.int32(), pa.string()))})


def run_dbapi(
    dbapi_conn, items: Sequence[Item], as_of: date, dialect: str, *, columns: str = "natural"  # type: ignore[no-untyped-def]
) -> Iterator[tuple[object, ...]]:
    """Run on a raw DB-API connection (psycopg or sqlite3) against relation `src`.

    The SQL is sent without parameters so no driver rewrites `%` or `:` inside it.
    """
    compiled = compile_items(items, as_of, dialect, table="src", columns=columns)
    cur = dbapi_conn.cursor()
    cur.execute(union_sql(compiled, items))
    while batch := cur.fetchmany(50_000):
        yield from batch
