"""The one-pass SQLite engine (checked against the reference in test_engines_agree) gives the
same table whatever the row blocks, however many integers the criterion values and NULL bits
take, and whatever the order of the rows."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings

from huiqi.matching.engines import sql as engines
from huiqi.matching.engines import sqlite_table
from huiqi.matching.engines.bulk import _load_sqlite
from huiqi.matching.engines.inputs import load_input
from tests.matching.strategies import enterprises
from tests.matching.test_engines_agree import CATALOG, ITEMS, write_csv

AS_OF = date(2025, 6, 1)


def _src(tmp_path: Path, rows: list[dict[str, object]]) -> pa.Table:
    src = tmp_path / "in.csv"
    write_csv(src, rows)
    con = duckdb.connect()
    load_input(con, src, CATALOG)
    return con.sql("SELECT * FROM src").to_arrow_table()


def _run(table: pa.Table, **kwargs: int) -> list[dict[str, object]]:
    conn = sqlite3.connect(":memory:")
    _load_sqlite(conn, table)
    out = sqlite_table.run_sqlite_table(conn, ITEMS, AS_OF, **kwargs)
    assert out is not None
    return sorted(out.to_pylist(), key=lambda r: (r["__row"], r["item_ord"]))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=enterprises(CATALOG, min_size=2, max_size=12))
def test_blocks_packs_and_row_order_do_not_change_results(rows, tmp_path: Path) -> None:
    table = _src(tmp_path, rows)
    want = _run(table)
    assert len(want) == len(rows) * len(ITEMS)
    assert _run(table, block=3) == want
    assert _run(table.take(list(reversed(range(table.num_rows))))) == want
    with pytest.MonkeyPatch.context() as mp:  # several integers of criteria and of NULL bits
        mp.setattr(sqlite_table, "SLOTS", 2)
        mp.setattr(sqlite_table, "FIELD_BITS", 2)
        plan = sqlite_table.SqlitePlan(engines.compile_items(ITEMS, AS_OF, "sqlite"))
        assert plan.packs > 1 and plan.null_packs > 1
        assert _run(table, block=5) == want


def test_no_rows_gives_the_empty_table(tmp_path: Path) -> None:
    table = _src(tmp_path, [{"loan_amount": None}]).slice(0, 0)
    conn = sqlite3.connect(":memory:")
    _load_sqlite(conn, table)
    result = engines.run_sqlite_table(conn, ITEMS, AS_OF)
    assert result.num_rows == 0 and result.column_names == list(engines.RESULT_COLUMNS)


def test_unknown_amount_names_its_null_inputs(tmp_path: Path) -> None:
    eligible = {"region": "420802", "legal_form": "individual", "guarantee_loan": "true",
                "loan_amount": "300000", "loan_rate": None, "startup_subsidy_times": "0",
                "startup_subsidy_years": "0"}
    [row] = [r for r in _run(_src(tmp_path, [eligible]))
             if r["item"] == "dongbao.startup-guarantee-loan"]
    assert (row["eligible"], row["amount_fen"], row["missing"]) == (1, None, "loan_rate")
