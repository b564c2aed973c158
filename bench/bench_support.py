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


TILE = 1_000_000


def make_input(path: Path, n: int) -> None:
    """n demo enterprises. Beyond TILE rows the first TILE are repeated with fresh, valid,
    distinct USCCs, a tile (one row group) at a time: 20,000,000 rows (~4 GB) are written in
    the memory of one tile."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from huiqi.registry.demo import demo_table, write_demo_file

    if n <= TILE:
        write_demo_file(path, n, seed=7, with_facts=True)
        return
    tile = demo_table(TILE, 7, with_facts=True)
    at = tile.column_names.index("uscc")
    with pq.ParquetWriter(path, tile.schema) as writer:
        for start in range(0, n, TILE):
            part = tile.slice(0, min(TILE, n - start))
            codes = pa.array(_usccs(start, len(part)), pa.string())
            writer.write_table(part.set_column(at, "uscc", codes))


def _usccs(start: int, n: int) -> list[str]:
    """Valid USCCs numbered start.. (check character computed as uscc.validate does)."""
    import numpy as np

    from huiqi.registry.uscc import _WEIGHTS, ALPHABET

    k = np.arange(start, start + n, dtype=np.int64)
    digits = np.zeros((n, 17), np.int64)
    digits[:, :8] = [9, 1, 5, 0, 0, 1, 0, 5]  # 91 (enterprise) + a district code
    for pos in range(16, 7, -1):  # the serial in base 31 over the last nine characters
        digits[:, pos], k = k % 31, k // 31
    check = (31 - digits @ np.array(_WEIGHTS)) % 31
    letters = np.array(list(ALPHABET))
    chars = letters[np.concatenate([digits, check[:, None]], axis=1)]
    return ["".join(row) for row in chars]


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


def cli_csv(path: Path, n: int) -> tuple[int, float]:
    out = path.with_name("out.csv")
    t0 = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "huiqi"), "match", "--input", str(path),
                    "--out", str(out), "--as-of", AS_OF.isoformat()], check=True,
                   capture_output=True)
    seconds = time.perf_counter() - t0
    import duckdb

    return int(duckdb.sql(f"SELECT count(*) FROM read_csv('{out}')").fetchall()[0][0]), seconds


def handwritten_sql(path: Path, out: Path) -> str:
    """What an analyst would write by hand for the CLI's long output: the compiled rules over
    the Parquet file (money in fen), unnested one row per item, in one COPY. No checks."""
    import duckdb

    from huiqi.matching.engines.bulk import streaming_sql
    from huiqi.registry.service import canonical_sql

    catalog, items = _catalog_items()
    items = [i for i in items if i.in_force(AS_OF)]
    kinds = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    plan = canonical_sql({str(r[0]): str(r[1]) for r in kinds}, catalog)
    assert plan is not None
    fmt = "FORMAT PARQUET" if out.suffix == ".parquet" else "FORMAT CSV, HEADER"
    return (f"CREATE VIEW src AS SELECT {plan.select} FROM read_parquet('{path}', "
            f"file_row_number = true);\n"
            f"COPY ({streaming_sql(items, AS_OF, 'src')}) TO '{out}' ({fmt});")


def handwritten(path: Path, n: int, suffix: str = ".parquet") -> tuple[int, float]:
    """The hand-written query run by the duckdb Python client in its own process (timed from
    process start, like the CLI)."""
    out = path.with_name("hand" + suffix)
    sql = path.with_name("hand.sql")
    sql.write_text(handwritten_sql(path, out), encoding="utf-8")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect().execute("
                    "open(sys.argv[1], encoding='utf-8').read())", str(sql)], check=True)
    seconds = time.perf_counter() - t0
    import duckdb

    reader = "read_parquet" if suffix == ".parquet" else "read_csv"
    return int(duckdb.sql(f"SELECT count(*) FROM {reader}('{out}')").fetchall()[0][0]), seconds


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
    "cli-csv": cli_csv,
    "hand": handwritten,
    "hand-csv": lambda p, n: handwritten(p, n, ".csv"),
    "sqlite": sqlite,
    "python": python,
    "rule-engine": rule_engine,
}

__all__ = ["CASES", "item_count", "make_input"]
