from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from huiqi.cli import demo_cmd, import_cmd
from huiqi.cli.main import app
from huiqi.models.enterprise import enterprises
from huiqi.registry.uscc import make
from tests.registry.files import write

runner = CliRunner()


@pytest.fixture
def cli_engine(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setattr(import_cmd, "default_engine", lambda: engine)
    monkeypatch.setattr(demo_cmd, "default_engine", lambda: engine)
    return engine


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(enterprises)) or 0)


def test_import_reports_bad_rows_and_exits_0(cli_engine: Engine, tmp_path: Path) -> None:
    good, bad = make("500105", "MACL0001"), make("500105", "MACL0002")
    path = write(tmp_path / "e.csv", ["uscc", "企业名称", "营业收入"],
                 [[good, "甲公司", "100"], [bad, "乙公司", "1.001"], ["123", "丙", ""]])
    report = tmp_path / "problems.xlsx"
    result = runner.invoke(app, ["import", "enterprises", str(path), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "导入结果" in result.output and "问题行" in result.output
    assert "小数位数过多" in result.output and "应为18位" in result.output
    assert _count(cli_engine) == 1
    rows = list(load_workbook(report)["问题行"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [3, 4]


def test_import_dry_run_writes_nothing(cli_engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "e.csv", ["uscc"], [[make("500105", "MACL0003")]])
    result = runner.invoke(app, ["import", "enterprises", str(path), "--dry-run"])
    assert result.exit_code == 0 and "试运行" in result.output
    assert _count(cli_engine) == 0


def test_unreadable_file_exits_2(cli_engine: Engine, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "enterprises", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2 and "找不到文件" in result.output
    (tmp_path / "x.csv").write_text("企业名称\n甲\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "enterprises", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "uscc" in result.output


def test_demo_data_to_file_and_database(cli_engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "demo.parquet"
    result = runner.invoke(app, ["demo-data", "--n", "30", "--seed", "4", "--out", str(out),
                                 "--with-facts"])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.num_rows == 30 and "loan_amount" in table.column_names
    result = runner.invoke(app, ["demo-data", "--n", "25", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "新增 25" in result.output and _count(cli_engine) == 25
    result = runner.invoke(app, ["demo-data", "--n", "5", "--out", str(tmp_path / "x.json")])
    assert result.exit_code != 0
