"""`huiqi appeals import-12345`, `categories` and `category-set` through the real entry point
(Typer's CliRunner), on SQLite."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from huiqi.cli import appeals_cmd
from huiqi.cli.main import app
from huiqi.models.appeal import Appeal
from huiqi.models.appeal_category import AppealCategory
from huiqi.models.audit import AuditLog
from tests.appeals.conftest import World, make_uscc

pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
runner = CliRunner()


@pytest.fixture(autouse=True)
def _cli_db(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(appeals_cmd, "default_engine", lambda: world.engine)


def flat(text: str) -> str:
    return "".join(text.split())


def hotline_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["工单编号", "统一社会信用代码", "诉求类别", "诉求内容"])
        out.writerows(rows)
    return path


def test_import_reports_every_bad_row_and_exits_non_zero(world: World, tmp_path: Path) -> None:
    file = hotline_csv(tmp_path / "12345转办.csv", [
        ["GD01", make_uscc(1), "用工招聘", "招工难"],
        ["", make_uscc(1), "用工招聘", "无工单号"],
        ["GD03", make_uscc(2), "飞行许可", "类别错误"],
        ["GD01", make_uscc(1), "用工招聘", "同一文件内重复"],
        ["GD05", make_uscc(2), "融资信贷", "贷款利率高"],
    ])
    first = runner.invoke(app, ["appeals", "import-12345", str(file)])
    assert first.exit_code == 1, first.output
    out = flat(first.output)
    assert "共4行" not in out and "共5行，已导入2条，重复跳过1条，错误2行" in out
    assert "重复工单：GD01" in out
    assert "第3行：缺少工单编号。" in out and "第4行：未知的诉求类别「飞行许可」" in out
    with world.tx() as s:  # the good rows were kept, by the command line as the office
        assert sorted(s.scalars(select(Appeal.hotline_ticket))) == ["GD01", "GD05"]
        row = s.scalars(select(AuditLog).where(AuditLog.action == "appeal.hotline_import")).one()
        assert row.actor_username.startswith("cli:")
    again = runner.invoke(app, ["appeals", "import-12345", str(file)])
    assert again.exit_code == 1 and "已导入0条，重复跳过3条，错误2行" in flat(again.output)
    good = hotline_csv(tmp_path / "good.csv", [["GD09", make_uscc(2), "用工招聘", "缺电工"]])
    clean = runner.invoke(app, ["appeals", "import-12345", str(good)])
    assert clean.exit_code == 0 and "已导入1条，重复跳过0条，错误0行" in flat(clean.output)
    bad = runner.invoke(app, ["appeals", "import-12345", str(tmp_path / "x.csv")])
    assert bad.exit_code != 0
    (tmp_path / "x.txt").write_text("hello", encoding="utf-8")
    wrong = runner.invoke(app, ["appeals", "import-12345", str(tmp_path / "x.txt")])
    assert wrong.exit_code == 1 and "不支持的文件类型" in flat(wrong.output)


def test_categories_list_and_set(world: World) -> None:
    listed = runner.invoke(app, ["appeals", "categories"])
    assert listed.exit_code == 0, listed.output
    assert ("labour\t用工招聘\t签收 1 个工作日\t办结 5 个工作日\t"
            "常用部门：区人力社保局、区经济信息委\t启用") in listed.output.splitlines()
    changed = runner.invoke(app, ["appeals", "category-set", "finance", "--sign", "2",
                                  "--resolve", "15", "--departments", "tax,区经济信息委"])
    assert changed.exit_code == 0, changed.output
    assert "已修改类别finance「融资信贷」：签收2个工作日，办结15个工作日，常用部门tax、econ" \
        in flat(changed.output)
    created = runner.invoke(app, ["appeals", "category-set", "permit", "--name", "审批许可",
                                  "--sign", "1", "--resolve", "10",
                                  "--departments", "market", "--departments", "econ"])
    assert created.exit_code == 0 and "已新建类别permit「审批许可」" in flat(created.output)
    with world.tx() as s:
        rows = {c.code: c for c in s.scalars(select(AppealCategory))}
        assert (rows["finance"].sign_within_workdays, rows["finance"].resolve_within_workdays,
                rows["finance"].usual_departments) == (2, 15, ["tax", "econ"])
        assert rows["permit"].usual_departments == ["market", "econ"]
    missing = runner.invoke(app, ["appeals", "category-set", "new", "--sign", "1"])
    assert missing.exit_code != 0 and "新建时请给出" in flat(missing.output)
    bad_dept = runner.invoke(app, ["appeals", "category-set", "finance", "--departments", "无此局"])
    assert bad_dept.exit_code == 1 and "部门「无此局」不存在" in flat(bad_dept.output)
    bad_rule = runner.invoke(app, ["appeals", "category-set", "finance", "--resolve", "0"])
    assert bad_rule.exit_code == 1
    with world.tx() as s:
        assert s.scalars(select(AppealCategory).where(AppealCategory.code == "finance")
                         ).one().resolve_within_workdays == 15
