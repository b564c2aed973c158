"""Differential tests: DuckDB, SQLite, PostgreSQL and the numpy engine agree with the reference
evaluator on every (enterprise, item) pair — eligibility, amount to the fen, failed and missing."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings

from huiqi.matching.engines.bulk import match_file
from huiqi.matching.engines.inputs import load_input
from huiqi.matching.engines.vector import columns_from_arrow, decode_bits, evaluate_item
from huiqi.registry.catalog import load_catalog
from huiqi.registry.records import SIZE_INPUTS
from huiqi.registry.size_class import classify
from huiqi.registry.uscc import make
from huiqi.rules import evaluate, load_policy_files
from tests.matching.strategies import enterprises

ROOT = Path(__file__).resolve().parents[2]
CATALOG = load_catalog()
ITEMS = load_policy_files([ROOT / "policies"], CATALOG).items
AS_OF = date(2025, 6, 1)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def uscc(i: int) -> str:
    """A valid code per row: the input pipeline refuses invalid and repeated ones."""
    return make("420802", f"MA{i:06d}")


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    names = ["uscc", *rows[0].keys()]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for i, row in enumerate(rows):
            w.writerow([uscc(i), *(_cell(row[n]) for n in names[1:])])


def with_size(row: dict[str, object]) -> dict[str, object]:
    """The row as the input pipeline reads it: size_class derived where the file leaves it empty."""
    if row.get("size_class") is None and "industry_code" in row:
        row = {**row, "size_class": classify(*(row.get(k) for k in SIZE_INPUTS))}
    return row


def reference(rows: list[dict[str, object]], *, as_read: bool = True
              ) -> list[tuple[str, str, str, str, str, str]]:
    """The reference evaluator's rows; `as_read`: as the input pipeline reads a local file (a
    cluster path is handed to Spark as it is)."""
    out = []
    for i, row in enumerate(rows):
        facts = {k: v for k, v in (with_size(row) if as_read else row).items() if v is not None}
        for item in ITEMS:
            o = evaluate(item, facts, AS_OF)
            eligible = {True: "true", False: "false", None: "unknown"}[o.eligible]
            amount = f"{o.amount:.2f}" if o.eligible and o.amount is not None else ""
            out.append((uscc(i), item.id, eligible, amount, ";".join(o.failed),
                        ";".join(o.missing)))
    return out


def read_out(path: Path) -> list[tuple[str, ...]]:
    with path.open(encoding="utf-8") as fh:
        reader = csv.reader(fh)
        assert next(reader) == ["uscc", "item", "eligible", "amount", "failed", "missing"]
        return [tuple(r) for r in reader]


def vector_rows(path: Path, n: int) -> list[tuple[str, ...]]:
    con = duckdb.connect()
    load_input(con, path, CATALOG)
    cols = columns_from_arrow(con.sql("SELECT * FROM src").to_arrow_table(), CATALOG)
    results = [evaluate_item(item, cols, n, AS_OF, details=True) for item in ITEMS]
    out = []
    for i in range(n):
        for item, r in zip(ITEMS, results, strict=True):
            e = {1: "true", 0: "false", -1: "unknown"}[int(r.eligible[i])]
            amount = f"{Decimal(int(r.amount_fen[i])) / 100:.2f}" if r.amount_known[i] else ""
            fields = item.bound_ir(AS_OF).fields
            out.append((uscc(i), item.id, e, amount,
                        decode_bits(int(r.failed_bits[i]), [c.name for c in item.criteria]),
                        decode_bits(int(r.missing_bits[i]), fields)))
    return out


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=enterprises(CATALOG))
def test_duckdb_sqlite_vector_agree_with_reference(rows, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    write_csv(src, rows)
    expected = reference(rows)
    for engine in ("duckdb", "sqlite"):
        out = tmp_path / f"{engine}.csv"
        match_file(src, out, ITEMS, CATALOG, engine=engine, as_of=AS_OF)
        assert read_out(out) == expected, engine
    assert vector_rows(src, len(rows)) == expected


@pytest.mark.postgres
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=enterprises(CATALOG))
def test_postgres_agrees_with_reference(rows, tmp_path: Path, pg_url: str) -> None:
    src = tmp_path / "in.csv"
    write_csv(src, rows)
    out = tmp_path / "pg.csv"
    match_file(src, out, ITEMS, CATALOG, engine="postgres", as_of=AS_OF, postgres_url=pg_url)
    assert read_out(out) == reference(rows)


TECH = {"region": "420802", "legal_form": "enterprise", "industry_code": "C3311",
        "above_size": True, "cultivating_above_size": False, "major_violation_3y": False,
        "dishonest_debtor": False, "equipment_investment": "50000000", "construction_years": "2",
        "prior_fiscal_support": False, "online_sales": "6000000"}
# robot_replacement unknown: 4,500,000 is undetermined (4,000,000 or 4,500,000), 600,000 is
# certain; the e-commerce subsidy uses the exact 2025 LPR mean (1,000,000 → 15,166.67)
FIXED = [{**TECH, "equipment_purchase": "45000000", "robot_replacement": None,
          "loan_amount": "1000000"},
         {**TECH, "equipment_purchase": "6000000", "robot_replacement": None,
          "loan_amount": "2000000"},
         {**TECH, "equipment_purchase": "45000000", "robot_replacement": True,
          "loan_amount": "989.01"}]


def _by_item(rows: list[tuple[str, ...]]) -> dict[tuple[str, str], tuple[str, ...]]:
    return {(r[0], r[1]): r for r in rows}


def test_unknown_caps_and_exact_rates_agree_on_every_engine(tmp_path: Path) -> None:
    src = tmp_path / "fixed.csv"
    write_csv(src, FIXED)
    expected = reference(FIXED)
    got = _by_item(expected)
    assert got[(uscc(0), "dongbao.tech-upgrade")][2:] == ("true", "", "", "robot_replacement")
    assert got[(uscc(1), "dongbao.tech-upgrade")][2:] == ("true", "600000.00", "", "")
    assert got[(uscc(2), "dongbao.tech-upgrade")][3] == "4500000.00"
    assert got[(uscc(0), "dongbao.ecommerce-loan")][3] == "15166.67"
    assert got[(uscc(1), "dongbao.ecommerce-loan")][3] == "30333.33"
    assert got[(uscc(2), "dongbao.ecommerce-loan")][3] == "15.00"
    for engine in ("duckdb", "sqlite"):
        out = tmp_path / f"{engine}.csv"
        match_file(src, out, ITEMS, CATALOG, engine=engine, as_of=AS_OF)
        assert read_out(out) == expected, engine
    assert vector_rows(src, len(FIXED)) == expected


@pytest.mark.postgres
def test_unknown_caps_and_exact_rates_agree_on_postgres(tmp_path: Path, pg_url: str) -> None:
    src = tmp_path / "fixed.csv"
    write_csv(src, FIXED)
    out = tmp_path / "pg.csv"
    match_file(src, out, ITEMS, CATALOG, engine="postgres", as_of=AS_OF, postgres_url=pg_url)
    assert read_out(out) == reference(FIXED)
