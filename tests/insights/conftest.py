"""A small registry for insights: demo enterprises, the seed policies published into the
library, and a few enterprises moved onto the tech-upgrade investment threshold."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from huiqi.auth.actor import Actor
from huiqi.insights import service
from huiqi.kit.clock import Clock
from huiqi.kit.db import make_engine, unit_of_work
from huiqi.kit.settings import PROJECT_ROOT
from huiqi.policies import service as policies
from huiqi.registry import demo
from huiqi.registry import service as registry
from tests.fixtures.db import fresh_database
from tests.fixtures.web import *  # noqa: F403

AS_OF = date(2025, 6, 2)  # the web fixtures' clock day (Beijing)
SIZE = 400
TECH = "dongbao.tech-upgrade"
TECH_FILE = PROJECT_ROOT / "policies" / "dongbao" / "tech-upgrade-2025.yaml"


@dataclass(frozen=True)
class World:
    url: str
    engine: Engine
    moved: list[str]  # USCCs put at 5,200,000 of equipment investment


def populate(engine: Engine, tmp: Path) -> list[str]:
    """Demo enterprises, the seed policies published, and the tech-upgrade near misses on the
    investment threshold given 5.2 million (eligible at 5 million, not at 5.5 million)."""
    path = demo.write_demo_file(tmp / "demo.parquet", SIZE, seed=2025, with_facts=True)
    actor = Actor.system("test", via="cli")
    with unit_of_work(engine) as db:
        registry.import_enterprises(db, path)
        policies.import_files(db, actor, Clock(), [PROJECT_ROOT / "policies"], as_of=AS_OF)
    with unit_of_work(engine) as db:
        item = policies.get_item(db, TECH).item
        near = service.targeting(db, item, AS_OF, segment="near")
        moved = [r.uscc for r in near.rows if r.failed == ("设备投资达标",)]
        for uscc in moved:
            ent = registry.require_by_uscc(db, uscc)
            registry.set_facts(db, ent, {"equipment_investment": "5200000",
                                         "equipment_purchase": "3000000",
                                         "construction_years": "2",
                                         "prior_fiscal_support": "false"})
    return moved


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                              marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("insights")
    pg = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    with fresh_database(request.param, tmp, pg) as url:
        engine = make_engine(url)
        try:
            yield World(url, engine, populate(engine, tmp))
        finally:
            engine.dispose()
