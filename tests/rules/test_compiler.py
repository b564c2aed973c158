from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from huiqi.rules import CompileError, Item, compile_item, evaluate, ir
from tests.rules.factory import make_item

AS_OF = date(2025, 6, 1)


def run_sqlite(item: Item, row: dict[str, Any], columns: str = "natural") -> tuple[Any, ...]:
    compiled = compile_item(item, AS_OF, "sqlite", columns=columns)
    con = sqlite3.connect(":memory:")
    names = list(row)
    con.execute(f"CREATE TABLE src ({', '.join(names)})")
    con.execute(f"INSERT INTO src VALUES ({', '.join('?' for _ in names)})", list(row.values()))
    return tuple(con.execute(compiled.select_sql()).fetchone())


def test_unknown_dialect(tmp_path: Path) -> None:
    with pytest.raises(CompileError):
        compile_item(make_item(tmp_path, {"c": "high_tech"}), AS_OF, "mysql")


def test_spark_is_possible(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"c": "industry_code LIKE 'C%'"}, "loan_amount * lpr")
    compiled = compile_item(item, AS_OF, "spark")
    assert "`src`.`loan_amount`" in compiled.amount_fen and "DIV" in compiled.amount_fen


def test_like_is_case_sensitive_on_sqlite_and_escapes_glob(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"c": "industry_code LIKE 'C*%'"})
    assert "GLOB 'C[*]*'" in compile_item(item, AS_OF, "sqlite").eligible
    assert run_sqlite(item, {"industry_code": "C*1"})[0] == 1
    assert run_sqlite(item, {"industry_code": "CX1"})[0] == 0
    lower = make_item(tmp_path, {"c": "industry_code LIKE 'C%'"})
    assert run_sqlite(lower, {"industry_code": "c3841"})[0] == 0


def test_outputs_on_sqlite(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"规上": "above_size", "O'Neil 高新": "high_tech",
                                "人数": "employees >= 10"}, "loan_amount * lpr")
    row = {"above_size": 0, "high_tech": None, "employees": 5, "loan_amount": 100}
    assert run_sqlite(item, row) == (0, None, "规上;人数", "high_tech")
    row = {"above_size": 1, "high_tech": 1, "employees": 50, "loan_amount": None}
    assert run_sqlite(item, row) == (1, None, "", "loan_amount")
    row = {"above_size": 1, "high_tech": 1, "employees": 50, "loan_amount": 100}
    assert run_sqlite(item, row) == (1, 310, "", "")
    row = {"above_size": 1, "high_tech": 1, "employees": 50, "loan_amount": 10000}
    assert run_sqlite(item, row, columns="scaled") == (1, 310, "", "")


def test_criteria_outputs_are_integers(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"a": "high_tech", "b": "employees > 3"})
    compiled = compile_item(item, AS_OF, "duckdb")
    con = duckdb.connect()
    con.execute("CREATE TABLE src (high_tech BOOLEAN, employees BIGINT)")
    con.execute("INSERT INTO src VALUES (TRUE, NULL), (FALSE, 5)")
    got = con.execute(f"SELECT {compiled.criteria['a']}, {compiled.criteria['b']} FROM src "
                      "ORDER BY 1 DESC").fetchall()
    assert got == [(1, None), (0, 1)]


def test_compiled_ir_is_bound(tmp_path: Path) -> None:
    item = make_item(tmp_path, {"c": "founded_on > YEARS_AGO(3)"}, "loan_amount * lpr")
    bound = compile_item(item, AS_OF, "postgres").ir
    nodes = [n for c in bound.criteria for n in ir.walk(c.expr)]
    assert bound.amount is not None
    nodes += list(ir.walk(bound.amount))
    assert not any(isinstance(n, ir.ParamRef | ir.YearsAgo | ir.AsOf) for n in nodes)
    assert ir.Const(date(2022, 6, 1), ir.ValueType.DATE) in nodes
    # the unbound IR is public too, for other evaluators
    assert any(isinstance(n, ir.ParamRef) for n in ir.walk(item.ir.amount))  # type: ignore[arg-type]


BIG = {"loan_amount": Decimal("999999999999.99"), "loan_rate": Decimal("0.123457")}
BIG_ITEMS = {"loan_amount * 0.015": 1500000000000, "loan_amount * lpr * 0.5": 1550000000000,
             "loan_amount * loan_rate": 12345700000000}


@pytest.mark.parametrize("amount", list(BIG_ITEMS))
def test_trillion_yuan_exact_on_duckdb_and_sqlite_or_refused(tmp_path: Path, amount: str) -> None:
    item = make_item(tmp_path, {"c": "loan_amount > 0"}, amount)
    want = evaluate(item, BIG, AS_OF).amount
    assert want is not None and int(want * 100) == BIG_ITEMS[amount]
    sqlite_fen = run_sqlite(item, {k: str(v) for k, v in BIG.items()})[1]
    if amount == "loan_amount * loan_rate":  # 10**14 fen * 123457 overflows SQLite's int64
        assert sqlite_fen is None  # no amount rather than a floating-point one
    else:
        assert sqlite_fen == BIG_ITEMS[amount]
    con = duckdb.connect()
    con.execute("CREATE TABLE src (loan_amount DECIMAL(18, 2), loan_rate DECIMAL(18, 6))")
    con.execute("INSERT INTO src VALUES (?, ?)", list(BIG.values()))
    sql = compile_item(item, AS_OF, "duckdb").select_sql()
    assert con.execute(sql).fetchone()[1] == BIG_ITEMS[amount]


@pytest.mark.postgres
def test_trillion_yuan_is_exact_on_postgres(tmp_path: Path, pg_url: str) -> None:
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        con.execute("CREATE TEMP TABLE src (loan_amount NUMERIC(20, 2), loan_rate NUMERIC(20, 6))")
        con.execute("INSERT INTO src VALUES (%s, %s)", list(BIG.values()))
        for amount, fen in BIG_ITEMS.items():
            item = make_item(tmp_path, {"c": "loan_amount > 0"}, amount)
            row = con.execute(compile_item(item, AS_OF, "postgres").select_sql()).fetchone()
            assert row is not None and row[1] == fen


def test_ored_one_character_prefixes_are_one_glob_on_sqlite(tmp_path: Path) -> None:
    rule = ("industry_code LIKE 'F%' OR (industry_code LIKE 'G%' OR industry_code LIKE 'C43%')"
            " OR industry_code LIKE 'H%' OR high_tech OR industry_code NOT LIKE 'A%'")
    item = make_item(tmp_path, {"c": rule})
    sql = compile_item(item, AS_OF, "sqlite").eligible
    assert "GLOB '[FGH]*'" in sql and "GLOB 'C43*'" in sql and "NOT" in sql
    for code in ("F", "G12", "H", "f1", "C43", "C4", "A1", "B", "[", "", None):
        for high_tech in (0, 1, None):
            facts = {k: v for k, v in {"industry_code": code, "high_tech": high_tech}.items()
                     if v is not None}
            want = evaluate(item, facts, AS_OF).eligible
            got = run_sqlite(item, {"industry_code": code, "high_tech": high_tech})[0]
            assert got == (None if want is None else int(want)), (code, high_tech)
