"""`huiqi grants tick` and `huiqi grants budget`."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from huiqi.cli import grants_cmd
from huiqi.cli.main import app
from huiqi.grants import applications as apps
from huiqi.grants import review
from tests.grants.conftest import World, upload


def test_tick_and_budget_from_the_command_line(world: World,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grants_cmd, "default_engine", lambda: world.engine)
    gapped = world.do(apps.submit, world.ent_a, item_id="testville.rent",
                      files=[upload("房屋租赁合同")])
    world.do(review.accept_with_gaps, world.dept, gapped.id, ["营业执照"], due=date(2025, 6, 13))
    granted = world.do(apps.submit, world.ent_b, item_id="testville.rent")
    world.do(review.approve, world.dept, granted.id)
    runner = CliRunner()
    first = runner.invoke(app, ["grants", "tick", "--date", "2025-06-11"])
    assert first.exit_code == 0 and "已提醒 1 件，逾期失效 0 件" in first.output
    again = runner.invoke(app, ["grants", "tick", "--date", "2025-06-11"])
    assert "已提醒 0 件" in again.output
    late = runner.invoke(app, ["grants", "tick", "--date", "2025-06-16"])
    assert "逾期失效 1 件" in late.output
    assert world.do(apps.get, world.ent_a, gapped.id).status == "lapsed"
    table = runner.invoke(app, ["grants", "budget", "--year", "2025"], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert "100,000.00" in table.output and "70,000.00" in table.output
    bad = runner.invoke(app, ["grants", "tick", "--date", "6/11"])
    assert bad.exit_code != 0 and "不是有效日期" in bad.output
