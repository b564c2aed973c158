"""A clean Parquet file matched by DuckDB alone: read, match, unpivot and write in one COPY.

The checking pipeline (inputs.py) reads every cell in Python so it can report bad ones; on a
file of millions of rows that is most of the time and memory of `huiqi match`. When a file's
columns are catalog names in canonical types, DuckDB can check it itself
(`registry.service.canonical_sql`): one cheap pass over the USCC and code columns finds repeated
USCCs and codes outside the catalog, and the COPY keeps only rows that pass unchanged. When no
row was left out the output is exactly the pipeline's, written by one streamed query (no Python
per row; memory bounded by MEMORY_LIMIT, spilling to a temporary directory beyond it). Otherwise
the caller matches the file through the pipeline, which reports the problem rows.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

from huiqi.matching.engines.inputs import LoadedInput
from huiqi.rules import Catalog

MEMORY_LIMIT = "1GB"  # DuckDB's own buffers; it spills to disk beyond this
# One thread streams the rows to the file in input order as they come. With two, DuckDB holds
# back batches that finish out of order: on a busy machine they piled up past the memory limit
# and spilled, and the COPY took twice the CPU (1M rows: 18 s of CPU and a 1 GB peak against
# 8 s and 180 MB on one thread).
THREADS = 1
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
    """Create view VIEW over the Parquet file at `path` (its rows that pass unchanged, as table
    `src` would hold them) when its USCCs are distinct and its codes in the catalog; None when
    the pipeline must read it. `checks` provides `canonical_sql` (registry.service's)."""
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
    found = con.execute(f"SELECT count(*), count(*) - count(DISTINCT hash(uscc)){distinct} "
                        f"FROM {reader}").fetchall()[0]
    rows, repeated = int(found[0]), int(found[1])  # a hash collision only costs the fallback
    if repeated or any(not set(values or ()) - {None} <= plan.codes[n]
                       for n, values in zip(names, found[2:], strict=True)):
        return None
    con.execute(f"CREATE OR REPLACE TEMP VIEW {VIEW} AS SELECT {plan.select} FROM "
                f"read_parquet({_s(str(path))}, file_row_number = true) WHERE {plan.ok}")
    return LoadedInput(rows=rows, columns_used=plan.columns_used, unknown_columns=[])


def copy(con: duckdb.DuckDBPyConnection, sql: str, out_path: Path) -> None:
    """One streamed COPY of `sql` to `out_path` (.parquet or .csv), rows in input order."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fmt = "FORMAT PARQUET" if out_path.suffix.lower() == ".parquet" else "FORMAT CSV, HEADER"
    con.execute(f"COPY ({sql}) TO {_s(str(out_path))} ({fmt})").fetchall()


def work_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="huiqi-match-")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _s(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


__all__ = ["VIEW", "connect", "copy", "default_checks", "screen", "work_dir"]
