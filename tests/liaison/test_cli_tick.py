"""`huiqi liaison import-assignments` through the real entry point (bad rows reported by row
number, the rest imported, exit 1), and the visit-plan reminder of `tasks.tick` (once)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from huiqi.cli import liaison_cmd
from huiqi.cli.main import app
from huiqi.kit.db import unit_of_work
from huiqi.liaison import service, tasks
from huiqi.models.liaison_assignment import LiaisonAssignment
from huiqi.models.notification import Notification
from tests.liaison.worlds import OFFICE, _official

runner = CliRunner()


def test_import_assignments_cli(app_engine: Engine, register: Callable[..., str], clock: Any,
                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(liaison_cmd, "default_engine", lambda: app_engine)
    good = register()
    with unit_of_work(app_engine) as db:
        service.save_tier(db, OFFICE, clock, code="grid", name="全部", official_label="",
                          rule="TRUE", stale_days=30)
        official = _official(db, f"cli-{good[-6:]}", "观音桥街道")
    path = tmp_path / "名单.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["统一社会信用代码", "包联干部账号", "层级代码"])
        out.writerows([[good, official.username, "grid"], ["91500105XXXXXXXXXX", "x", "grid"]])
    result = runner.invoke(app, ["liaison", "import-assignments", str(path)])
    assert result.exit_code == 1, result.output
    assert "导入 1 行" in result.output and "第 3 行" in result.output
    with unit_of_work(app_engine) as db:
        assert db.scalar(select(LiaisonAssignment.id).where(
            LiaisonAssignment.enterprise_uscc == good))


def test_plan_reminded_once_the_day_before(app_engine: Engine, register: Callable[..., str],
                                           clock: Any) -> None:
    uscc = register()
    with unit_of_work(app_engine) as db:
        service.save_tier(db, OFFICE, clock, code="grid", name="全部", official_label="",
                          rule="TRUE", stale_days=30)
        official = _official(db, f"tick-{uscc[-6:]}", "观音桥街道")
        service.assign(db, OFFICE, clock, uscc=uscc, official=official.username, tier="grid")
        service.plan(db, official, clock, uscc, (clock.today_local() + timedelta(days=3))
                     .isoformat(), "回访")
    with unit_of_work(app_engine) as db:
        assert tasks.tick(db, clock).reminded == 0  # three days ahead: not yet
    clock.advance(days=2)
    with unit_of_work(app_engine) as db:
        assert tasks.tick(db, clock).reminded == 1
    with unit_of_work(app_engine) as db:
        assert tasks.tick(db, clock).reminded == 0  # once
        notes = db.scalars(select(Notification.title).where(
            Notification.user_id == official.user_id)).all()
        assert notes == ["走访计划提醒"]
