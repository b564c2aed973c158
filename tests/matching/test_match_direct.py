"""A clean Parquet file is matched by DuckDB alone (registry.canonical_sql + engines/direct.py):
the output is exactly the checking pipeline's, and any file the pipeline would change or
refuse in part goes through the pipeline instead."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from huiqi.matching.engines import bulk, direct
from huiqi.registry import canonical_sql, size_class
from huiqi.registry.catalog import load_catalog
from huiqi.registry.demo import demo_table
from huiqi.registry.uscc import ALPHABET, _fast_valid
from huiqi.rules import load_policy_files

AS_OF = date(2025, 6, 1)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def setup():  # type: ignore[no-untyped-def]
    catalog = load_catalog()
    items = load_policy_files([ROOT / "policies"], catalog).in_force(AS_OF)
    return catalog, items, demo_table(300, 3, with_facts=True)


def _run(tmp: Path, table: pa.Table, name: str, catalog, items, **kw):  # type: ignore[no-untyped-def]
    src = tmp / f"{name}.parquet"
    pq.write_table(table, src)
    out = tmp / f"{name}-out.parquet"
    summary = bulk.match_file(src, out, items, catalog, as_of=AS_OF, checks=canonical_sql, **kw)
    return summary, duckdb.sql(f"SELECT * FROM read_parquet('{out}')").fetchall()


def _piped(tmp: Path, table: pa.Table, name: str, catalog, items, **kw):  # type: ignore[no-untyped-def]
    """The same rows through the checking pipeline (CSV in: always the pipeline)."""
    src = tmp / f"{name}.csv"
    duckdb.from_arrow(table).write_csv(str(src))
    out = tmp / f"{name}-piped.parquet"
    summary = bulk.match_file(src, out, items, catalog, as_of=AS_OF, **kw)
    return summary, duckdb.sql(f"SELECT * FROM read_parquet('{out}')").fetchall()


def test_clean_file_streams_and_equals_the_pipeline(tmp_path: Path, setup, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    catalog, items, table = setup
    expected = _piped(tmp_path, table, "a", catalog, items)[1]
    monkeypatch.setattr(bulk, "load_input", _refuse)
    summary, rows = _run(tmp_path, table, "a", catalog, items)
    assert rows == expected
    assert summary.loaded.rows == 300 and summary.pairs == 300 * len(items)
    assert summary.eligible == sum(r[2] == "true" for r in rows) > 0


def _refuse(*_args, **_kw):  # type: ignore[no-untyped-def]
    raise AssertionError("a clean file must not go through the pipeline")


@pytest.mark.parametrize("column, value", [
    ("uscc", "91500105MA0000015X"),  # wrong check character
    ("uscc", None),
    ("region", "江北区"),  # the pipeline turns a name into its code
    ("name", "测试企业\u3000"),  # the pipeline strips it
    ("size_class", "huge"),
])
def test_a_row_the_pipeline_changes_or_refuses_sends_the_file_to_it(
        tmp_path: Path, setup, column: str, value: object) -> None:  # type: ignore[no-untyped-def]
    catalog, items, table = setup
    at = table.column_names.index(column)
    values = table.column(column).to_pylist()
    values[7] = value
    table = table.set_column(at, column, pa.array(values, table.schema.field(column).type))
    summary, rows = _run(tmp_path, table, "b", catalog, items)
    piped_summary, expected = _piped(tmp_path, table, "b", catalog, items)
    assert rows == expected
    assert [e.reason for e in summary.loaded.errors] == \
        [e.reason for e in piped_summary.loaded.errors]


def test_a_repeated_uscc_is_reported(tmp_path: Path, setup) -> None:  # type: ignore[no-untyped-def]
    catalog, items, table = setup
    values = table.column("uscc").to_pylist()
    values[9] = values[2]
    table = table.set_column(0, "uscc", pa.array(values))
    summary, rows = _run(tmp_path, table, "c", catalog, items)
    assert len(rows) == 299 * len(items)
    assert "重复" in summary.loaded.errors[0].reason


def test_wide_output_is_the_long_output_pivoted(tmp_path: Path, setup) -> None:  # type: ignore[no-untyped-def]
    catalog, items, table = setup
    long = _run(tmp_path, table, "d", catalog, items)[1]
    summary, wide = _run(tmp_path, table, "d", catalog, items, wide=True)
    names = [d[0] for d in duckdb.sql(
        f"SELECT * FROM read_parquet('{tmp_path / 'd-out.parquet'}')").description]
    assert names[:3] == ["uscc", items[0].id, f"{items[0].id}.amount"]
    pivoted = [(r[0], i.id, r[1 + 2 * k], r[2 + 2 * k]) for r in wide
               for k, i in enumerate(items)]
    assert pivoted == [r[:4] for r in long]
    assert summary.eligible == sum(r[2] == "true" for r in long)


def test_size_class_sql_is_classify() -> None:
    codes = ["A0111", "C3841", "E4710", "F5111", "F5211", "G5912", "G6010", "H6210", "I6510",
             "K7010", "K7020", "L7211", "M7310", "J6610", "S9100", None]
    numbers = [None, 0, 5, 10, 20, 100, 300, 1000, 1001]
    money = [None, Decimal(0), Decimal("999999.99"), Decimal(1_000_000), Decimal(20_000_000),
             Decimal(400_000_000), Decimal("400000000.01"), Decimal(2_000_000_000)]
    rng = random.Random(5)
    cases = [(c, e, r, a) for c in codes for e in numbers for r in money
             for a in rng.sample(money, 3)]
    con = duckdb.connect()
    con.register("t", pa.table({
        "ic": [c[0] for c in cases], "e": pa.array([c[1] for c in cases], pa.int64()),
        "r": pa.array([c[2] for c in cases], pa.decimal128(18, 2)),
        "a": pa.array([c[3] for c in cases], pa.decimal128(18, 2))}))
    got = [r[0] for r in con.execute(
        f"SELECT {canonical_sql.classify_sql('ic', 'e', 'r', 'a')} FROM t").fetchall()]
    assert got == [size_class.classify(*c) for c in cases]


def test_uscc_check_is_the_pipelines() -> None:
    rng = random.Random(11)
    valid = ["91500105MA0000015" + c for c in ALPHABET]  # one of these is right
    noise = ["".join(rng.choice(ALPHABET + "IOSZa ") for _ in range(rng.choice([17, 18, 19])))
             for _ in range(300)]
    codes = [*valid, *noise, None, "", "９１５００１０５ＭＡ００００００１５Ｇ"]
    got = canonical_sql.uscc_ok(pa.array(["x", *codes], pa.string()).slice(1)).to_pylist()
    assert got == [c is not None and _fast_valid(c) for c in codes]
    assert sum(got[:len(valid)]) == 1


def test_streamed_parquet_keeps_input_order_across_batches_and_threads(
        tmp_path: Path, setup, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Many row groups in, several threads, small batches out: the streamed writer's file is
    the pipeline's row for row (order included) and the same as DuckDB's own COPY."""
    catalog, items, _table = setup
    table = demo_table(2_000, 5, with_facts=True)
    expected = _piped(tmp_path, table, "e", catalog, items)[1]
    monkeypatch.setattr(direct, "BATCH_ROWS", 500)
    monkeypatch.setattr(direct, "THREADS", 3)
    monkeypatch.setattr(bulk, "load_input", _refuse)
    src = tmp_path / "e.parquet"
    pq.write_table(table, src, row_group_size=150)
    out = tmp_path / "e-out.parquet"
    summary = bulk.match_file(src, out, items, catalog, as_of=AS_OF, checks=canonical_sql)
    assert duckdb.sql(f"SELECT * FROM read_parquet('{out}')").fetchall() == expected
    assert pq.ParquetFile(out).metadata.num_row_groups >= 2_000 * len(items) // 500  # streamed
    assert summary.pairs == 2_000 * len(items)
    csv, piped_csv = tmp_path / "e-out.csv", tmp_path / "e-piped.csv"
    bulk.match_file(src, csv, items, catalog, as_of=AS_OF, checks=canonical_sql)
    monkeypatch.undo()
    duckdb.from_arrow(table).write_csv(str(tmp_path / "e.csv"))
    bulk.match_file(tmp_path / "e.csv", piped_csv, items, catalog, as_of=AS_OF)
    assert csv.read_bytes() == piped_csv.read_bytes()
