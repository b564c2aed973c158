"""The kept membership and flags (liaison_members): caught up incrementally they equal a full
rebuild; the kept-days figures equal the events' for a period that runs to today; the 礼包 page
records one opening per enterprise and day (知晓) without a write on every GET; the official's
home panel and the rates chart."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event, func, select

from huiqi.kit.db import unit_of_work
from huiqi.liaison import rates_repository as rr
from huiqi.liaison import service
from huiqi.liaison.rates import tier_sql
from huiqi.matching import repository as matching_repo
from huiqi.models.liaison import LiaisonMember
from huiqi.models.pack_opening import PackOpening
from huiqi.registry import service as registry
from tests.liaison.conftest import PROFILE
from tests.liaison.worlds import OFFICE, _contacts, _grant


def _rows(db: Any) -> list[tuple[Any, ...]]:
    m = LiaisonMember
    return [tuple(r) for r in db.execute(select(
        m.tier_id, m.enterprise_uscc, m.enterprise_id, m.street, m.assigned, m.user_id,
        m.last_contact, m.last_told, m.last_opened, m.eligible, m.benefited)
        .order_by(m.tier_id, m.enterprise_uscc))]


def test_catch_up_equals_a_full_rebuild(app_engine: Engine, lw: dict[str, Any],
                                        clock: Any) -> None:
    e, today = lw["e"], clock.today_local()
    with unit_of_work(app_engine) as db:
        tier_sql(db, today)  # the first catch-up: every tier built
        before = rr.by_tier(db, today - timedelta(days=6), today)
    assert before[lw["key"]].members == 2 and before[lw["key"]].covered == 0
    _contacts(app_engine, lw, clock)  # new contacts (one explains a policy)
    with unit_of_work(app_engine) as db:
        service.assign(db, OFFICE, clock, uscc=e[1], official=lw["l1"].username, tier="key")
        registry.upsert(db, {"uscc": e[2], "name": "改为高新", **PROFILE, "high_tech": True,
                             "street": "A街道"})  # now a member of the key tier
        _grant(db, e[1], clock)
        matching_repo.record_opening(db, e[3], today)
    with unit_of_work(app_engine) as db:
        redone = rr.sync(db, [t for _, t in tier_sql(db, today)])
        assert redone == 0  # tier_sql caught up already
        kept = _rows(db)
        per_tier = rr.by_tier(db, today - timedelta(days=6), today)
        events = rr.by_tier(db, today - timedelta(days=6), today, kept=False)
    with unit_of_work(app_engine) as db:
        rr.sync(db, [t for _, t in tier_sql(db, today)], full=True)
        assert _rows(db) == kept
    assert per_tier == events
    key = per_tier[lw["key"]]
    # E1, E2 and now E3 are high-tech; E1 (l1, visited) and E2 (l1 now) are assigned at key
    assert (key.members, key.assigned, key.covered, key.aware) == (3, 2, 1, 1)
    everyone, was = per_tier[rr.EVERYONE], before[rr.EVERYONE]
    assert everyone.aware - was.aware == 2  # E1 told in a visit, E4 opened its 礼包
    assert (everyone.eligible, everyone.benefited) == (was.eligible, was.benefited + 1)


def test_a_past_period_reads_the_events(app_engine: Engine, lw: dict[str, Any],
                                        clock: Any) -> None:
    """A contact after the period's end must not hide one inside it."""
    e, today = lw["e"], clock.today_local()
    _contacts(app_engine, lw, clock)  # E1 visited today, E3 phoned yesterday (by l2)
    with unit_of_work(app_engine) as db:  # and phoned again today: its last contact
        service.log(db, lw["l2"], clock, None, e[2], service.VisitIn(
            channel="phone", contacted_on=today.isoformat()))
    with unit_of_work(app_engine) as db:
        r = service.report(db, today - timedelta(days=3), today - timedelta(days=1),
                           today=today)
    l2 = {x.label: x for x in r.league}[lw["l2"].username]
    assert (l2.members, l2.coverage.numerator) == (3, 1)  # E3 (yesterday) of E1, E2, E3


def test_the_pack_page_records_one_opening_a_day(app_engine: Engine, register: Callable[..., str],
                                                 logged_in: Callable[..., Any],
                                                 clock: Any) -> None:
    uscc = register(high_tech=True)
    with unit_of_work(app_engine) as db:
        service.save_tier(db, OFFICE, clock, code="grid", name="全部市场主体",
                          official_label="网格专员", rule="TRUE", stale_days=30)
    today = clock.today_local()

    def aware() -> int:
        with unit_of_work(app_engine) as db:
            return service.report(db, today, today, today=today).overall.awareness.numerator

    first = aware()
    inserts: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO PACK_OPENINGS"):
            inserts.append(statement)

    event.listen(app_engine, "before_cursor_execute", seen)
    try:
        ent = logged_in("enterprise", enterprise_uscc=uscc)
        for _ in range(3):
            assert ent.get("/gift-pack").status_code == 200
    finally:
        event.remove(app_engine, "before_cursor_execute", seen)
    assert len(inserts) == 1  # one cheap write, not one per GET
    with unit_of_work(app_engine) as db:
        assert db.scalar(select(func.count()).select_from(PackOpening)
                         .where(PackOpening.enterprise_uscc == uscc)) == 1
    assert aware() == first + 1


def test_home_panel_and_rates_chart(app_engine: Engine, lw: dict[str, Any], clock: Any,
                                    logged_in: Callable[..., Any]) -> None:
    _contacts(app_engine, lw, clock)
    page = logged_in("office").get("/liaison/rates").text
    chart = re.search(r"id=\"rates-chart\" data-echarts='([^']*)'", page)
    assert chart is not None
    option = json.loads(html.unescape(chart.group(1)))
    assert [s["name"] for s in option["series"]] == ["覆盖率", "知晓率", "受益率"]
    assert option["xAxis"]["data"][0] == "全部" and "重点企业" in option["xAxis"]["data"]
    today = clock.today_local()
    with unit_of_work(app_engine) as db:
        key = service.report(db, today - timedelta(days=6), today, today=today).by_tier[0]
    at = option["xAxis"]["data"].index(key.label)
    assert key.coverage.value is not None
    assert option["series"][0]["data"][at] == round(key.coverage.value * 100, 1)

    official = logged_in("liaison")
    with unit_of_work(app_engine) as db:
        for uscc in lw["e"][2:]:  # E3 phoned yesterday, E4 never contacted
            service.assign(db, OFFICE, clock, uscc=uscc, official=official.creds.username,
                           tier="all")
        service.plan(db, _actor(db, official.creds.id), clock,
                     lw["e"][3], (today + timedelta(days=2)).isoformat(), "送政策指南")
    home = official.get("/").text
    assert re.search(r'id="home-enterprises">2 家<', home)
    assert re.search(r'id="home-plans">1 次<', home)
    reminders = home[home.index('id="home-reminders"'):]
    # the panel has no request clock: the plan is due or overdue by the system's date
    assert (today + timedelta(days=2)).isoformat() in reminders and "送政策指南" in reminders
    assert "从未联系" in reminders  # E4: never contacted, listed first


def _actor(db: Any, user_id: int) -> Any:
    from huiqi.auth.actor import Actor
    from huiqi.models.user import User

    user = db.get(User, user_id)
    assert user is not None
    return Actor.of(user)
