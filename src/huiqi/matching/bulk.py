"""`huiqi match --input FILE --out OUT`: match a bulk file on the chosen engine.

The output contract (relied on by other tools): one row per (input row, item in force), columns
`uscc,item,eligible,amount,failed,missing`; eligible is true/false/unknown; amount has two
decimals when eligible is true and is empty otherwise; failed/missing are ';'-joined.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from huiqi.matching import engines
from huiqi.matching.inputs import (
    CANONICAL_TABLE,
    InputError,
    LoadedInput,
    canonicalise,
    register_raw,
)
from huiqi.rules import Catalog, Item

OUTPUT_SQL = """
SELECT s.uscc AS uscc, r.item AS item,
       CASE r.eligible WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE 'unknown' END AS eligible,
       CASE WHEN r.eligible = 1 THEN CAST(CAST(r.amount_fen AS DECIMAL(38,0)) / 100
            AS DECIMAL(18,2)) END AS amount,
       r.failed AS failed, r.missing AS missing
FROM {results} r JOIN src s USING (__row)
ORDER BY r.__row, r.item_ord
"""

Progress = Callable[[str], None]


@dataclass
class MatchSummary:
    loaded: LoadedInput
    items: int
    pairs: int
    eligible: int
    unknown: int


def match_file(
    input_path: Path,
    out_path: Path,
    items: Sequence[Item],
    catalog: Catalog,
    *,
    engine: str = "duckdb",
    as_of: date,
    postgres_url: str | None = None,
    progress: Progress | None = None,
) -> MatchSummary:
    step = progress or (lambda _msg: None)
    if out_path.suffix.lower() not in (".csv", ".parquet"):
        raise InputError("输出文件应为 .csv 或 .parquet")
    if engine not in engines.ENGINES:
        raise InputError(f"未知引擎 {engine}：可选 {', '.join(engines.ENGINES)}")
    con = duckdb.connect()
    step("读取输入文件")
    register_raw(con, input_path)
    loaded = canonicalise(con, catalog)
    step(f"在 {engine} 上匹配 {loaded.rows} 家企业 × {len(items)} 个事项")
    if engine == "duckdb":
        results = engines.run_duckdb(con, items, as_of)
    else:
        rows = _run_elsewhere(con, items, as_of, engine, postgres_url)
        con.register("results_arrow", rows)
        results = "results_arrow"
    step("写出结果")
    _write(con, OUTPUT_SQL.format(results=results), out_path)
    counts = con.execute(
        f"SELECT count(*), count(*) FILTER (eligible = 1), count(*) FILTER (eligible IS NULL) "
        f"FROM {results}"
    ).fetchall()[0]
    assert counts is not None
    return MatchSummary(loaded, len(items), int(counts[0]), int(counts[1]), int(counts[2]))


def _write(con: duckdb.DuckDBPyConnection, sql: str, out_path: Path) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    target = "'" + str(out_path).replace("'", "''") + "'"
    fmt = "FORMAT PARQUET" if out_path.suffix.lower() == ".parquet" else "FORMAT CSV, HEADER"
    con.execute(f"COPY ({sql}) TO {target} ({fmt})").fetchall()


def _run_elsewhere(
    con: duckdb.DuckDBPyConnection,
    items: Sequence[Item],
    as_of: date,
    engine: str,
    postgres_url: str | None,
) -> pa.Table:
    """Ship the canonical table to SQLite or PostgreSQL, run there, bring the results back."""
    src = con.sql(f"SELECT * FROM {CANONICAL_TABLE}").to_arrow_table()
    if engine == "sqlite":
        conn = sqlite3.connect(":memory:")
        try:
            _load_sqlite(conn, src)
            return _to_arrow(list(engines.run_dbapi(conn, items, as_of, "sqlite",
                                                     columns="scaled")))
        finally:
            conn.close()
    from huiqi.matching.pg_transfer import load_postgres

    if not postgres_url:
        raise InputError("使用 postgres 引擎需要设置 HUIQI_DATABASE_URL 为 PostgreSQL 地址")
    with load_postgres(postgres_url, src) as pg:
        return _to_arrow(list(engines.run_dbapi(pg, items, as_of, "postgres", columns="scaled")))


def _load_sqlite(conn: sqlite3.Connection, src: pa.Table) -> None:
    cols = ", ".join(f'"{n}"' for n in src.column_names)
    conn.execute(f"CREATE TABLE src ({cols})")
    marks = ", ".join("?" for _ in src.column_names)
    py = [_sqlite_value_column(src.column(i).to_pylist()) for i in range(src.num_columns)]
    conn.executemany(f"INSERT INTO src VALUES ({marks})", zip(*py, strict=True))


def _sqlite_value_column(values: list[object]) -> list[object]:
    out: list[object] = []
    for v in values:
        if isinstance(v, bool):
            out.append(int(v))
        elif isinstance(v, date):
            out.append(v.isoformat())
        else:
            out.append(v)
    return out


def _to_arrow(rows: list[tuple[object, ...]]) -> pa.Table:
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in engines.RESULT_COLUMNS]
    types = [pa.int64(), pa.int64(), pa.string(), pa.int64(), pa.int64(), pa.string(),
             pa.string()]
    return pa.table(
        {n: pa.array([_plain(v) for v in c], type=t)
         for n, c, t in zip(engines.RESULT_COLUMNS, cols, types, strict=True)}
    )


def _plain(v: object) -> object:
    # PostgreSQL returns NUMERIC as Decimal and SQLite may return bools; the table wants ints.
    if isinstance(v, bool | Decimal):
        return int(v)
    return v
