"""`huiqi projects import`, `tick` and `templates` through the real entry point, on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from huiqi.cli import projects_cmd
from huiqi.cli.main import app
from huiqi.kit.excel import write_csv
from huiqi.models.audit import AuditLog
from huiqi.models.project import Project
from tests.projects.conftest import World

pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
runner = CliRunner()


@pytest.fixture(autouse=True)
def _cli_db(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projects_cmd, "default_engine", lambda: world.engine)


def flat(text: str) -> str:
    return "".join(text.split())


def test_import_reports_each_bad_row_and_keeps_the_good_ones(world: World, tmp_path: Path
                                                              ) -> None:
    path = write_csv(tmp_path / "projects.csv", [
        ["项目名称", "企业名称", "所在区", "签约日期", "项目类型", "代办员"],
        ["巴南冷链物流项目", "冷链物流有限公司", "巴南区", "2025-09-22", "租赁厂房类项目",
         "agent1"],
        ["", "无名公司", "500113", "2025-09-22", "", ""],
        ["区划错误项目", "某公司", "5001", "2025-09-22", "", ""],
        ["类型错误项目", "某公司", "500113", "2025-09-22", "商住", ""]])
    result = runner.invoke(app, ["projects", "import", str(path)])
    out = flat(result.output)
    assert result.exit_code == 1
    assert "共4行，已导入1个项目，错误3行" in out
    assert "第3行：请填写「项目名称」" in out
    assert "第4行：所在区应为6位行政区划代码" in out
    assert "第5行：未知的项目类型「商住」" in out
    with world.tx() as s:
        rows = [(p.name, p.project_type, p.region) for p in s.scalars(select(Project))]
        assert rows == [("巴南冷链物流项目", "lease", "500113")]
        assert s.scalar(select(AuditLog.actor_username).where(
            AuditLog.action == "project.import")).startswith("cli:")


def test_import_prints_each_bad_row_with_its_code_and_writes_the_rejects(
        world: World, tmp_path: Path) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    path = write_csv(tmp_path / "projects.csv", [
        ["项目名称", "企业名称", "所在区", "签约日期", "统一社会信用代码"],
        ["巴南冷链物流项目", "冷链物流有限公司", "巴南区", "2025-09-22", ""],
        ["坏日期项目", "某公司", "500113", "2025-02-30", ""],
        ["坏代码项目", "某公司", "500113", "2025-09-22", "91500113MA0000000X"],
        ["", "无名公司", "500113", "2025-09-22", ""]])
    rejects = tmp_path / "rejects.xlsx"
    result = runner.invoke(app, ["projects", "import", str(path), "--rejects", str(rejects)])
    out = flat(result.output)
    assert result.exit_code == 1
    assert "共4行，已导入1个项目，错误3行" in out
    assert "第3行：签约日期「2025-02-30」不是有效日期" in out and "（bad_date）" in out
    assert "（bad_uscc）" in out and "第5行：请填写「项目名称」。（missing_name）" in out
    rows = list(load_workbook(BytesIO(rejects.read_bytes())).active.iter_rows(values_only=True))
    assert rows[0][-2:] == ("错误原因", "错误代码")
    assert [(r[0], r[1], r[-1]) for r in rows[1:]] == [
        (3, "坏日期项目", "bad_date"), (4, "坏代码项目", "bad_uscc"), (5, None, "missing_name")]
    with world.tx() as s:
        assert list(s.scalars(select(Project.name))) == ["巴南冷链物流项目"]


def test_tick_and_templates(world: World) -> None:
    world.project()
    result = runner.invoke(app, ["projects", "tick", "--date", "2025-09-29"])
    assert result.exit_code == 0, result.output
    assert "超期升级牵头领导1件" in flat(result.output)  # 注册 was due Sun 28 Sep
    listing = runner.invoke(app, ["projects", "templates"])
    assert listing.exit_code == 0 and "拿地自建产业类项目" in listing.output
