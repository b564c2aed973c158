"""Simulation: the threshold what-if agrees with a re-run at the new threshold, a sweep with
what-ifs, the CLI with the service, two versions side by side, and warnings when a draft's
region or dates leave it reaching nobody."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from huiqi.insights import service
from huiqi.kit.db import unit_of_work
from huiqi.kit.settings import PROJECT_ROOT
from huiqi.policies import service as policies
from tests.insights.conftest import AS_OF, TECH, TECH_FILE, World

THRESHOLD = "equipment_investment >= 5000000"


def _draft(tmp_path: Path, old: str, new: str, name: str = "draft.yaml") -> Path:
    text = TECH_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _key(item) -> str:  # type: ignore[no-untyped-def]
    return next(t.key for t in service.thresholds(item) if t.criterion == "设备投资达标")


def test_what_if_agrees_with_a_rerun_at_the_new_threshold(world: World, tmp_path: Path) -> None:
    with unit_of_work(world.engine) as db:
        item = policies.get_item(db, TECH).item
        for value in (Decimal(5500000), Decimal(1000000)):
            w = service.what_if(db, item, _key(item), value, AS_OF)
            rerun = service.draft_file(_draft(tmp_path, THRESHOLD,
                                              f"equipment_investment >= {value}"))
            (again,) = service.simulate(db, rerun.items, AS_OF)
            assert sorted(w.after.eligible_ids) == sorted(again.eligible_ids)
            assert (w.after.certain, w.after.upper, w.after.unknown) == \
                (again.certain, again.upper, again.unknown)
            (now,) = service.simulate(db, [item], AS_OF)
            assert sorted(w.before.eligible_ids) == sorted(now.eligible_ids)
            assert w.delta == again.certain - now.certain
    raised = service.what_if
    with unit_of_work(world.engine) as db:
        w = raised(db, item, _key(item), Decimal(5500000), AS_OF)
    assert w.removed >= 2 and w.added == 0 and w.delta < 0
    assert "门槛从500万提高到550万" in w.sentence() and "减少" in w.sentence()


def test_sweep_points_equal_what_ifs(world: World) -> None:
    with unit_of_work(world.engine) as db:
        item = policies.get_item(db, TECH).item
        values = [Decimal(1000000), Decimal(5000000), Decimal(5500000)]
        threshold, points = service.sweep(db, item, _key(item), values, AS_OF)
        for value, sim in points:
            w = service.what_if(db, item, threshold.key, value, AS_OF)
            assert (sim.eligible, sim.certain) == (w.after.eligible, w.after.certain)
    counts = [s.eligible for _, s in points]
    assert counts[0] >= counts[1] > counts[2]  # a higher threshold never reaches more
    chart = service.sweep_chart(threshold, points)
    assert chart["series"][0]["data"] == counts  # type: ignore[index]


def test_cost_band_and_drivers(world: World) -> None:
    with unit_of_work(world.engine) as db:
        item = policies.get_item(db, TECH).item
        (sim,) = service.simulate(db, [item], AS_OF)
        eligible = service.targeting(db, item, AS_OF, segment="eligible")
    assert sim.eligible == eligible.counts["eligible"] > 0
    assert sim.certain == eligible.amount_total
    assert sim.upper >= sim.certain
    assert sim.unknown == 0 or sim.drivers
    assert sum(s.count for s in sim.by_band) == sim.eligible
    assert sum(s.amount for s in sim.by_street) == sim.certain
    assert sim.expected == (sim.certain * sim.take_up).quantize(Decimal("0.01"))


def test_cli_simulate_matches_the_service(world: World, tmp_path: Path) -> None:
    draft = _draft(tmp_path, THRESHOLD, "equipment_investment >= 4000000")
    env = {**os.environ, "HUIQI_DATABASE_URL": world.url,
           "PYTHONPATH": str(PROJECT_ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "huiqi.cli.main", "insights", "simulate", str(draft), "--json",
         "--as-of", AS_OF.isoformat(), "--what-if",
         f"{TECH}:设备投资达标:equipment_investment=3000000"],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    with unit_of_work(world.engine) as db:
        (sim,) = service.simulate(db, service.draft_file(draft).items, AS_OF)
    (cli,) = out["simulations"]
    assert (cli["eligible"], cli["unknown"], Decimal(cli["certain"]), Decimal(cli["upper"])) == \
        (sim.eligible, sim.unknown, sim.certain, sim.upper)
    assert "门槛从400万降到300万" in out["what_if"][0]["sentence"]


def test_compare_names_who_loses_and_why(world: World, tmp_path: Path) -> None:
    draft = service.draft_file(_draft(tmp_path, THRESHOLD, "equipment_investment >= 5500000"))
    with unit_of_work(world.engine) as db:
        current = [v.item for v in [policies.find_item(db, TECH)] if v is not None]
        (c,) = service.compare(db, current, draft.items, AS_OF)
    assert c.gainers == []
    assert len(c.losers) >= 2 and {x.uscc for x in c.losers} <= set(world.moved)
    assert all(x.criteria == "设备投资达标" and x.before == "可享受" for x in c.losers)
    assert c.rules == [("设备投资达标", THRESHOLD, "equipment_investment >= 5500000")]


def test_warns_when_region_or_dates_reach_nobody(world: World, tmp_path: Path) -> None:
    away = service.draft_file(_draft(tmp_path, 'region: "420802"', 'region: "110105"', "a.yaml"))
    ended = service.draft_file(_draft(tmp_path, "effective_to: 2025-12-31",
                                      "effective_to: 2025-03-31", "b.yaml"))
    later = service.draft_file(_draft(tmp_path, "effective_from: 2025-01-01",
                                      "effective_from: 2025-09-01", "c.yaml"))
    with unit_of_work(world.engine) as db:
        (a,) = service.simulate(db, away.items, AS_OF)
        (b,) = service.simulate(db, ended.items, AS_OF)
        (c,) = service.simulate(db, later.items, AS_OF)
    assert a.in_scope == 0 and a.eligible == 0
    assert any("不会覆盖任何企业" in w for w in a.warnings)
    assert any("已于 2025-03-31 失效" in w for w in b.warnings)
    assert c.as_of.isoformat() == "2025-09-01" and any("按施行日测算" in w for w in c.warnings)
