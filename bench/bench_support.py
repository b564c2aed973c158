"""The configurations measured by bench/match.py. Each returns (pairs, seconds of the timed part).

Setup (reading the file into memory) is outside the timed part except for the CLI, which is timed
end to end as a user would run it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2025, 6, 1)


def _catalog_items():  # type: ignore[no-untyped-def]
    from huiqi.registry.catalog import load_catalog
    from huiqi.rules import load_policy_files

    catalog = load_catalog()
    return catalog, load_policy_files([ROOT / "policies"], catalog).items


def item_count() -> int:
    return len(_catalog_items()[1])


def make_input(path: Path, n: int) -> None:
    from huiqi.registry.demo import write_demo_file

    write_demo_file(path, n, seed=7, with_facts=True)


def _canonical(path: Path, n: int):  # type: ignore[no-untyped-def]
    import duckdb

    from huiqi.matching.engines.inputs import load_input

    catalog, items = _catalog_items()
    con = duckdb.connect()
    load_input(con, path, catalog)
    con.execute(f"DELETE FROM src WHERE __row > {n + 1}").fetchall()
    return con, catalog, items


def vector(path: Path, n: int, details: bool = False) -> tuple[int, float]:

    from huiqi.matching.engines.vector import columns_from_arrow, evaluate_items, results_table

    con, catalog, items = _canonical(path, n)
    cols = columns_from_arrow(con.sql("SELECT * FROM src").to_arrow_table(), catalog)
    con.close()

    t0 = time.perf_counter()
    result = results_table(evaluate_items(items, cols, n, AS_OF, details=details))
    seconds = time.perf_counter() - t0
    assert result.num_rows == n * len(items)
    return result.num_rows, seconds


def duckdb_sql(path: Path, n: int, details: bool = False) -> tuple[int, float]:
    from huiqi.rules import compile_items

    con, _catalog, items = _canonical(path, n)
    compiled = compile_items(items, AS_OF, "duckdb", table="src", columns="scaled")
    parts = []
    for order, c in enumerate(compiled):
        # without details, only the outputs asked for are in the SQL (less to plan)
        extra = "".join(f", {c.staged[k]} AS {k}" for k in ("failed", "missing") if details)
        parts.append(f"SELECT __row, {order} AS item, {c.staged['eligible']} AS eligible, "
                     f"{c.staged['amount_fen']} AS amount_fen{extra} "
                     f"FROM ({c.stage_sql('__row')}) AS q")
    t0 = time.perf_counter()
    con.execute("CREATE TEMP TABLE results AS " + " UNION ALL ".join(parts))
    seconds = time.perf_counter() - t0
    count = con.execute("SELECT count(*) FROM results").fetchall()[0]
    return int(count[0]) if count else 0, seconds


def cli(path: Path, n: int) -> tuple[int, float]:
    out = path.with_name("out.parquet")
    t0 = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "huiqi"), "match", "--input", str(path),
                    "--out", str(out), "--as-of", AS_OF.isoformat()], check=True,
                   capture_output=True)
    seconds = time.perf_counter() - t0
    import pyarrow.parquet as pq

    return pq.ParquetFile(out).metadata.num_rows, seconds


def sqlite(path: Path, n: int) -> tuple[int, float]:
    import sqlite3

    from huiqi.matching.engines import sql as engines
    from huiqi.matching.engines.bulk import _load_sqlite

    con, _catalog, items = _canonical(path, n)
    conn = sqlite3.connect(":memory:")
    used = sorted({f for item in items for f in item.fields})
    _load_sqlite(conn, con.sql("SELECT * FROM src").to_arrow_table().select(["__row", *used]))
    t0 = time.perf_counter()
    table = engines.run_sqlite_table(conn, items, AS_OF, columns="scaled")
    return table.num_rows, time.perf_counter() - t0


def _records(path: Path, n: int) -> list[dict[str, object]]:
    import pyarrow.parquet as pq

    table = pq.read_table(path).slice(0, n)
    return table.to_pylist()


def python(path: Path, n: int) -> tuple[int, float]:
    from huiqi.rules import evaluate

    _catalog, items = _catalog_items()
    records = [{k: v for k, v in r.items() if v is not None} for r in _records(path, n)]
    t0 = time.perf_counter()
    pairs = 0
    for record in records:
        for item in items:
            evaluate(item, record, AS_OF)
            pairs += 1
    return pairs, time.perf_counter() - t0


def rule_engine(path: Path, n: int) -> tuple[int, float]:
    from rule_engine_port import compile_for_rule_engine, fill_defaults

    catalog, items = _catalog_items()
    rules = [compile_for_rule_engine(item, AS_OF) for item in items]
    records = [fill_defaults(r, catalog) for r in _records(path, n)]
    t0 = time.perf_counter()
    pairs = 0
    for record in records:
        for eligible, amount in rules:
            if eligible.matches(record):
                amount.evaluate(record)
            pairs += 1
    return pairs, time.perf_counter() - t0


CASES: dict[str, Callable[[Path, int], tuple[int, float]]] = {
    "vector": vector,
    "vector-details": lambda p, n: vector(p, n, details=True),
    "duckdb": duckdb_sql,
    "duckdb-details": lambda p, n: duckdb_sql(p, n, details=True),
    "cli": cli,
    "sqlite": sqlite,
    "python": python,
    "rule-engine": rule_engine,
}

__all__ = ["CASES", "item_count", "make_input"]
