"""A fresh migrated database per test (SQLite copied from a template, PostgreSQL emptied) and a
small world: departments, accounts of every role, two enterprises, categories, a liaison link."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from stdnum.cn import uscc as uscc_number

from huiqi.appeals import categories, intake
from huiqi.auth.actor import Actor
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.registry import service as registry
from tests.fixtures.pages import pages  # noqa: F401 - fixture
from tests.fixtures.service_db import *  # noqa: F403
from tests.fixtures.world import ServiceWorld, add_departments, world_settings
from tests.fixtures.world import add_user as _user

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



@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    settings = world_settings(engine, tmp_path)
    clock = FixedClock(START)
    actors: dict[str, Actor] = {}
    with unit_of_work(engine) as s:
        depts, handlers = add_departments(s, DEPARTMENTS)
        actors.update(handlers)
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
