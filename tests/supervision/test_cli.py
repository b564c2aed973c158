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
