"""A small supervision world: two departments, the office, a supervisor and inspectors per
department, 40 enterprises with grades, officers in the 名录库, 包容免罚 entries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_number

from huiqi.auth.actor import Actor
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.models.department import Department
from huiqi.models.supervision import CreditGrade
from huiqi.registry import service as registry
from huiqi.supervision import catalogs
from tests.fixtures.pages import pages  # noqa: F401 - fixture
from tests.fixtures.service_db import *  # noqa: F403
from tests.fixtures.world import ServiceWorld, world_settings
from tests.fixtures.world import add_user as _user

# Tuesday 1 December 2026, 10:00 in Beijing: the quiet days run to the 22nd.
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
GRADES = "AAAAAAAAAABBBBBBBBBBCCCCCCCCCCDDDDDNNNNN"  # 10 A, 10 B, 10 C, 5 D, 5 unrated


def make_uscc(n: int) -> str:
    body = f"91500113MA{n:07d}"
    return body + uscc_number.calc_check_digit(body)


class World(ServiceWorld):
    pass



def build(s: Session, clock: FixedClock, enterprises: int = 40) -> dict[str, Actor]:
    actors: dict[str, Actor] = {}
    depts = {"market": Department(code="market", name="区市场监管局"),
             "env": Department(code="env", name="区生态环境局")}
    s.add_all(depts.values())
    s.flush()
    actors["office"] = _user(s, "office1", "office")
    actors["office2"] = _user(s, "office2", "office")
    for code, dept in depts.items():
        actors[f"sup_{code}"] = _user(s, f"sup_{code}", "supervisor", department_id=dept.id)
        for n in range(1, 4):
            actors[f"insp_{code}{n}"] = _user(s, f"insp_{code}{n}", "inspector",
                                              department_id=dept.id)
    for n in range(1, enterprises + 1):
        uscc = make_uscc(n)
        registry.upsert(s, {"uscc": uscc, "name": f"巴南测试企业{n}有限公司", "region": "500113",
                            "legal_form": "enterprise",
                            "industry_code": "C3841" if n % 8 else "F5211"})
        grade = GRADES[(n - 1) % len(GRADES)]
        if grade != "N":
            s.add(CreditGrade(uscc=uscc, field="market", grade=grade, risk="-", source="评定等级",
                              effective_from=date(2026, 1, 1), created_at=clock.now()))
    actors["ent1"] = _user(s, "ent1", "enterprise", enterprise_uscc=make_uscc(1))
    actors["ent2"] = _user(s, "ent2", "enterprise", enterprise_uscc=make_uscc(2))
    office = actors["office"]
    for code in ("market", "env"):
        for n in range(1, 4):
            catalogs.add_officer(s, office, clock, catalogs.OfficerIn(
                f"{code}执法员{n}", code, f"{code.upper()}-{n:04d}", date(2027, 12, 31),
                ["market"], [make_uscc(n)] if n == 1 else [], f"insp_{code}{n}"))
    catalogs.add_item(s, office, clock, catalogs.ItemIn(
        "market", "食品生产企业监督检查", "《食品安全法》第一百一十条", "生产条件、原料查验",
        "industry_code LIKE 'C%'", "每年一次", "market"))
    catalogs.add_item(s, office, clock, catalogs.ItemIn(
        "env", "排污许可执行情况检查", "《排污许可管理条例》第三十条", "排污口、台账",
        "industry_code LIKE 'C38%'", "每年一次", "market"))
    catalogs.add_exemption(s, office, catalogs.ExemptionIn(
        "market", "未按规定公示营业执照", "《行政处罚法》第三十三条第一款",
        "首次违法、危害后果轻微并及时改正", ["营业执照", "公示"]))
    catalogs.add_exemption(s, office, catalogs.ExemptionIn(
        "env", "环保台账记录不完整", "《行政处罚法》第三十三条第一款",
        "首次发现、未造成污染后果", ["台账"]))
    s.flush()
    return actors


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    settings = world_settings(engine, tmp_path)
    clock = FixedClock(START)
    with unit_of_work(engine) as s:
        actors = build(s, clock)
    return World(engine, clock, settings, actors)
