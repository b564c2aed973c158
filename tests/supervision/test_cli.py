"""`huiqi supervision replay PLAN` reproduces the draw byte for byte; `export` + `replay-files`
do the same from the published files alone, and a tampered file is refused."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from huiqi.cli import supervision_cmd
from huiqi.cli.main import app
from huiqi.models.supervision import Plan
from tests.supervision.test_plans import VALUE, commit, draw_plan, make_plan

pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
runner = CliRunner()


@pytest.fixture(autouse=True)
def _cli_db(world, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervision_cmd, "default_engine", lambda: world.engine)


def test_replay_and_replay_from_files(world, tmp_path) -> None:
    plan_id = make_plan(world)
    commit(world, plan_id)
    draw_plan(world, plan_id)
    with world.tx() as s:
        published = s.get(Plan, plan_id).result_sha256
    out = tmp_path / "again.tsv"
    result = runner.invoke(app, ["supervision", "replay", str(plan_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "一致：逐字节相同" in result.output and published in result.output
    assert out.read_bytes().startswith(b"#huiqi-draw-v1")
    assert runner.invoke(app, ["supervision", "export", str(plan_id),
                               str(tmp_path / "pub")]).exit_code == 0
    files = [str(tmp_path / "pub" / n) for n in ("commitment.json", "population.tsv",
                                                 "officers.tsv")]
    ok = runner.invoke(app, ["supervision", "replay-files", *files, "--beacon", VALUE,
                             "--expect", published])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "pub" / "result.tsv").read_bytes() == out.read_bytes()
    wrong = runner.invoke(app, ["supervision", "replay-files", *files, "--beacon", "ff" * 32,
                                "--expect", published])
    assert wrong.exit_code == 1 and "不一致" in wrong.output
    pop = tmp_path / "pub" / "population.tsv"
    pop.write_text(pop.read_text("utf-8").replace("\tA\t", "\tD\t", 1), "utf-8")
    tampered = runner.invoke(app, ["supervision", "replay-files", *files, "--beacon", VALUE])
    assert tampered.exit_code == 1 and "SHA-256" in tampered.output


def test_cli_imports_report_each_bad_row_with_its_code_and_import_the_rest(world,
                                                                           tmp_path) -> None:
    from huiqi.kit import excel
    from huiqi.models.supervision import CreditGrade, Officer
    from tests.supervision.conftest import make_uscc

    officers = tmp_path / "名录.xlsx"
    officers.write_bytes(excel.workbook_bytes("导入", ["姓名", "部门", "执法证号", "有效期至",
                                                     "执法领域"], [
        ["赵一", "market", "M-5001", "2028-01-31", "食品卫生"],
        ["赵二", "market", "M-5002", "2020-01-31", ""],  # expired
        ["赵三", "nowhere", "M-5003", "2028-01-31", ""]]))
    result = runner.invoke(app, ["supervision", "import-officers", str(officers)])
    assert result.exit_code == 1
    assert "已导入 1 行；2 行有错误未导入" in result.output
    assert "第 3 行\texpired_certificate\t执法证已于 2020-01-31 过期" in result.output
    assert "第 4 行\tunknown_department\t部门“nowhere”不存在" in result.output
    grades = tmp_path / "grades.csv"
    grades.write_text("统一社会信用代码,监管领域,来源,结果,生效日期\n"
                      f"{make_uscc(5)},市场监管,评定等级,B,2026-07-01\n"
                      "91500113MA99999999,市场监管,评定等级,A,2026-07-01\n", "utf-8")
    result = runner.invoke(app, ["supervision", "import-grades", str(grades)])
    assert result.exit_code == 1
    assert "第 3 行\tunknown_uscc\t统一社会信用代码 91500113MA99999999 不在企业库中" \
        in result.output
    items = tmp_path / "items.csv"
    items.write_text("部门,抽查事项,检查依据,检查内容,适用企业条件,抽查频次,监管领域\n"
                     "env,噪声排放抽查,《噪声污染防治法》,噪声,high_tech,每年一次,环保\n", "utf-8")
    ok = runner.invoke(app, ["supervision", "import-items", str(items)])
    assert ok.exit_code == 0 and "已导入 1 行；0 行有错误" in ok.output
    assert runner.invoke(app, ["supervision", "import-items", str(tmp_path / "no.xlsx")]
                         ).exit_code == 1
    with world.tx() as s:
        from sqlalchemy import select
        assert s.scalar(select(Officer).where(Officer.cert_no == "M-5001")).fields == ["food"]
        assert [g.grade for g in s.scalars(select(CreditGrade).where(
            CreditGrade.uscc == make_uscc(5), CreditGrade.source == "评定等级"))][-1] == "B"
