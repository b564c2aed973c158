"""The one-pass SQLite engine gives the same table with packed and with separate bit columns."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import duckdb
import pytest

from huiqi.matching import engines
from huiqi.matching.bulk import _load_sqlite
from huiqi.matching.inputs import canonicalise, register_raw
from tests.matching.test_engines_agree import CATALOG, ITEMS, write_csv

AS_OF = date(2025, 6, 1)


def test_packed_and_unpacked_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ("loan_amount", "online_sales", "industry_code", "region", "legal_form")
    given = [{"loan_amount": "1000000", "online_sales": "6000000"}, {"loan_amount": None},
             {"industry_code": "C3841", "region": "420802", "legal_form": "enterprise"}]
    rows = [{n: r.get(n) for n in names} for r in given]
    src = tmp_path / "in.csv"
    write_csv(src, rows)  # type: ignore[arg-type]
    con = duckdb.connect()
    register_raw(con, src)
    canonicalise(con, CATALOG)
    conn = sqlite3.connect(":memory:")
    _load_sqlite(conn, con.sql("SELECT * FROM src").to_arrow_table())
    packed = engines.run_sqlite_table(conn, ITEMS, AS_OF).to_pylist()
    compile_items = engines.compile_items

    def unpacked(*args, **kwargs):  # type: ignore[no-untyped-def]
        compiled = compile_items(*args, **kwargs)
        for c in compiled:
            c.staged.pop("packed", None)
        return compiled

    monkeypatch.setattr(engines, "compile_items", unpacked)
    assert engines.run_sqlite_table(conn, ITEMS, AS_OF).to_pylist() == packed
    assert {r["eligible"] for r in packed} >= {0, None}
    assert len(packed) == len(rows) * len(ITEMS)
