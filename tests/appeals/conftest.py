"""A fresh migrated database per test (SQLite copied from a template, PostgreSQL emptied) and a
small world: departments, accounts of every role, two enterprises, categories, a liaison link."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_number

from huiqi.appeals import categories, intake
from huiqi.auth.actor import Actor
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.kit.settings import Settings
from huiqi.models.department import Department
from huiqi.models.user import User
from huiqi.registry import service as registry
from tests.fixtures.service_db import *  # noqa: F403
from tests.fixtures.world import ServiceWorld

# Monday 22 September 2025, 10:00 in Beijing; 国庆 starts 1 October (调休: 28 Sep, 11 Oct).
START = datetime(2025, 9, 22, 2, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_uscc(n: int) -> str:
    body = f"91500105MA{n:07d}"
    return body + uscc_number.calc_check_digit(body)



class World(ServiceWorld):
    """Appeals tests' world (see tests/fixtures/world.py)."""


DEPARTMENTS = [("hr", "区人力社保局"), ("econ", "区经济信息委"), ("tax", "区税务局"),
               ("market", "区市场监管局")]


def _user(s: Session, username: str, role: str, **kw: Any) -> Actor:
    user = User(username=username, display_name=f"{username}", role=role, password_hash="!",
                **kw)
    s.add(user)
    s.flush()
    return Actor.of(user)


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    settings = Settings(data_dir=tmp_path / "data", database_url=str(engine.url),
                        secret_key="test", upload_max_bytes=64 * 1024)
    clock = FixedClock(START)
    actors: dict[str, Actor] = {}
    with unit_of_work(engine) as s:
        depts = {code: Department(code=code, name=name) for code, name in DEPARTMENTS}
        s.add_all(depts.values())
        s.flush()
        for code, dept in depts.items():
            actors[code] = _user(s, f"{code}1", "department", department_id=dept.id)
        actors["hr2"] = _user(s, "hr2", "department", department_id=depts["hr"].id)
        for role in ("office", "auditor", "liaison"):
            actors[role] = _user(s, f"{role}1", role)
        actors["liaison2"] = _user(s, "liaison2", "liaison")
        for n, key in ((1, "ent_a"), (2, "ent_b")):
            uscc = make_uscc(n)
            registry.upsert(s, {"uscc": uscc, "name": f"测试企业{n}有限公司", "region": "500105",
                                "legal_form": "enterprise", "industry_code": "C3841",
                                "size_class": "small"})
            actors[key] = _user(s, f"ent{n}", "enterprise", enterprise_uscc=uscc)
        office = actors["office"]
        categories.create_category(s, office, clock, code="labour", name="用工招聘",
                                   sign_within_workdays=1, resolve_within_workdays=5,
                                   usual_departments=["hr", "econ"])
        categories.create_category(s, office, clock, code="finance", name="融资信贷",
                                   sign_within_workdays=1, resolve_within_workdays=10)
        intake.assign_liaison(s, office, clock, actors["liaison"].user_id, make_uscc(1))
    return World(engine, clock, settings, actors)


def raise_appeal(world: World, who: str = "ent_a", **kw: Any) -> int:
    data = intake.AppealIn(**{"category": "用工招聘", "title": "招工难，缺少熟练焊工",
                              "description": "今年扩产需要焊工30名，招聘困难，希望协助对接。",
                              **kw})
    return world.do(lambda s: intake.submit(s, world.actors[who], world.clock, data).id)
