"""Differential test: compiled SQL on SQLite, DuckDB and PostgreSQL vs the reference evaluator.

Random enterprises (any field may be NULL; money values include half-fen ties) are evaluated
by `evaluate` and by the compiled SQL of non-trivial items; all must agree on eligible, amount
(fen), failed and missing.
"""

from __future__ import annotations

import sqlite3
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import duckdb
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huiqi.rules import Catalog, FieldType, Item, compile_item, evaluate, load_policy_files
from tests.rules.catalog_helper import load_catalog
from tests.rules.conftest import FIXTURES

AS_OF = [date(2024, 6, 1), date(2025, 6, 1), date(2025, 2, 28)]
Row = dict[str, Any]


@cache
def items() -> tuple[Item, ...]:
    return tuple(load_policy_files([FIXTURES / "diff"], load_catalog()).items)


def used_fields(catalog: Catalog) -> list[str]:
    used = {f for item in items() for f in item.fields}
    return [n for n in catalog.names() if n in used]


# -- strategies ----------------------------------------------------------------------------------

def _scaled(scale: int, low: int, high: int, edges: Sequence[str] = ()) -> st.SearchStrategy[Any]:
    random = st.integers(low, high).map(lambda n: Decimal(n).scaleb(-scale))
    return st.one_of(st.sampled_from([Decimal(e) for e in edges]), random) if edges else random


MONEY_EDGES = ["0", "0.01", "5000000", "4999999.99", "1234567", "1234567.01", "18518.5", "-0.01",
               "1000.5", "166.75", "333.5"]
TEXT_VALUES = ["C3841", "C13", "C1", "C44", "C43", "c3841", "C28", "C2x8", "C*8x", "C[9", "A01",
               "C_8", ""]


def value_strategy(name: str, catalog: Catalog) -> st.SearchStrategy[Any]:
    spec = catalog[name]
    t = spec.type
    if t is FieldType.BOOL:
        base: st.SearchStrategy[Any] = st.booleans()
    elif t is FieldType.MONEY:
        base = _scaled(2, -100_000, 1_000_000_000_00, MONEY_EDGES)
    elif t is FieldType.DECIMAL:
        base = _scaled(spec.scale, 0, 3 * 10 ** (spec.scale - 1) if spec.scale else 300,
                       ["0.055", "0.01", "0.2", "0.031"] if spec.scale >= 3 else ["1.5"])
    elif t is FieldType.INTEGER:
        base = st.integers(-5, 400)
    elif t is FieldType.DATE:
        base = st.dates(date(2005, 1, 1), date(2026, 12, 31))
    elif t is FieldType.REGION:  # districts, their city, other cities and provinces, junk
        base = st.sampled_from([*spec.values, "420800", "420881", "500230", "360000", "other", ""])
    elif spec.values:
        base = st.sampled_from([*spec.values, "other"])
    else:
        base = st.one_of(st.sampled_from(TEXT_VALUES), st.text("Cc*?[%_38x", max_size=5))
    return st.one_of(st.none(), base)


def enterprises() -> st.SearchStrategy[list[Row]]:
    catalog = load_catalog()
    row = st.fixed_dictionaries({n: value_strategy(n, catalog) for n in used_fields(catalog)})
    return st.lists(row, min_size=1, max_size=10)


# -- engines -------------------------------------------------------------------------------------

class Engine(ABC):
    """A table `table` with the used fields; `run(sql)` returns rows."""

    dialect: str
    columns: str = "natural"
    table: str = "src"

    @abstractmethod
    def load(self, rows: list[Row]) -> None: ...

    @abstractmethod
    def run(self, sql: str) -> list[tuple[Any, ...]]: ...


def _sql_type(name: str, catalog: Catalog, types: dict[str, Callable[[int], str]]) -> str:
    spec = catalog[name]
    key = spec.type.value if spec.type.value in types else (
        "text" if spec.type.is_text else spec.type.value)
    return types[key](spec.scale)


def _db_value(name: str, value: Any, catalog: Catalog, scaled: bool, sqlite: bool) -> Any:
    spec = catalog[name]
    if value is None:
        return None
    if isinstance(value, Decimal):
        if scaled:
            return int(value.scaleb(spec.scale))
        return str(value) if sqlite else value
    if sqlite and isinstance(value, date):
        return value.isoformat()
    if sqlite and isinstance(value, bool):
        return int(value)
    return value


class SqliteEngine(Engine):
    dialect = "sqlite"

    def __init__(self, columns: str) -> None:
        self.columns = columns
        self.catalog = load_catalog()
        self.names = used_fields(self.catalog)
        self.con = sqlite3.connect(":memory:")
        num = "INTEGER" if columns == "scaled" else "NUMERIC"
        types = {"bool": lambda s: "INTEGER", "integer": lambda s: "INTEGER",
                 "money": lambda s: num, "decimal": lambda s: num, "date": lambda s: "TEXT",
                 "text": lambda s: "TEXT"}
        cols = ", ".join(f'"{n}" {_sql_type(n, self.catalog, types)}' for n in self.names)
        self.con.execute(f"CREATE TABLE src (rid INTEGER PRIMARY KEY, {cols})")

    def load(self, rows: list[Row]) -> None:
        self.con.execute("DELETE FROM src")
        marks = ", ".join("?" for _ in range(len(self.names) + 1))
        self.con.executemany(f"INSERT INTO src VALUES ({marks})", [
            [i, *(_db_value(n, r[n], self.catalog, self.columns == "scaled", True)
                  for n in self.names)] for i, r in enumerate(rows)])

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()


class DuckEngine(Engine):
    dialect = "duckdb"

    def __init__(self, columns: str) -> None:
        self.columns = columns
        self.catalog = load_catalog()
        self.names = used_fields(self.catalog)
        self.con = duckdb.connect()
        scaled = columns == "scaled"
        types = {"bool": lambda s: "BOOLEAN", "integer": lambda s: "BIGINT",
                 "money": lambda s: "BIGINT" if scaled else "DECIMAL(18, 2)",
                 "decimal": lambda s: "BIGINT" if scaled else f"DECIMAL(18, {s})",
                 "date": lambda s: "DATE", "text": lambda s: "VARCHAR"}
        cols = ", ".join(f'"{n}" {_sql_type(n, self.catalog, types)}' for n in self.names)
        self.con.execute(f"CREATE TABLE src (rid INTEGER, {cols})")

    def load(self, rows: list[Row]) -> None:
        """One multi-row INSERT: DuckDB's executemany is slow."""
        self.con.execute("DELETE FROM src")
        marks = "(" + ", ".join("?" for _ in range(len(self.names) + 1)) + ")"
        params = [v for i, r in enumerate(rows) for v in (
            i, *(_db_value(n, r[n], self.catalog, self.columns == "scaled", False)
                 for n in self.names))]
        self.con.execute(f"INSERT INTO src VALUES {', '.join(marks for _ in rows)}", params)

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()


class PgEngine(Engine):
    dialect = "postgres"

    def __init__(self, url: str) -> None:
        self.catalog = load_catalog()
        self.names = used_fields(self.catalog)
        self.table = f"rules_diff_{uuid.uuid4().hex[:8]}"
        self.con = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                                   autocommit=True)
        types = {"bool": lambda s: "BOOLEAN", "integer": lambda s: "BIGINT",
                 "money": lambda s: "NUMERIC(20, 2)", "decimal": lambda s: f"NUMERIC(20, {s})",
                 "date": lambda s: "DATE", "text": lambda s: "TEXT"}
        cols = ", ".join(f'"{n}" {_sql_type(n, self.catalog, types)}' for n in self.names)
        self.con.execute(f'CREATE TABLE "{self.table}" (rid INTEGER, {cols})')

    def load(self, rows: list[Row]) -> None:
        self.con.execute(f'DELETE FROM "{self.table}"')
        marks = ", ".join("%s" for _ in range(len(self.names) + 1))
        with self.con.cursor() as cur:
            cur.executemany(f'INSERT INTO "{self.table}" VALUES ({marks})', [
                [i, *(r[n] for n in self.names)] for i, r in enumerate(rows)])

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def close(self) -> None:
        self.con.execute(f'DROP TABLE IF EXISTS "{self.table}"')
        self.con.close()


ENGINES = ["sqlite-natural", "sqlite-scaled", "duckdb-natural", "duckdb-scaled",
           pytest.param("postgres-natural", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    kind, columns = str(request.param).split("-")
    if kind == "postgres":
        pg = PgEngine(str(request.getfixturevalue("pg_url")))
        yield pg
        pg.close()
        return
    yield SqliteEngine(columns) if kind == "sqlite" else DuckEngine(columns)


def expected(item: Item, row: Row, as_of: date) -> tuple[Any, ...]:
    out = evaluate(item, row, as_of)
    eligible = None if out.eligible is None else int(out.eligible)
    return eligible, out.amount_fen, ";".join(out.failed), ";".join(out.missing)


@cache
def _compiled(item: Item, as_of: date, dialect: str, table: str, columns: str) -> str:
    compiled = compile_item(item, as_of, dialect, table=table, columns=columns)
    return compiled.select_sql("rid")


@cache
def _all_items_sql(as_of: date, dialect: str, table: str, columns: str) -> str:
    """One query for every item: (item number, rid, eligible, amount_fen, failed, missing)."""
    parts = [f"SELECT {k} AS item_no, q{k}.* FROM "
             f"({_compiled(item, as_of, dialect, table, columns)}) AS q{k}"
             for k, item in enumerate(items())]
    return " UNION ALL ".join(parts) + " ORDER BY item_no, rid"


def check_rows(engine: Engine, rows: list[Row], as_of: date) -> None:
    engine.load(rows)
    got = engine.run(_all_items_sql(as_of, engine.dialect, engine.table, engine.columns))
    assert len(got) == len(rows) * len(items())
    for (k, rid, *values) in got:
        item, row = items()[k], rows[rid]
        want = expected(item, row, as_of)
        assert tuple(values) == want, (item.id, rid, row, as_of)


def test_engines_agree_with_reference(engine: Engine) -> None:
    # DuckDB plans each large CASE-heavy query in ~0.3 s, so it gets fewer examples
    examples = 12 if engine.dialect == "duckdb" else 30

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(rows=enterprises(), as_of=st.sampled_from(AS_OF))
    def agree(rows: list[Row], as_of: date) -> None:
        check_rows(engine, rows, as_of)

    agree()


def test_half_fen_tie_rounds_up_on_every_engine(engine: Engine) -> None:
    row = {name: None for name in used_fields(load_catalog())}
    row["loan_amount"] = Decimal("1234567")
    row["region"] = "420802"
    check_rows(engine, [row], date(2025, 6, 1))
    item = next(i for i in items() if i.id == "test.half-fen")
    sql = _compiled(item, date(2025, 6, 1), engine.dialect, engine.table, engine.columns)
    assert engine.run(sql)[0][2] == 1851851  # rid, eligible, amount_fen
