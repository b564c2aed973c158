"""`huiqi import enterprises` and `huiqi match --input` read a file the same way: fed the same
files, they accept the same rows and report the same problems (row, column, value, reason)."""

from __future__ import annotations

import csv
import random
import tempfile
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from huiqi.cli import import_cmd
from huiqi.cli.main import app
from huiqi.kit.db import make_engine
from huiqi.kit.db_schema import ensure_schema
from huiqi.models.enterprise import enterprises
from huiqi.registry.demo import demo_table
from huiqi.registry.uscc import make

runner = CliRunner()
HEADER = ["统一社会信用代码", "企业名称", "行政区划", "主体类型", "国民经济行业代码", "成立日期",
          "从业人员（人）", "营业收入（万元）", "资产总额(万元)", "规模以上企业", "参保职工人数",
          "上年度裁员率（%）", "生产性设备投资实际完成额"]


def _usccs(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(enterprises.c.uscc)))


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig") as f:
        return list(csv.reader(f))


def _write(path: Path, rows: list[list[object]], *, title: str | None = None) -> Path:
    """CSV (UTF-8, or GBK for *.gbk.csv), XLSX (with a merged title row if given) or Parquet."""
    if path.suffix == ".csv":
        encoding = "gbk" if path.name.endswith(".gbk.csv") else "utf-8-sig"
        with path.open("w", encoding=encoding, newline="") as f:
            csv.writer(f).writerows([HEADER, *rows])
    elif path.suffix == ".xlsx":
        book = Workbook()
        sheet = book.active
        if title:
            sheet.append([title])
            sheet.merge_cells(f"A1:{chr(64 + len(HEADER))}1")
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
        book.save(path)
    else:
        columns = list(zip(*rows, strict=True)) if rows else [[] for _ in HEADER]
        pq.write_table(pa.table({h: pa.array([None if v is None else str(v) for v in col],
                                             pa.string())
                                 for h, col in zip(HEADER, columns, strict=True)}), path)
    return path


def _good_rows(n: int) -> list[list[object]]:
    """Demo enterprises written the way statistical tables are: 万元, percentages, names."""
    out = []
    for r in demo_table(n, seed=11).to_pylist():
        revenue = None if r["revenue"] is None else f"{r['revenue'] / 10_000:,}"
        assets = None if r["total_assets"] is None else str(r["total_assets"] / 10_000)
        day = r["founded_on"]
        out.append([r["uscc"], r["name"], r["region"], r["legal_form"], r["industry_code"],
                    None if day is None else f"{day.year}年{day.month}月{day.day}日",
                    r["employees"], revenue, assets,
                    None if r["above_size"] is None else ("是" if r["above_size"] else "否"),
                    r["employees"], f"{Decimal(len(r['uscc']) % 7) / 10}%", "2,704,055.70"])
    return out


def _spoil(rows: list[list[object]], k: int, rng: random.Random) -> list[int]:
    """Spoil k rows, each in one of the ways real files go wrong; their 0-based indexes."""
    def check_digit(row: list[object], _i: int) -> None:
        code = str(row[0])
        row[0] = code[:17] + ("0" if code[17] != "0" else "1")

    def duplicate(row: list[object], _i: int) -> None:
        row[0] = rows[0][0]  # never spoiled

    spoilers = [
        check_digit, duplicate,
        lambda row, _i: row.__setitem__(0, ""),  # no USCC
        lambda row, _i: row.__setitem__(6, "-3"),  # negative employees
        lambda row, _i: row.__setitem__(10, -5),  # insured_employees = -5
        lambda row, _i: row.__setitem__(4, "C9999"),  # not a GB/T 4754 class
        lambda row, _i: row.__setitem__(2, "火星区"),
        lambda row, _i: row.__setitem__(5, "2025-02-30"),
        lambda row, _i: row.__setitem__(7, "1.0000001"),  # finer than a fen in 万元
        lambda row, _i: row.__setitem__(9, "也许"),
        lambda row, _i: row.__setitem__(11, "120%"),
    ]
    chosen = sorted(rng.sample(range(1, len(rows)), k))
    for i in chosen:
        rng.choice(spoilers)(rows[i], i)
    return chosen


@pytest.fixture
def cli_engine(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setattr(import_cmd, "default_engine", lambda: engine)
    return engine


@pytest.mark.parametrize(("name", "db_url"), [
    ("企业.csv", "sqlite"), ("企业.csv", "postgres"), ("企业.gbk.csv", "sqlite"),
    ("企业.xlsx", "sqlite"), ("企业.parquet", "sqlite")], indirect=["db_url"])
def test_2000_rows_with_5_percent_bad_agree(cli_engine: Engine, tmp_path: Path,
                                           name: str) -> None:
    rows = _good_rows(2000)
    spoiled = _spoil(rows, 100, random.Random(name))
    path = _write(tmp_path / name, rows, title="2025年重点企业名单（单位：万元）")
    report, rejects = tmp_path / "report.csv", tmp_path / "rejects.csv"
    imported = runner.invoke(app, ["import", "enterprises", str(path), "--report", str(report)])
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "out.csv"
    matched = runner.invoke(app, ["match", "--input", str(path), "--out", str(out),
                                  "--rejects", str(rejects), "--as-of", "2025-06-01"])
    assert matched.exit_code == 0, matched.output

    problems = _read_csv(report)
    assert problems == _read_csv(rejects)  # the same rows, columns, values and reasons
    first_row = 3 if name.endswith(".xlsx") else 2  # below the title and the header
    assert {int(p[0]) for p in problems[1:]} == {i + first_row for i in spoiled}
    assert f"{len(spoiled)} 行有问题" in matched.output
    accepted = _usccs(cli_engine)
    assert len(accepted) == 2000 - len(spoiled)
    with out.open(encoding="utf-8") as f:
        output = list(csv.reader(f))[1:]
    assert {r[0] for r in output} == accepted and all(r[0] for r in output)
    minus_five = {rows[i][0] for i in spoiled if rows[i][10] == -5}
    assert minus_five and not minus_five & {r[0] for r in output}


# --- fuzzing: random small files with good and bad cells --------------------------------------

CELLS = {
    2: ["420802", "360803", "吉安市青原区", "青原区", "东宝区", "火星区", "4208", "", None],
    3: ["enterprise", "企业法人", "个体工商户", "individual", "公司", "", None],
    4: ["C3841", "3841", "C38", "C9999", "H6210", "c3011", " F5211 ", "", None],
    5: ["2020-01-05", "1999年1月12日", "2001/2/3", "20200105", "2025-02-30", "昨天", "", None],
    6: ["0", "12", "1,200", "-5", "3.5", "1e3", "", None, 7],
    7: ["1200", "2,704,055.70", "0.0000001", "-1", "八百", "1200.123456", "", None, 12.5],
    8: ["0", "800.5", "1e2", "NaN", "", None],
    9: ["是", "否", "true", "0", "也许", "", None],
    10: ["0", "30", "-5", "", None],
    11: ["8.59", "8.59%", "100", "120", "-1", "", None],
    12: ["2,704,055.70", "0.001", "￥1,000", "-0.01", "", None],
}
BASES = [make("420802", f"MAFY{i:04d}") for i in range(40)]


def _row() -> st.SearchStrategy[list[object]]:
    uscc = st.one_of(st.sampled_from(BASES[:12]), st.sampled_from(["", "91420802MAFY00001", "X"]),
                     st.sampled_from(BASES[:3]).map(lambda c: c.lower()))
    cells = [st.sampled_from(CELLS[i]) for i in range(2, len(HEADER))]
    return st.tuples(uscc, st.sampled_from(["甲公司", "", None]), *cells).map(list)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(_row(), min_size=1, max_size=12),
       suffix=st.sampled_from([".csv", ".gbk.csv", ".xlsx", ".parquet"]),
       title=st.booleans())
def test_fuzzed_files_are_read_alike(rows: list[list[object]], suffix: str, title: bool,
                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    path = _write(tmp / f"f{suffix}", rows, title="企业名单" if title else None)
    out, report, rejects = tmp / "out.csv", tmp / "report.csv", tmp / "rejects.csv"
    with tempfile.TemporaryDirectory() as db_dir:
        engine = make_engine(f"sqlite:///{db_dir}/f.db")
        ensure_schema(engine)
        with mock.patch.object(import_cmd, "default_engine", lambda: engine):
            imported = runner.invoke(app, ["import", "enterprises", str(path), "--report",
                                           str(report)])
        assert imported.exit_code == 0, imported.output
        accepted = _usccs(engine)
        engine.dispose()
    result = runner.invoke(app, ["match", "--input", str(path), "--out", str(out),
                                 "--rejects", str(rejects), "--as-of", "2025-06-01"])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as f:
        matched = [r[0] for r in list(csv.reader(f))[1:]]
    assert set(matched) == accepted and all(matched)
    assert _read_csv(rejects) == _read_csv(report)  # row, column, value, reason
