"""`huiqi match --input FILE --out OUT`: match a bulk file on the chosen engine.

The output contract (relied on by other tools): one row per (input row, item in force), columns
`uscc,item,eligible,amount,failed,missing`; eligible is true/false/unknown; amount has two
decimals when eligible is true and is empty otherwise; failed/missing are ';'-joined.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from huiqi.matching.engines import direct
from huiqi.matching.engines import sql as engines
from huiqi.matching.engines.inputs import CANONICAL_TABLE, InputError, LoadedInput, load_input
from huiqi.rules import Catalog, Item, compile_items, select_all_sql

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
    header_row: int | None = None,
    wide: bool = False,
    checks: Any = None,
) -> MatchSummary:
    """`checks`: what provides `canonical_sql` and `uscc_ok` (default registry.service)."""
    step = progress or (lambda _msg: None)
    if out_path.suffix.lower() not in (".csv", ".parquet"):
        raise InputError("输出文件应为 .csv 或 .parquet")
    if engine not in engines.ENGINES:
        raise InputError(f"未知引擎 {engine}：可选 {', '.join(engines.ENGINES)}")
    if wide and engine != "duckdb":
        raise InputError("--wide（每家企业一行）目前只支持 duckdb 引擎")
    output_sql = wide_sql if wide else streaming_sql
    if engine == "duckdb" and items:
        with direct.work_dir() as work:
            checks = checks or direct.default_checks()
            fast = direct.connect(work, checks)
            step("检查输入文件")
            clean = direct.screen(fast, input_path, catalog, checks)
            if clean is not None:  # DuckDB streams the rows that pass unchanged
                step(f"在 duckdb 上匹配 {clean.rows} 家企业 × {len(items)} 个事项")
                direct.copy(fast, output_sql(items, as_of, direct.VIEW), out_path)
                counts = _counts(fast, out_path, items, wide)
                if counts[0] == clean.rows * len(items):  # no row was left out
                    return MatchSummary(clean, len(items), *counts)
            fast.close()  # some row needs the pipeline, which reports it
    con = duckdb.connect()
    step("读取输入文件")
    loaded = load_input(con, input_path, catalog, header_row=header_row)
    step(f"在 {engine} 上匹配 {loaded.rows} 家企业 × {len(items)} 个事项")
    if not items:
        _write(con, EMPTY_SQL, out_path)
    elif engine == "duckdb":
        _write_in_parts(con, output_sql(items, as_of, PART_TABLE), out_path)
    elif engine == "spark":
        with tempfile.TemporaryDirectory(prefix="huiqi-spark-") as work:
            _write(con, _run_on_spark(con, items, as_of, Path(work)), out_path)
    else:
        con.register("results_arrow", _run_elsewhere(con, items, as_of, engine, postgres_url))
        _write(con, OUTPUT_SQL.format(results="results_arrow"), out_path)
    return MatchSummary(loaded, len(items), *_counts(con, out_path, items, wide))


PART_TABLE = "src_part"
PART_ROWS = 262_144


def _write_in_parts(con: duckdb.DuckDBPyConnection, sql: str, out_path: Path) -> None:
    """Run `sql` over `src` a block of rows at a time (view PART_TABLE) and append each block
    to the output: memory stays bounded by the block however large the input, while DuckDB
    still uses every core within a block (one unbounded ordered COPY buffers out-of-order
    batches without limit when a core is busy elsewhere)."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    bounds = con.execute(f"SELECT min(__row), max(__row) FROM {CANONICAL_TABLE}").fetchall()[0]
    low, high = (int(bounds[0]), int(bounds[1])) if bounds[0] is not None else (0, -1)
    parquet = out_path.suffix.lower() == ".parquet"
    writer = None
    with out_path.open("wb") as out:
        for start in range(low, high + 1, PART_ROWS) if high >= low else [low]:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {PART_TABLE} AS SELECT * FROM "
                        f"{CANONICAL_TABLE} WHERE __row >= {start} "
                        f"AND __row < {start + PART_ROWS}").fetchall()
            if parquet:
                table = con.sql(sql).to_arrow_table()
                writer = writer or pq.ParquetWriter(out, table.schema)
                writer.write_table(table)
            else:
                part = out_path.with_name(out_path.name + ".part")
                header = "true" if start == low else "false"
                con.execute(f"COPY ({sql}) TO {_sql_str(str(part))} "
                            f"(FORMAT CSV, HEADER {header})").fetchall()
                with part.open("rb") as fh:
                    shutil.copyfileobj(fh, out)
                part.unlink()
        if writer is not None:
            writer.close()


EMPTY_SQL = ("SELECT CAST(NULL AS VARCHAR) AS uscc, CAST(NULL AS VARCHAR) AS item, "
             "CAST(NULL AS VARCHAR) AS eligible, CAST(NULL AS DECIMAL(18,2)) AS amount, "
             "CAST(NULL AS VARCHAR) AS failed, CAST(NULL AS VARCHAR) AS missing WHERE false")


def streaming_sql(items: Sequence[Item], as_of: date, table: str = CANONICAL_TABLE) -> str:
    """The output rows straight from `src`, in input order: every item of a row is computed in
    one pass (shared criteria once) and unnested into one output row per item. Nothing is
    joined back or sorted, so DuckDB streams it to the file in bounded memory."""
    compiled = compile_items(items, as_of, "duckdb", table=table, columns="scaled")
    wide = select_all_sql(compiled, "uscc")
    structs = ", ".join(
        f"{{'item': {_sql_str(item.id)}, 'eligible': eligible_{k}, 'amount_fen': amount_fen_{k}, "
        f"'failed': failed_{k}, 'missing': missing_{k}}}" for k, item in enumerate(items))
    return f"""
SELECT uscc, r.item AS item,
       CASE r.eligible WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE 'unknown' END AS eligible,
       CASE WHEN r.eligible = 1 THEN CAST(CAST(r.amount_fen AS DECIMAL(38,0)) / 100
            AS DECIMAL(18,2)) END AS amount,
       r.failed AS failed, r.missing AS missing
FROM (SELECT uscc, UNNEST([{structs}]) AS r FROM ({wide}))
"""  # item ids are quoted; everything else was rendered by sqlglot from checked rules


def wide_sql(items: Sequence[Item], as_of: date, table: str = CANONICAL_TABLE) -> str:
    """One row per enterprise, in input order: `uscc`, then for each item a column named by its
    id (true/false/unknown) and `<id>.amount` (元, when true)."""
    compiled = compile_items(items, as_of, "duckdb", table=table, columns="scaled")
    wide = select_all_sql(compiled, "uscc", outputs=("eligible", "amount_fen"))
    columns = ", ".join(
        f"CASE eligible_{k} WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE 'unknown' END "
        f"AS {_sql_name(item.id)}, CASE WHEN eligible_{k} = 1 THEN CAST(CAST(amount_fen_{k} "
        f"AS DECIMAL(38,0)) / 100 AS DECIMAL(18,2)) END AS {_sql_name(item.id + '.amount')}"
        for k, item in enumerate(items))
    return f"SELECT uscc, {columns} FROM ({wide})"


def _sql_name(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _counts(con: duckdb.DuckDBPyConnection, out_path: Path, items: Sequence[Item],
            wide: bool) -> tuple[int, int, int]:
    """(pairs, eligible, unknown) read back from the written file."""
    target = _sql_str(str(out_path))
    reader = f"read_parquet({target})" if out_path.suffix.lower() == ".parquet" else \
        f"read_csv({target}, all_varchar=true, header=true)"
    columns = [_sql_name(item.id) for item in items] if wide else ["eligible"]
    sums = ", ".join(f"{agg}({' + '.join(f'({c} = {v!r})::INT' for c in columns)})"
                     for agg, v in (("sum", "true"), ("sum", "unknown")))
    if not columns:
        sums = "0, 0"
    row = con.execute(f"SELECT count(*), {sums} FROM {reader}").fetchall()[0]
    pairs = int(row[0]) * (len(items) if wide else 1)
    return pairs, int(row[1] or 0), int(row[2] or 0)


def _write(con: duckdb.DuckDBPyConnection, sql: str, out_path: Path) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    target = "'" + str(out_path).replace("'", "''") + "'"
    fmt = "FORMAT PARQUET" if out_path.suffix.lower() == ".parquet" else "FORMAT CSV, HEADER"
    con.execute(f"COPY ({sql}) TO {target} ({fmt})").fetchall()


def _run_on_spark(con: duckdb.DuckDBPyConnection, items: Sequence[Item], as_of: date,
                  work: Path) -> str:
    """Hand the checked rows to Spark as canonical Parquet (in `work`); the SQL that writes
    its result back in input order."""
    from huiqi.matching.engines import spark

    canonical = work / "src.parquet"
    con.execute(f"COPY {CANONICAL_TABLE} TO {_sql_str(str(canonical))} (FORMAT PARQUET)")
    result = spark.match_canonical(canonical, items, as_of, work / "result")
    parts = _sql_str(str(result / "*.parquet"))
    return (f"SELECT uscc, item, eligible, amount, failed, missing FROM read_parquet({parts}) "
            "ORDER BY __row, item_ord")


def _run_elsewhere(
    con: duckdb.DuckDBPyConnection,
    items: Sequence[Item],
    as_of: date,
    engine: str,
    postgres_url: str | None,
) -> pa.Table:
    """Ship the canonical table to SQLite or PostgreSQL, run there, bring the results back."""
    used = sorted({f for item in items for f in item.fields})
    src = con.sql(f"SELECT * FROM {CANONICAL_TABLE}").to_arrow_table()
    if engine == "sqlite":
        conn = sqlite3.connect(":memory:")
        try:
            _load_sqlite(conn, src.select(["__row", *used]))
            return engines.run_sqlite_table(conn, items, as_of, columns="scaled")
        finally:
            conn.close()
    from huiqi.matching.engines.pg_transfer import fetch_results, load_postgres

    if not postgres_url:
        raise InputError("使用 postgres 引擎需要设置 HUIQI_DATABASE_URL 为 PostgreSQL 地址")
    compiled = compile_items(items, as_of, "postgres", table="src", columns="scaled")
    with load_postgres(postgres_url, src) as pg:
        return fetch_results(pg, engines.union_sql(compiled, items))


def _load_sqlite(conn: sqlite3.Connection, src: pa.Table) -> None:
    """Insert the canonical table in batches. SQLite binds no booleans or dates, so those
    columns are cast in Arrow (0/1, ISO text) rather than value by value in Python: the load
    was most of `--engine sqlite`'s time."""
    cols = ", ".join(f'"{n}"' for n in src.column_names)
    conn.execute(f"CREATE TABLE src ({cols})")
    marks = ", ".join("?" for _ in src.column_names)
    for batch in src.to_batches(LOAD_ROWS):
        py = [_sqlite_ready(c).to_pylist() for c in batch.columns]
        conn.executemany(f"INSERT INTO src VALUES ({marks})", zip(*py, strict=True))


LOAD_ROWS = 100_000  # rows converted to Python values at a time


def _sqlite_ready(column: pa.Array) -> pa.Array:
    if pa.types.is_boolean(column.type):
        return pc.cast(column, pa.int8())
    if pa.types.is_date(column.type):
        return pc.cast(column, pa.string())
    return column


def write_result_rows(rows: Sequence[Any], out: Path) -> None:
    """The database's results (service.export_rows) as a Parquet or CSV file, by `out`'s suffix."""
    table = pa.table({
        "uscc": [r[0] for r in rows], "item": [r[1] for r in rows],
        "eligible": [{True: "true", False: "false"}.get(r[2], "unknown") for r in rows],
        "amount": pa.array([r[3] if r[2] else None for r in rows], pa.decimal128(18, 2)),
        "failed": [r[4] for r in rows], "missing": [r[5] for r in rows]})
    con = duckdb.connect()
    con.register("t", table)
    fmt = "FORMAT PARQUET" if out.suffix.lower() == ".parquet" else "FORMAT CSV, HEADER"
    con.execute(f"COPY t TO '{str(out).replace(chr(39), chr(39) * 2)}' ({fmt})").fetchall()
