"""Bulk import on SQLite and PostgreSQL: good rows in, bad rows reported, re-import idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from huiqi.kit.db import unit_of_work
from huiqi.models.enterprise import EnterpriseFact, enterprises
from huiqi.registry import service
from huiqi.registry.catalog import load_catalog
from huiqi.registry.demo import generate_enterprises
from huiqi.registry.reader import ImportFileError
from huiqi.registry.uscc import make
from tests.registry.files import write

COLUMNS = ["uscc", "name", "region", "legal_form", "industry_code", "founded_on", "employees",
           "revenue", "total_assets", "size_class", "high_tech", "dishonest_debtor",
           "tax_credit_grade", "loan_amount"]
N_GOOD = 95
# (position in the file's data rows, column, bad value, expected reason fragment)
BAD = [
    (10, "uscc", "91500105MA5U00001X", "校验码错误"),
    (25, "industry_code", "C9999", "不是GB/T 4754-2017"),
    (40, "high_tech", "maybe", "不是是/否值"),
    (55, "revenue", "12.345", "小数位数过多"),
    (70, "uscc", None, "与第2行重复"),  # a duplicate of the first data row
]


def _records() -> list[dict[str, Any]]:
    rows = generate_enterprises(N_GOOD, seed=11, with_facts=True)
    return [{c: r.get(c) for c in COLUMNS} for r in rows]


def _file_rows() -> tuple[list[dict[str, Any]], list[int]]:
    """Good records with the bad ones inserted; returns the rows and the bad row numbers."""
    rows = _records()
    bad_numbers = []
    for k, (position, column, value, _) in enumerate(BAD):
        bad = dict(rows[k])
        bad["uscc"] = make("500105", f"MABAD{k:03d}")
        bad[column] = rows[0]["uscc"] if value is None else value
        rows.insert(position, bad)
        bad_numbers.append(position + 2)
    return rows, bad_numbers


def _write(tmp_path: Path, fmt: str, rows: list[dict[str, Any]], header: list[str] | None = None,
           encoding: str = "utf-8", name: str = "enterprises") -> Path:
    header = header or COLUMNS
    return write(tmp_path / f"{name}{fmt}", header, [[r[c] for c in COLUMNS] for r in rows],
                 encoding=encoding)


def _import(engine: Engine, path: Path, **kw: Any) -> service.ImportReport:
    with unit_of_work(engine) as session:
        return service.import_enterprises(session, path, **kw)


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(enterprises)) or 0)


@pytest.mark.parametrize("fmt", [".csv", ".xlsx", ".parquet"])
def test_good_rows_in_bad_rows_reported_reimport_idempotent(engine: Engine, tmp_path: Path,
                                                            fmt: str) -> None:
    rows, bad_numbers = _file_rows()
    path = _write(tmp_path, fmt, rows)
    report = _import(engine, path)
    assert report.total_rows == N_GOOD + len(BAD)
    assert (report.inserted, report.updated, report.unchanged) == (N_GOOD, 0, 0)
    assert report.bad_rows == bad_numbers
    for number, (_, column, _, reason) in zip(bad_numbers, BAD, strict=True):
        errors = report.errors_for(number)
        assert len(errors) == 1, errors
        assert errors[0].column == column and reason in errors[0].reason
    assert _count(engine) == N_GOOD

    again = _import(engine, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, N_GOOD)
    assert again.bad_rows == bad_numbers
    assert _count(engine) == N_GOOD

    rows[0]["employees"] = (rows[0]["employees"] or 0) + 1
    changed = _import(engine, _write(tmp_path, fmt, rows, name="changed"))
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, N_GOOD - 1)
    with unit_of_work(engine) as session:
        stored = service.get_by_uscc(session, rows[0]["uscc"])
        assert stored is not None and stored.employees == rows[0]["employees"]


def test_values_are_stored_canonically(engine: Engine, tmp_path: Path) -> None:
    rows = _records()
    _import(engine, _write(tmp_path, ".csv", rows))
    first = rows[0]
    with unit_of_work(engine) as session:
        stored = service.get_by_uscc(session, first["uscc"])
        assert stored is not None
        for name in COLUMNS[:-1]:
            assert getattr(stored, name) == first[name], name
        facts = service.get_facts(session, stored)
    assert facts.get("loan_amount") == first["loan_amount"]


def test_chinese_headers_and_gbk(engine: Engine, tmp_path: Path) -> None:
    catalog = load_catalog()
    labels = [catalog[c].label for c in COLUMNS]
    labels[7] = "营业收入（元）"
    path = _write(tmp_path, ".csv", _records(), header=labels, encoding="gbk")
    report = _import(engine, path)
    assert report.inserted == N_GOOD and not report.errors
    assert report.columns == COLUMNS


def test_unknown_columns_warned_once_and_duplicate_headers(engine: Engine,
                                                           tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", ["uscc", "备注", "name", "企业名称", "remark"],
                 [[r["uscc"], "随便", r["name"], "另一个", "x"] for r in _records()[:3]])
    report = _import(engine, path)
    assert report.inserted == 3 and report.unknown_columns == ["备注", "remark"]
    assert sum("备注" in w for w in report.warnings) == 1
    assert any("同一字段" in w for w in report.warnings)


def test_size_class_derived_when_absent(engine: Engine, tmp_path: Path) -> None:
    header = ["uscc", "industry_code", "employees", "revenue", "size_class"]
    a, b, c = (make("420802", f"MADER{k:03d}") for k in range(3))
    path = write(tmp_path / "s.csv", header, [
        [a, "C3841", 300, "20000000", ""],  # derived: medium
        [b, "C3841", 300, "20000000", "小型"],  # given: kept
        [c, "C3841", None, "20000000", ""],  # cannot derive: unknown
    ])
    _import(engine, path)
    with unit_of_work(engine) as session:
        got = {u: (e.size_class, e.size_class_derived)
               for u in (a, b, c) if (e := service.get_by_uscc(session, u)) is not None}
    assert got == {a: ("medium", True), b: ("small", False), c: (None, False)}


def test_blank_fact_removes_it_and_absent_columns_are_untouched(engine: Engine,
                                                                tmp_path: Path) -> None:
    code = make("500105", "MAFCT001")
    _import(engine, write(tmp_path / "a.csv", ["uscc", "name", "loan_amount"],
                          [[code, "甲公司", "1000"]]))
    report = _import(engine, write(tmp_path / "b.csv", ["uscc", "loan_amount"], [[code, ""]]))
    assert report.updated == 1
    with unit_of_work(engine) as session:
        stored = service.get_by_uscc(session, code)
        assert stored is not None and stored.name == "甲公司"
        assert service.get_facts(session, stored) == {}
        assert session.scalar(select(func.count()).select_from(EnterpriseFact)) == 0


def test_dry_run_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    report = _import(engine, _write(tmp_path, ".csv", _records()), dry_run=True)
    assert report.inserted == N_GOOD and report.dry_run
    assert _count(engine) == 0


def test_progress_is_reported(engine: Engine, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    _import(engine, _write(tmp_path, ".csv", _records()),
            progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (N_GOOD, N_GOOD)


def test_report_exports(engine: Engine, tmp_path: Path) -> None:
    rows, bad_numbers = _file_rows()
    report = _import(engine, _write(tmp_path, ".csv", rows))
    xlsx = report.to_xlsx(tmp_path / "report.xlsx")
    book = load_workbook(xlsx)
    problems = list(book["问题行"].iter_rows(values_only=True))
    assert problems[0] == ("行号", "列", "值", "原因", "错误代码")
    assert [p[0] for p in problems[1:]] == bad_numbers
    # each refused row: its number, the Chinese message and a stable machine code
    assert [p[4] for p in problems[1:]] == [
        "invalid_uscc", "invalid_industry_code", "invalid_high_tech", "invalid_revenue",
        "duplicate_uscc"]
    assert ("新增", str(N_GOOD)) in list(book["导入结果"].iter_rows(values_only=True))
    text = report.to_csv(tmp_path / "report.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "行号,列,值,原因,错误代码" and len(text.splitlines()) == 6


@pytest.mark.parametrize(("name", "content", "message"), [
    ("missing.csv", None, "找不到文件"),
    ("x.txt", b"uscc\n", "不支持的文件类型"),
    ("empty.csv", b"", "是空的"),
    ("noheader.csv", b",,\n1,2,3\n", "没有表头"),
    ("nouscc.csv", "企业名称\n甲\n".encode(), "缺少“统一社会信用代码”"),
    ("broken.xlsx", b"not a zip", "无法读取文件"),
    ("broken.parquet", b"PAR1junk", "无法读取文件"),
])
def test_unreadable_files(engine: Engine, tmp_path: Path, name: str, content: bytes | None,
                          message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        _import(engine, path)
