"""A fresh migrated database per test (SQLite and PostgreSQL) and a small world for projects:
the departments the templates name, an agent, a second agent, a lead official, the office, the
auditor, a registered enterprise and the appeal category a blocked step is raised under."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from stdnum.cn import uscc as uscc_number

from huiqi.appeals import categories
from huiqi.auth.actor import Actor
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.projects import service
from huiqi.registry import service as registry
from tests.fixtures.pages import pages  # noqa: F401 - fixture
from tests.fixtures.service_db import *  # noqa: F403
from tests.fixtures.world import ServiceWorld, add_departments, world_settings
from tests.fixtures.world import add_user as _user

# Monday 22 September 2025, 10:00 in Beijing; 国庆 1–8 October (调休: Sun 28 Sep, Sat 11 Oct).
START = datetime(2025, 9, 22, 2, 0, tzinfo=UTC)
SIGNED = date(2025, 9, 22)
DEPARTMENTS = [("zs", "巴南区招商投资局"), ("sj", "巴南区市场监督管理局"),
               ("gh", "巴南区规划和自然资源局"), ("fg", "巴南区发展和改革委员会"),
               ("zj", "巴南区住房和城乡建设委员会"), ("jx", "巴南区经济和信息化委员会"),
               ("gd", "国网重庆巴南供电公司"), ("sw", "巴南区水务集团"),
               ("rq", "巴南区燃气公司"), ("tx", "巴南区通信发展办公室")]


def make_uscc(n: int) -> str:
    body = f"91500113MA{n:07d}"
    return body + uscc_number.calc_check_digit(body)


class World(ServiceWorld):
    """Projects tests' world (see tests/fixtures/world.py)."""

    def project(self, name: str = "巴南智能装备产业园项目", **kw: Any) -> int:
        data = service.ProjectIn(**{
            "name": name, "enterprise_name": "重庆巴南智能装备有限公司", "region": "500113",
            "signed_on": SIGNED, "enterprise_uscc": make_uscc(1), "amount": "120000000",
            "land_mu": "85.5", "industry_code": "C3841", "agent": "agent1", "lead": "lead1",
            **kw})
        return int(self.do(lambda s: service.create_project(s, self.office, self.clock,
                                                            data).id))



@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    settings = world_settings(engine, tmp_path)
    clock = FixedClock(START)
    actors: dict[str, Actor] = {}
    with unit_of_work(engine) as s:
        actors.update(add_departments(s, DEPARTMENTS)[1])
        for name, role in (("office1", "office"), ("auditor1", "auditor"), ("agent1", "agent"),
                           ("agent2", "agent"), ("lead1", "project_lead"),
                           ("liaison1", "liaison")):
            actors[name.rstrip("1")] = _user(s, name, role)
        registry.upsert(s, {"uscc": make_uscc(1), "name": "重庆巴南智能装备有限公司",
                            "region": "500113", "legal_form": "enterprise",
                            "industry_code": "C3841", "size_class": "medium"})
        categories.create_category(s, actors["office"], clock, code="permit", name="审批许可",
                                   sign_within_workdays=1, resolve_within_workdays=10)
    return World(engine, clock, settings, actors)
