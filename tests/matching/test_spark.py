"""`--engine spark` agrees with the reference evaluator to the fen, in both of its modes: a local
file through the shared input pipeline, and catalog-named Parquet on a cluster path.

PySpark runs in local mode on Debian's headless JDK (installed by `make test` as root). One
SparkSession serves the whole module (starting the JVM is most of the cost).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from huiqi.cli.main import app
from huiqi.matching.engines import spark as spark_engine
from huiqi.matching.engines.bulk import match_file
from huiqi.rules import FieldType
from tests.matching.strategies import enterprises
from tests.matching.test_engines_agree import (
    AS_OF,
    CATALOG,
    ITEMS,
    read_out,
    reference,
    uscc,
    write_csv,
)

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module", autouse=True)
def spark_session() -> Iterator[object]:
    session = spark_engine.session("local[1]")
    session.conf.set("spark.sql.shuffle.partitions", "1")
    yield session
    session.stop()


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=enterprises(CATALOG, min_size=5, max_size=30))
def test_spark_agrees_with_reference(rows, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    write_csv(src, rows)
    out = tmp_path / "spark.csv"
    summary = match_file(src, out, ITEMS, CATALOG, engine="spark", as_of=AS_OF)
    assert read_out(out) == reference(rows)
    assert summary.pairs == len(rows) * len(ITEMS)


_ARROW = {FieldType.BOOL: pa.bool_(), FieldType.INTEGER: pa.int64(),
          FieldType.MONEY: pa.decimal128(20, 2), FieldType.DATE: pa.date32()}


def _natural_parquet(path: Path, rows: list[dict[str, object]]) -> None:
    """Catalog-named columns in natural units, as a data platform would hand them over."""
    columns: dict[str, pa.Array] = {"uscc": pa.array([uscc(i) for i in range(len(rows))])}
    for spec in CATALOG:
        if spec.name not in rows[0]:
            continue
        values = [r[spec.name] for r in rows]
        if spec.type is FieldType.DECIMAL:
            kind = pa.decimal128(20, spec.scale)
        else:
            kind = _ARROW.get(spec.type, pa.string())
        columns[spec.name] = pa.array(values, type=kind)
    pq.write_table(pa.table(columns), path)


def _read_parts(directory: Path) -> list[tuple[str, ...]]:
    table = pq.read_table(directory).to_pylist()
    return [(r["uscc"], r["item"], r["eligible"],
             "" if r["amount"] is None else f"{r['amount']:.2f}", r["failed"], r["missing"])
            for r in table]


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=enterprises(CATALOG, min_size=5, max_size=30))
def test_cluster_path_mode_agrees_with_reference(rows, tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    _natural_parquet(source, rows)
    target = tmp_path / "out"
    result = CliRunner().invoke(app, [
        "match", "--engine", "spark", "--input", f"file://{source}", "--out", f"file://{target}",
        "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    in_force = {item.id for item in ITEMS if item.in_force(AS_OF)}
    expected = [r for r in reference(rows, as_read=False) if r[1] in in_force]
    assert f"写出 {len(expected)} 行" in result.output
    assert sorted(_read_parts(target)) == sorted(expected)


def test_cli_local_file_keeps_the_contract(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("uscc,region,industry_code,above_size\n"
                      "91420802MA0000015G,420802,C3011,是\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["match", "--engine", "spark", "--input", str(source),
                                      "--out", str(out), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["uscc", "item", "eligible", "amount", "failed", "missing"]
    assert [r[1] for r in rows[1:]] == [item.id for item in ITEMS if item.in_force(AS_OF)]
    assert {r[0] for r in rows[1:]} == {"91420802MA0000015G"}


def test_cluster_input_without_uscc_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"region": ["420802"]}), source)
    result = CliRunner().invoke(app, ["match", "--engine", "spark", "--input", f"file://{source}",
                                      "--out", f"file://{tmp_path / 'o'}",
                                      "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 2
    assert "没有 uscc 列" in result.output
