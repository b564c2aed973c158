"""The one input pipeline: units in headers, Chinese number/date/region formats, encodings, title
rows — the same for `huiqi import enterprises` and `huiqi match --input`."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from huiqi.cli import import_cmd
from huiqi.cli.main import app
from huiqi.kit.db import unit_of_work
from huiqi.models.enterprise import enterprises
from huiqi.registry import service
from huiqi.registry.catalog import coerce, load_catalog
from huiqi.registry.headers import HeaderError, parse_header
from huiqi.registry.reader import ImportFileError, read_table
from huiqi.registry.records import read_records
from huiqi.registry.uscc import make

runner = CliRunner()
A, B, C = make("360803", "MAPL0001"), make("360803", "MAPL0002"), make("420802", "MAPL0003")


@pytest.fixture
def cli_engine(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setattr(import_cmd, "default_engine", lambda: engine)
    return engine


def _csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8"
         ) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def _stored(engine: Engine, *columns: str) -> dict[str, tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(select(enterprises.c.uscc, *(enterprises.c[c] for c in columns)))
        return {r[0]: tuple(r[1:]) for r in rows}


def _match(src: Path, out: Path, *extra: str) -> tuple[list[list[str]], str]:
    result = runner.invoke(app, ["match", "--input", str(src), "--out", str(out),
                                 "--as-of", "2025-06-01", *extra])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    return rows, result.output


# --- headers and units -----------------------------------------------------------------------


@pytest.mark.parametrize(("header", "name", "factor"), [
    ("营业收入（万元）", "revenue", Decimal(10_000)),
    ("资产总额(万元)", "total_assets", Decimal(10_000)),
    ("营业收入（元）", "revenue", None), ("月租金（亿元）", "monthly_rent", Decimal(10**8)),
    ("从业人员（人）", "employees", None), ("上年度裁员率（%）", "layoff_rate", Decimal("0.01")),
    ("revenue", "revenue", None), ("统一社会信用代码（必填）", "uscc", None),
])
def test_header_units(header: str, name: str, factor: Decimal | None) -> None:
    found = parse_header(header)
    assert found is not None and (found.name, found.factor) == (name, factor)


@pytest.mark.parametrize(("header", "says"), [
    ("从业人员（万元）", "不符"), ("营业收入（人）", "不符"), ("上年度裁员率（万元）", "不符"),
    ("营业收入（千美元）", "无法识别"), ("成立日期（元）", "不应带单位"),
])
def test_a_unit_that_contradicts_the_field_is_an_error(header: str, says: str) -> None:
    with pytest.raises(HeaderError, match=says):
        parse_header(header)


def test_values_in_the_header_unit_are_converted_exactly() -> None:
    revenue, rate = load_catalog()["revenue"], load_catalog()["layoff_rate"]
    assert coerce(revenue, "1,200", Decimal(10_000)) == Decimal("12000000.00")
    assert coerce(revenue, 1234.5678, Decimal(10_000)) == Decimal("12345678.00")
    assert coerce(revenue, "0.000001", Decimal(10_000)) == Decimal("0.01")
    assert coerce(rate, "8.59", Decimal("0.01")) == Decimal("0.0859")
    assert coerce(rate, "8.59%", Decimal("0.01")) == Decimal("0.0859")  # the sign says it once
    with pytest.raises(ValueError, match="小数位数过多"):
        coerce(revenue, "0.0000001", Decimal(10_000))
    with pytest.raises(ValueError, match="负数"):
        coerce(revenue, "-1", Decimal(10_000))


def test_wan_yuan_headers_import_and_match_in_yuan(cli_engine: Engine, tmp_path: Path) -> None:
    header = ["统一社会信用代码", "行政区划", "主体类型", "国民经济行业代码", "从业人员（人）",
              "营业收入（万元）", "资产总额(万元)", "规模以上企业", "法人纳入失信被执行人名单",
              "近3年质量安全环保重大问题或财政资金违规", "生产性设备投资实际完成额（万元）",
              "生产性设备购置额（万元）", "项目有效建设期", "项目已获国家省市财政投资类资金支持",
              "以“机器换人”为主的智能化技改项目"]
    # 1,200 万元 of revenue with 50 people makes a small industrial firm (micro if read as 元)
    path = _csv(tmp_path / "统计表.csv", header, [
        [A, "420802", "企业法人", "C3011", "50", "1200", "800.5", "是", "否", "否", "800", "800",
         "2", "否", "是"]])
    result = runner.invoke(app, ["import", "enterprises", str(path)])
    assert result.exit_code == 0, result.output
    assert _stored(cli_engine, "revenue", "total_assets", "size_class")[A] == (
        Decimal("12000000.00"), Decimal("8005000.00"), "small")
    rows, _ = _match(path, tmp_path / "out.csv")
    tech = next(r for r in rows if r[1] == "dongbao.tech-upgrade")
    assert tech[:4] == [A, "dongbao.tech-upgrade", "true", "800000.00"]  # 10% of 800 万元


def test_contradicting_unit_refuses_the_file_in_both_commands(cli_engine: Engine,
                                                              tmp_path: Path) -> None:
    path = _csv(tmp_path / "e.csv", ["uscc", "从业人员（万元）"], [[A, "3"]])
    imported = runner.invoke(app, ["import", "enterprises", str(path)])
    matched = runner.invoke(app, ["match", "--input", str(path), "--out", str(tmp_path / "o.csv")])
    assert imported.exit_code == matched.exit_code == 2
    assert "单位“万元”与字段“从业人员”不符" in imported.output
    assert "单位“万元”与字段“从业人员”不符" in matched.output


def test_chinese_formats_parse_in_both_commands(cli_engine: Engine, tmp_path: Path) -> None:
    header = ["uscc", "营业收入", "上年度裁员率", "行政区划", "成立日期", "国民经济行业代码"]
    path = _csv(tmp_path / "e.csv", header, [
        [A, "2,704,055.70", "8.59%", "吉安市青原区", "1999年1月12日", "3841"],
        [B, "￥1,000", "0.05", "青原区", "1999/1/2", "C3841"]])
    result = runner.invoke(app, ["import", "enterprises", str(path)])
    assert result.exit_code == 0, result.output
    stored = _stored(cli_engine, "revenue", "layoff_rate", "region", "founded_on",
                     "industry_code")
    assert set(stored) == {A, B}
    assert stored[A][:3] == (Decimal("2704055.70"), Decimal("0.0859"), "360803")
    assert str(stored[A][3]) == "1999-01-12" and stored[A][4] == "C3841"
    rows, output = _match(path, tmp_path / "o.csv")
    assert {r[0] for r in rows} == {A, B} and "未参与匹配" not in output


# --- encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_work_in_both_commands(cli_engine: Engine, tmp_path: Path,
                                         encoding: str) -> None:
    path = _csv(tmp_path / "e.csv", ["统一社会信用代码", "企业名称", "行政区划"],
                [[A, "青原区满益火锅馆", "吉安市青原区"], [B, "东宝区机械厂", "360803"]], encoding)
    assert runner.invoke(app, ["import", "enterprises", str(path)]).exit_code == 0
    assert _stored(cli_engine, "name")[A] == ("青原区满益火锅馆",)
    rows, _ = _match(path, tmp_path / "o.csv")
    assert {r[0] for r in rows} == {A, B}


def test_a_file_mixing_encodings_is_refused_naming_the_line(cli_engine: Engine,
                                                           tmp_path: Path) -> None:
    path = _csv(tmp_path / "e.csv", ["统一社会信用代码", "企业名称"],
                [[A, "甲公司"], [B, "乙公司"]])
    with path.open("ab") as f:
        f.write(f"{C},丙公司\r\n".encode("gbk"))
    with pytest.raises(ImportFileError, match="第4行是 GBK"):
        read_table(path)
    imported = runner.invoke(app, ["import", "enterprises", str(path)])
    matched = runner.invoke(app, ["match", "--input", str(path), "--out", str(tmp_path / "o.csv")])
    assert imported.exit_code == matched.exit_code == 2
    assert "混用" in imported.output and "第4行" in matched.output
    assert _stored(cli_engine) == {}


# --- title rows and the header row -----------------------------------------------------------


def _titled_xlsx(path: Path, *, merged: bool = True) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["2025年青原区企业名单"])
    if merged:
        sheet.merge_cells("A1:C1")
    sheet.append([])
    sheet.append(["统一社会信用代码", "企业名称", "营业收入（万元）"])
    sheet.append([A, "甲公司", 12.5])
    sheet.append(["9136080", "乙公司", 1])
    sheet.append([C, "丙公司", None])
    book.save(path)
    return path


def test_xlsx_with_a_title_row_works_in_both_commands(cli_engine: Engine, tmp_path: Path) -> None:
    path = _titled_xlsx(tmp_path / "名单.xlsx")
    records = read_records(path)
    assert records.numbers == [4, 6] and [e.row for e in records.errors] == [5]
    assert "表头在第3行" in records.warnings[0] and "合并单元格" in records.warnings[0]
    result = runner.invoke(app, ["import", "enterprises", str(path)])
    assert result.exit_code == 0 and "表头在第3行" in result.output, result.output
    assert _stored(cli_engine, "revenue") == {A: (Decimal("125000.00"),), C: (None,)}
    rejects = tmp_path / "rejects.csv"
    rows, output = _match(path, tmp_path / "o.csv", "--rejects", str(rejects))
    assert {r[0] for r in rows} == {A, C} and all(r[0] for r in rows)
    assert "1 行有问题" in output and "表头在第3行" in output
    with rejects.open(encoding="utf-8-sig") as f:
        assert [r[0] for r in csv.reader(f)] == ["行号", "5"]


def test_header_row_can_be_named_and_an_unfound_header_is_explained(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["2025年企业名单"])
    sheet.merge_cells("A1:B1")
    sheet.append(["代码", "名称"])  # not catalog names: nothing to find
    sheet.append([A, "甲"])
    book.save(tmp_path / "t.xlsx")
    with pytest.raises(ImportFileError, match="第1行“2025年企业名单”是合并单元格的标题行"):
        read_records(tmp_path / "t.xlsx")
    with pytest.raises(ImportFileError, match="--header-row"):
        read_records(tmp_path / "t.xlsx")
    sheet["A2"], sheet["B2"] = "uscc", "name"
    book.save(tmp_path / "t.xlsx")
    assert read_records(tmp_path / "t.xlsx", header_row=2).numbers == [3]
    result = runner.invoke(app, ["match", "--input", str(tmp_path / "t.xlsx"), "--out",
                                 str(tmp_path / "o.csv"), "--header-row", "1"])
    assert result.exit_code == 2 and "uscc" in result.output


def test_service_import_with_header_row(engine: Engine, tmp_path: Path) -> None:
    path = _titled_xlsx(tmp_path / "名单.xlsx", merged=False)
    with unit_of_work(engine) as session:
        report = service.import_enterprises(session, path, header_row=3)
    assert report.inserted == 2 and report.bad_rows == [5]
