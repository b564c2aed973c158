"""`huiqi match` honours its contract on every engine and input format, with identical output."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from huiqi.cli.main import app

HEADER = ["uscc", "item", "eligible", "amount", "failed", "missing"]
ROWS = [
    # an eligible tech-upgrade: 规上制造业, 800万 equipment, robot project -> 10% = 80万
    {"uscc": "91420802MA0000015G", "region": "420802", "legal_form": "enterprise",
     "industry_code": "C3011", "above_size": "是",
     "dishonest_debtor": "否", "major_violation_3y": "false", "equipment_investment": "8000000",
     "equipment_purchase": "8000000", "construction_years": "2", "prior_fiscal_support": "0",
     "robot_replacement": "1", "online_sales": "6000000", "loan_amount": "1000000"},
    # battery maker at the 12% rate, capped at 400万
    {"uscc": "91420802MA0000023B", "region": "420802", "legal_form": "企业法人",
     "industry_code": "C3841", "above_size": "true",
     "dishonest_debtor": "false", "major_violation_3y": "false",
     "equipment_investment": "50000000", "equipment_purchase": "50000000",
     "construction_years": "3", "prior_fiscal_support": "false", "robot_replacement": "false"},
    # a restaurant with nothing known but its industry
    {"uscc": "92500105MA0000031Q", "industry_code": "H6210"},
]


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    names = sorted({k for r in rows for k in r}, key=lambda k: (k != "uscc", k))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=names)
        w.writeheader()
        w.writerows(rows)


def _read(path: Path) -> list[list[str]]:
    if path.suffix == ".parquet":
        rows = duckdb.sql(f"SELECT * FROM read_parquet('{path}')").fetchall()
        return [["" if v is None else (f"{v:.2f}" if i == 3 else str(v)) for i, v in enumerate(r)]
                for r in rows]
    with path.open(encoding="utf-8") as fh:
        reader = csv.reader(fh)
        assert next(reader) == HEADER
        return list(reader)


def _match(tmp: Path, src: Path, out_name: str, *extra: str, env: dict[str, str] | None = None):
    out = tmp / out_name
    result = CliRunner().invoke(app, ["match", "--input", str(src), "--out", str(out),
                                      "--as-of", "2025-06-01", *extra], env=env)
    assert result.exit_code == 0, result.output
    return _read(out), result.output


def test_contract_columns_and_values(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    _write_csv(src, ROWS)
    rows, _ = _match(tmp_path, src, "out.csv")
    by_key = {(r[0], r[1]): r for r in rows}
    tech1 = by_key[("91420802MA0000015G", "dongbao.tech-upgrade")]
    assert tech1[2:4] == ["true", "800000.00"]
    tech2 = by_key[("91420802MA0000023B", "dongbao.tech-upgrade")]
    assert tech2[2:4] == ["true", "4000000.00"]
    unknown = by_key[("92500105MA0000031Q", "dongbao.tech-upgrade")]
    assert unknown[2] in ("false", "unknown") and unknown[3] == ""
    assert all(r[2] in ("true", "false", "unknown") for r in rows)
    assert all((r[3] != "") == (r[2] == "true") or r[2] == "true" for r in rows)
    # only items in force on the as-of date: the 2022 Jiangbei relief items are gone in 2025
    assert not any(r[1].startswith("jiangbei.state-rent") for r in rows)
    items = {r[1] for r in rows}
    assert len(rows) == len(ROWS) * len(items)


def test_as_of_selects_items_in_force(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    _write_csv(src, ROWS)
    out = tmp_path / "o.csv"
    result = CliRunner().invoke(app, ["match", "--input", str(src), "--out", str(out),
                                      "--as-of", "2022-06-01"])
    assert result.exit_code == 0, result.output
    items = {r[1] for r in _read(out)}
    assert "jiangbei.state-rent-relief" in items
    assert "dongbao.tech-upgrade" not in items


@pytest.mark.postgres
def test_engines_and_formats_give_identical_output(tmp_path: Path, pg_url: str) -> None:
    src = tmp_path / "in.csv"
    _write_csv(src, ROWS)
    baseline, _ = _match(tmp_path, src, "duck.csv")
    assert _match(tmp_path, src, "lite.csv", "--engine", "sqlite")[0] == baseline
    pg, _ = _match(tmp_path, src, "pg.csv", "--engine", "postgres",
                   env={"HUIQI_DATABASE_URL": pg_url})
    assert pg == baseline
    # the same rows as XLSX and as Parquet
    xlsx = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    names = sorted({k for r in ROWS for k in r}, key=lambda k: (k != "uscc", k))
    wb.active.append(names)
    for r in ROWS:
        wb.active.append([r.get(n) for n in names])
    wb.save(xlsx)
    assert _match(tmp_path, xlsx, "x.csv")[0] == baseline
    parquet = tmp_path / "in.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{src}', all_varchar=true)) TO '{parquet}'")
    assert _match(tmp_path, parquet, "p.csv")[0] == baseline
    assert _match(tmp_path, src, "out.parquet")[0] == baseline


def test_bad_cells_are_reported_and_the_rest_matched(tmp_path: Path) -> None:
    rows = [*ROWS, {"uscc": "BAD1", "employees": "many"}, {"uscc": "BAD2", "revenue": "1.005"}]
    src = tmp_path / "in.csv"
    _write_csv(src, rows)
    out_rows, output = _match(tmp_path, src, "o.csv")
    assert {r[0] for r in out_rows} == {r["uscc"] for r in ROWS}
    assert "第 5 行 employees" in output and "第 6 行 revenue" in output


def test_unreadable_input_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["match", "--input", str(tmp_path / "nope.csv"), "--out",
                                      str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "找不到文件" in result.output


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_output_written_in_row_blocks_is_the_same(
        tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from huiqi.matching.engines import bulk

    rows = [*ROWS, {"uscc": "BAD1", "employees": "many"}, *ROWS, {"uscc": "X", "region": "420802"}]
    src = tmp_path / "in.csv"
    _write_csv(src, rows)
    whole, _ = _match(tmp_path, src, f"whole{suffix}")
    monkeypatch.setattr(bulk, "PART_ROWS", 2)  # blocks of two rows, one with a bad row in it
    parts, _ = _match(tmp_path, src, f"parts{suffix}")
    assert parts == whole
    # the bad rows, the repeated USCCs and the invalid one are left out, as an import would
    assert [r[0] for r in parts][::len({r[1] for r in parts})] == [r["uscc"] for r in ROWS]


def test_no_items_in_force_gives_an_empty_table(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    _write_csv(src, ROWS)
    result = CliRunner().invoke(app, ["match", "--input", str(src), "--out",
                                      str(tmp_path / "o.csv"), "--as-of", "1990-01-01"])
    assert result.exit_code == 0, result.output
    assert _read(tmp_path / "o.csv") == []


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from huiqi.kit.db import default_engine
    from huiqi.kit.settings import get_settings

    monkeypatch.setenv("HUIQI_DATABASE_URL", f"sqlite:///{tmp_path / 'huiqi.db'}")
    get_settings.cache_clear()
    default_engine.cache_clear()
    yield
    default_engine().dispose()
    get_settings.cache_clear()
    default_engine.cache_clear()


def test_database_mode_writes_every_enterprise_and_item(tmp_path: Path, database: None) -> None:
    """`huiqi match --out FILE` without --input: the registry's enterprises, imported from the
    same file, give the same rows as matching the file."""
    src = tmp_path / "in.csv"
    _write_csv(src, [{k: v for k, v in r.items() if k in ("uscc", "region", "legal_form",
                                                          "industry_code", "above_size",
                                                          "dishonest_debtor",
                                                          "major_violation_3y", "online_sales")}
                     for r in ROWS])
    imported = CliRunner().invoke(app, ["import", "enterprises", str(src)])
    assert imported.exit_code == 0, imported.output
    from_db, output = _match_db(tmp_path, "db.csv")
    from_file, _ = _match(tmp_path, src, "file.csv")
    items = {r[1] for r in from_file}
    assert len(from_db) == len(ROWS) * len(items) and {r[0] for r in from_db} == {
        r["uscc"] for r in ROWS}
    assert sorted(from_db) == sorted(from_file)
    assert f"企业 {len(ROWS)} 家" in output


def _match_db(tmp: Path, name: str) -> tuple[list[list[str]], str]:
    result = CliRunner().invoke(app, ["match", "--out", str(tmp / name), "--as-of", "2025-06-01"])
    assert result.exit_code == 0, result.output
    return _read(tmp / name), result.output
