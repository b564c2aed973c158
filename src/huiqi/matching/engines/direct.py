"""A clean Parquet file matched by DuckDB alone: read, match and unpivot in one streamed query.

The checking pipeline (inputs.py) reads every cell in Python so it can report bad ones; on a
file of millions of rows that is most of the time and memory of `huiqi match`. When a file's
columns are catalog names in canonical types, DuckDB can check it itself
(`registry.service.canonical_sql`): one pass over the file counts repeated USCCs and rows that
the pipeline would change or refuse (`ok`), and collects the code columns' distinct values. A
file with none is matched by one query over the file as it is, with no per-row check left in
it (the same shape as a hand-written query), streamed in input order: DuckDB computes on every
core while the caller's thread encodes the batches as they come (Parquet by pyarrow, which
releases the GIL; CSV by a one-thread DuckDB connection, whose text is the contract's), so
memory stays bounded by a few batches however large the file (DuckDB's own by MEMORY_LIMIT,
spilling to a temporary directory beyond it). Otherwise the caller matches the file through
the pipeline, which reports the problem rows.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

from huiqi.matching.engines.inputs import LoadedInput
from huiqi.rules import Catalog

MEMORY_LIMIT = "1GB"  # DuckDB's own buffers; it spills to disk beyond this
# Every core computes: the rows reach the caller as a stream in input order, and DuckDB only
# buffers a bounded amount ahead of the reader. (A parallel COPY ... TO parquet instead holds
# back batches that finish out of order: on a busy machine they piled up past the memory limit
# and spilled, 1M rows taking 18 CPU s and 1 GB against 8 s and 180 MB on one thread.)
THREADS = max(1, os.cpu_count() or 1)
BATCH_ROWS = 122_880  # output rows per Arrow batch and Parquet row group (DuckDB's default)
VIEW = "src_direct"


def default_checks() -> Any:
    """registry.service, which exports the checks (`huiqi match` passes the registry's
    canonical_sql module itself: the service imports the ORM, seconds of start-up)."""
    from huiqi.registry import service

    return service


def connect(work: str, checks: ModuleType | Any) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with bounded memory that spills to `work`, with the USCC check."""
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": work,
                                 "preserve_insertion_order": True, "threads": THREADS})
    con.execute("SET enable_progress_bar = false")
    udf: Any = con  # (DuckDB's stubs do not type an Arrow UDF taking Any)
    udf.create_function(checks.USCC_FUNCTION, checks.uscc_ok, ["VARCHAR"], "BOOLEAN",
                        type="arrow", null_handling="special")
    return con


def screen(con: duckdb.DuckDBPyConnection, path: Path, catalog: Catalog,
           checks: ModuleType | Any) -> LoadedInput | None:
    """Create view VIEW over the Parquet file at `path` (its rows as table `src` would hold
    them) when every row passes unchanged, its USCCs are distinct and its codes in the
    catalog; None when the pipeline must read it. `checks` provides `canonical_sql`
    (registry.service's)."""
    if path.suffix.lower() != ".parquet" or not path.is_file():
        return None
    reader = f"read_parquet({_s(str(path))})"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    except duckdb.Error:
        return None  # not readable by DuckDB: the pipeline says why
    plan = checks.canonical_sql({str(r[0]): str(r[1]) for r in described}, catalog)
    if plan is None:
        return None
    names = list(plan.codes)
    distinct = "".join(f", list(DISTINCT {_q(n)})" for n in names)
    bad = f"count(*) FILTER (WHERE NOT coalesce({plan.ok}, false))" if plan.ok else "0"
    found = con.execute(f"SELECT count(*), count(*) - count(DISTINCT hash(uscc)), {bad}"
                        f"{distinct} FROM {reader}").fetchall()[0]
    rows, repeated, refused = int(found[0]), int(found[1]), int(found[2])
    # (a hash collision only costs the fallback)
    if repeated or refused or any(not set(values or ()) - {None} <= plan.codes[n]
                                  for n, values in zip(names, found[3:], strict=True)):
        return None
    # every row passes unchanged: the query reads the file with no check left in it
    con.execute(f"CREATE OR REPLACE TEMP VIEW {VIEW} AS SELECT {plan.select} FROM "
                f"read_parquet({_s(str(path))}, file_row_number = true)")
    return LoadedInput(rows=rows, columns_used=plan.columns_used, unknown_columns=[])


def copy(con: duckdb.DuckDBPyConnection, sql: str, out_path: Path) -> None:
    """The rows of `sql`, in order, to `out_path` (.parquet or .csv), streamed: while this
    thread encodes a batch, DuckDB's threads compute the next ones."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    if out_path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(out_path, reader.schema, compression="snappy",
                              store_decimal_as_integer=True) as writer:
            for batch in reader:
                writer.write_batch(batch, row_group_size=BATCH_ROWS)
        return
    # CSV text as DuckDB writes it (the contract's), by a second connection on one thread
    # reading the stream: a parallel ordered COPY to CSV buffers without bound (2 GB at 1M)
    text = duckdb.connect(config={"threads": 1, "memory_limit": MEMORY_LIMIT})
    try:
        text.execute("SET enable_progress_bar = false")
        text.register("streamed", reader)
        text.execute(f"COPY (SELECT * FROM streamed) TO {_s(str(out_path))} "
                     "(FORMAT CSV, HEADER)").fetchall()
    finally:
        text.close()


def work_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="huiqi-match-")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _s(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


__all__ = ["VIEW", "connect", "copy", "default_checks", "screen", "work_dir"]
