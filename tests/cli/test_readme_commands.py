"""Every `huiqi` command in README.md works as typed: each is run, in the README's order, with its
documented options, against a fresh demo database the README's own commands build, and its
output is checked. A command added to the README needs a check here (the test says so)."""

from __future__ import annotations

import csv
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result
from openpyxl import Workbook
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from huiqi.cli.main import app
from huiqi.kit.db import default_engine
from huiqi.kit.settings import get_settings
from huiqi.models.enterprise import enterprises
from huiqi.registry.catalog import load_catalog
from huiqi.registry.demo import demo_table
from huiqi.rules import load_policy_files

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2025-06-01"
runner = CliRunner()


def readme_commands() -> list[str]:
    """The command lines of the README's shell blocks, comments removed."""
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"),
                        re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith((".venv/bin/huiqi ", "python "))]


def _flat(text_: str) -> str:
    return "".join(text_.split())


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig") as f:
        return list(csv.reader(f))[1:]


def _items_in_force() -> int:
    return len(load_policy_files([ROOT / "policies"], load_catalog()).in_force(
        date.fromisoformat(AS_OF)))


class Demo:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.url = f"sqlite:///{tmp / 'huiqi.db'}"

    def scalar(self, sql: str) -> object:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql)).scalar()
        finally:
            engine.dispose()

    def usccs(self) -> set[str]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return set(conn.scalars(select(enterprises.c.uscc)))
        finally:
            engine.dispose()


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    """An empty working directory with the README's input files, and an empty database."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policies").symlink_to(ROOT / "policies")
    d = Demo(tmp_path)
    monkeypatch.setenv("HUIQI_DATABASE_URL", d.url)
    monkeypatch.setenv("HUIQI_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    default_engine.cache_clear()
    _enterprise_list(tmp_path / "企业名单.xlsx")
    _hotline(tmp_path / "转办单.xlsx")
    yield d
    default_engine().dispose()
    get_settings.cache_clear()
    default_engine.cache_clear()


def _enterprise_list(path: Path) -> None:
    """A statistical table as offices get them: a merged title, a note, the header on row 3."""
    book = Workbook()
    sheet = book.active
    sheet.append(["2025年东宝区重点企业名单"])
    sheet.merge_cells("A1:E1")
    sheet.append(["单位：万元、人"])
    sheet.append(["统一社会信用代码", "企业名称", "行政区划", "从业人员（人）", "营业收入（万元）"])
    for row in demo_table(30, seed=99).to_pylist():
        revenue = None if row["revenue"] is None else row["revenue"] / 10_000
        sheet.append([row["uscc"], row["name"], row["region"], row["employees"],
                      None if revenue is None else float(revenue)])
    sheet.append(["9142080", "坏代码公司", "420802", 5, 1])
    book.save(path)


HOTLINE_USCC = demo_table(30, seed=99).column("uscc")[0].as_py()


def _hotline(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "诉求类别", "诉求内容", "统一社会信用代码"])
    sheet.append(["12345-0001", "用工招聘", "急需叉车司机20名，请协助对接招聘会", HOTLINE_USCC])
    book.save(path)


# --- what each command must do -----------------------------------------------------------------

Check = Callable[[list[str], Result, Demo], None]


def _policy_check(args: list[str], result: Result, demo: Demo) -> None:
    assert result.exit_code == 0, result.output


def _demo_data(args: list[str], result: Result, demo: Demo) -> None:
    n = int(args[args.index("--n") + 1])
    if "--out" in args:
        out = Path(args[args.index("--out") + 1])
        import pyarrow.parquet as pq

        assert pq.read_table(out).num_rows == n and "申报事实" not in result.output
        if "--with-facts" in args:
            assert "equipment_investment" in pq.read_schema(out).names
    else:
        assert f"新增{n}" in _flat(result.output), result.output
        assert demo.scalar("SELECT count(*) FROM enterprises") == n


def _import(args: list[str], result: Result, demo: Demo) -> None:
    out = _flat(result.output)
    assert "表头在第3行" in out and "合并单元格的标题行" in out, result.output
    assert "应为18位" in out  # the bad row is reported, the 30 good ones imported
    assert HOTLINE_USCC in demo.usccs()
    if "--report" in args:
        from openpyxl import load_workbook

        report = load_workbook(args[args.index("--report") + 1])
        assert [r[0] for r in report["问题行"].iter_rows(values_only=True)] == ["行号", 34]


def _match(args: list[str], result: Result, demo: Demo) -> None:
    out = Path(args[args.index("--out") + 1])
    rows = _csv_rows(out)
    items = _items_in_force()
    assert items > 0 and all(r[0] for r in rows)
    if "--input" in args:
        import pyarrow.parquet as pq

        n = pq.read_table(args[args.index("--input") + 1]).num_rows
        assert len(rows) == n * items, result.output
        assert "--rejects" not in args or _csv_rows(Path(args[args.index("--rejects") + 1])) == []
    else:  # database mode: every enterprise × every item in force
        usccs = demo.usccs()
        assert len(rows) == len(usccs) * items and {r[0] for r in rows} == usccs
    assert f"结果已写入{out}" in _flat(result.output)


def _explain(args: list[str], result: Result, demo: Demo) -> None:
    out = _flat(result.output)
    assert args[1] in out and "结论：" in out, result.output


# start, n → the working day, and whether it is provisional (no State Council notice yet)
WORKDAYS = {("2025-09-30", "1"): ("2025-10-09", False),  # 国庆中秋 8 days
            ("2026-12-31", "1"): ("2027-01-04", True)}  # 元旦 on a Friday of 2027


def _add_workdays(args: list[str], result: Result, demo: Demo) -> None:
    due, provisional = WORKDAYS[(args[2], args[3])]
    assert due in result.output and ("暂定" in result.output) == provisional, result.output


def _policy_import(args: list[str], result: Result, demo: Demo) -> None:
    assert "发布" in result.output
    assert (demo.scalar("SELECT count(*) FROM policy_versions") or 0) > 0


def _tick(args: list[str], result: Result, demo: Demo) -> None:
    assert "诉求" in result.output


def _category_set(args: list[str], result: Result, demo: Demo) -> None:
    assert "用工招聘" in result.output


def _import_12345(args: list[str], result: Result, demo: Demo) -> None:
    assert "已导入1条" in _flat(result.output), result.output
    assert demo.scalar("SELECT count(*) FROM appeals WHERE hotline_ticket = '12345-0001'") == 1


CHECKS: dict[str, Check] = {
    "policy check": _policy_check, "demo-data": _demo_data, "import enterprises": _import,
    "match": _match, "explain": _explain, "calendar add-workdays": _add_workdays,
    "policy import": _policy_import, "tick": _tick, "appeals category-set": _category_set,
    "appeals import-12345": _import_12345,
}


def _check_for(args: list[str]) -> Check:
    for words in (" ".join(args[:2]), args[0]):
        if words in CHECKS:
            return CHECKS[words]
    raise AssertionError(f"README 命令 {' '.join(args)} 没有检查：请在 CHECKS 中加一项")


def test_every_readme_command_works_as_typed(demo: Demo) -> None:
    commands = readme_commands()
    huiqi = [shlex.split(c)[1:] for c in commands if c.startswith(".venv/bin/huiqi ")]
    assert len(huiqi) >= 12
    for args in huiqi:
        check = _check_for(args)
        result = runner.invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, f"huiqi {' '.join(args)}\n{result.output}"
        check(args, result, demo)
    assert demo.scalar("SELECT count(*) FROM match_results") != 0


def test_readme_benchmarks_start() -> None:
    """The benchmarks take minutes as typed; their scripts must at least start and parse."""
    scripts = [shlex.split(c)[1] for c in readme_commands() if c.startswith("python ")]
    assert scripts == ["bench/match.py", "bench/web.py"]
    for script in scripts:
        done = subprocess.run([sys.executable, script, "--help"], cwd=ROOT, capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr

