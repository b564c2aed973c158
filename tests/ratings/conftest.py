"""A fresh migrated database per test (SQLite and PostgreSQL) and a small world: two
departments with handlers, the office, the auditor, two enterprises, a window with staff, and a
finished appeal of enterprise A dispatched to 人社局."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.kit.settings import Settings
from huiqi.models.department import Department
from huiqi.ratings import service
from huiqi.registry import service as registry
from tests.appeals.conftest import make_uscc
from tests.fixtures.pages import pages  # noqa: F401 - fixture
from tests.fixtures.service_db import *  # noqa: F403
from tests.fixtures.world import ServiceWorld
from tests.fixtures.world import add_user as _user

# Friday 26 September 2025, 10:00 in Beijing; 国庆 1–8 October, 调休 workdays 28 Sep and 11 Oct.
START = datetime(2025, 9, 26, 2, 0, tzinfo=UTC)
SECRET = "test"


class World(ServiceWorld):
    """Ratings tests' world."""



@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    settings = Settings(data_dir=tmp_path / "data", database_url=str(engine.url),
                        secret_key=SECRET)
    clock = FixedClock(START)
    actors: dict[str, Actor] = {}
    with unit_of_work(engine) as s:
        hr = Department(code="hr", name="区人力社保局")
        market = Department(code="market", name="区市场监管局")
        s.add_all([hr, market])
        s.flush()
        actors["hr"] = _user(s, "hr1", "department", department_id=hr.id)
        actors["market"] = _user(s, "market1", "department", department_id=market.id)
        for role in ("office", "auditor", "liaison"):
            actors[role] = _user(s, f"{role}1", role)
        for n, key in ((1, "ent_a"), (2, "ent_b")):
            uscc = make_uscc(n)
            registry.upsert(s, {"uscc": uscc, "name": f"测试企业{n}有限公司", "region": "500107",
                                "legal_form": "enterprise", "industry_code": "C3841",
                                "size_class": "small"})
            actors[key] = _user(s, f"ent{n}", "enterprise", enterprise_uscc=uscc)
        service.create_window(s, actors["office"], clock, code="JLP-01", name="市场准入综合窗口",
                              department="market", place="九龙坡区政务服务中心一楼",
                              region="500107", items=["企业开办", "经营范围变更"],
                              staff=[{"no": "M001", "name": "李娜"}])
        appeals.create_category(s, actors["office"], clock, code="labour", name="用工招聘",
                                sign_within_workdays=1, resolve_within_workdays=5)
    return World(engine, clock, settings, actors)


def dispatched_appeal(world: World, who: str = "ent_a") -> int:
    """An appeal of `who`, dispatched to 人社局."""
    def go(s: Session) -> int:
        a = appeals.submit(s, world.actors[who], world.clock, appeals.AppealIn(
            category="用工招聘", title="招工难", description="需要焊工30名。"))
        appeals.act(s, world.office, world.clock, a.id, appeals.AppealAction.DISPATCH,
                    {"lead_department": "区人力社保局"})
        return a.id
    return world.do(go)
