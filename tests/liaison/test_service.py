"""Tiers, import (per-row errors), coverage, handover, 无事不扰 and the three rates on a small
lw whose figures are checked by hand (see the table in `lw`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.liaison import service
from huiqi.models.liaison import LiaisonHandover
from tests.liaison.worlds import OFFICE, _official


def test_import_reports_each_bad_row_and_imports_the_rest(lw: dict[str, Any]) -> None:
    report = lw["report"]
    assert report.imported == 4
    assert [e.row for e in report.errors] == [6, 7, 8, 9, 10]
    messages = {e.row: e.reason for e in report.errors}
    assert "nobody" in messages[6] and "企业库中没有" in messages[7]
    assert "无效" in messages[8] and "nope" in messages[9]
    assert messages[10] == "缺少包联干部账号、层级代码"
    # each kind of refusal has its own stable code, the same names as the other imports
    assert [(e.row, e.code) for e in report.errors] == [
        (6, "unknown_official"), (7, "unknown_uscc"), (8, "invalid_uscc"), (9, "unknown_tier"),
        (10, "missing_official")]


def test_bad_tier_rule_is_refused_in_chinese(app_engine: Engine, clock: Any) -> None:
    with unit_of_work(app_engine) as db, pytest.raises(ValidationFailed) as exc:
        service.save_tier(db, OFFICE, clock, code="x", name="x", official_label="",
                          rule="loan_amount > 0", stale_days=30)
    assert "只能使用企业画像字段" in exc.value.message
    with unit_of_work(app_engine) as db, pytest.raises(ValidationFailed):
        service.save_tier(db, OFFICE, clock, code="y", name="y", official_label="",
                          rule="no_such_field = 1", stale_days=30)


def test_coverage_lists_unassigned_per_tier(app_engine: Engine, lw: dict[str, Any],
                                            clock: Any) -> None:
    e = lw["e"]
    found = {}
    with unit_of_work(app_engine) as db:
        for tier in service.coverage(db, clock):
            found[tier.tier.code] = next(c for c in service.coverage(
                db, clock, per_page=1000, tier_id=tier.tier.id) if c.tier.id == tier.tier.id)
    key_missing = {r.uscc for r in found["key"].uncovered} & set(e)
    all_missing = {r.uscc for r in found["all"].uncovered} & set(e)
    assert found["all"].uncovered_total == len(found["all"].uncovered)
    assert key_missing == {e[1]} and all_missing == {e[3]}


def test_visit_for_an_enterprise_not_assigned_is_404(app_engine: Engine,
                                                     lw: dict[str, Any], clock: Any) -> None:
    with unit_of_work(app_engine) as db, pytest.raises(NotFound):
        service.log(db, lw["l1"], clock, None, lw["e"][2],
                    service.VisitIn(contacted_on=clock.today_local().isoformat()))


def test_frequency_warning_fires_above_the_set_count(app_engine: Engine,
                                                     lw: dict[str, Any], clock: Any) -> None:
    e, l2 = lw["e"], lw["l2"]
    today = clock.today_local()
    with unit_of_work(app_engine) as db:
        service.save_settings(db, OFFICE, clock, 2, 30)
    warnings = []
    for i in range(3):
        with unit_of_work(app_engine) as db:
            logged = service.log(db, l2, clock, None, e[2], service.VisitIn(
                channel="phone", contacted_on=(today - timedelta(days=i)).isoformat()))
            warnings.append(logged.warning)
    assert warnings[:2] == [None, None]
    assert warnings[2] is not None and "3 次" in warnings[2] and "2 次" in warnings[2]


def test_handover_keeps_history(app_engine: Engine, lw: dict[str, Any], clock: Any) -> None:
    e, l1, l2 = lw["e"], lw["l1"], lw["l2"]
    with unit_of_work(app_engine) as db:
        l3 = _official(db, f"l3-{e[0][-5:]}", "区经信委")
        moved = service.handover_all(db, OFFICE, clock, from_official=l1.username,
                                     to_official=l3.username, reason="调岗")
        assert moved == 1
        rows = db.scalars(select(LiaisonHandover).where(
            LiaisonHandover.enterprise_uscc == e[0], LiaisonHandover.to_user_id == l3.user_id)
        ).all()
        assert len(rows) == 1 and rows[0].from_user_id == l1.user_id
    with unit_of_work(app_engine) as db, pytest.raises(NotFound):
        service.access_enterprise(db, l1, e[0], write=True)
    assert l2


def test_campaign_figures_come_from_the_logs(app_engine: Engine, lw: dict[str, Any],
                                             clock: Any) -> None:
    e, l1, l2 = lw["e"], lw["l1"], lw["l2"]
    today = clock.today_local()
    with unit_of_work(app_engine) as db:
        c = service.create_campaign(db, OFFICE, clock, name="走访周",
                                    starts_on=(today - timedelta(days=6)).isoformat(),
                                    ends_on=today.isoformat(), targets=[e[0], e[1]])
        service.log(db, l1, clock, None, e[0], service.VisitIn(
            contacted_on=today.isoformat(), materials="3", cards="2", problems="缺工"))
        service.log(db, l2, clock, None, e[2], service.VisitIn(
            channel="phone", contacted_on=today.isoformat(), materials="1",
            campaign_id=c.id))
        service.log(db, l2, clock, None, e[1], service.VisitIn(
            contacted_on=(today - timedelta(days=20)).isoformat()))  # before the campaign
        f = service.figures(db, c.id)
    assert (f.targets, f.contacts, f.enterprises, f.officials) == (2, 2, 2, 2)
    assert (f.materials, f.cards, f.problems, f.targets_reached) == (4, 2, 1, 1)
