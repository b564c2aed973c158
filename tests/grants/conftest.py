"""A fresh migrated database per test (cloned from a template migrated once per session),
the test policies of fixtures/testville.yaml, and a small world of accounts and enterprises."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_number

from huiqi.auth.actor import Actor
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.kit.settings import Settings
from huiqi.models.department import Department
from huiqi.models.user import User
from huiqi.registry import service as registry
from tests.fixtures.policy_items import policy_files
from tests.fixtures.service_db import *  # noqa: F403
from tests.fixtures.world import ServiceWorld

POLICY = Path(__file__).parent / "fixtures" / "testville.yaml"
# Monday 2 June 2025, 10:00 in Beijing (the 端午 holiday: deadlines count from 3 June).
START = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    """A well-formed 1×1 PNG (uploads walk the chunks to IEND)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


PNG = _png()
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 20 + b"\xff\xd9"  # starts and ends as a JPEG does


def make_uscc(n: int) -> str:
    body = f"91500105MA{n:07d}"
    return body + uscc_number.calc_check_digit(body)



@pytest.fixture(autouse=True)
def _test_policies(request: pytest.FixtureRequest) -> Iterator[None]:
    with policy_files(request, POLICY):
        yield


class World(ServiceWorld):

    def enterprise(self, n: int, **profile: Any) -> Actor:
        """An enterprise in the registry and an account acting for it."""
        return self.enterprises([n], **profile)[0]

    def enterprises(self, numbers: Iterable[int], **profile: Any) -> list[Actor]:
        out = []
        with self.tx() as s:
            for n in numbers:
                uscc = make_uscc(n)
                registry.upsert(s, {
                    "uscc": uscc, "name": f"测试企业{n}有限公司", "region": "500105",
                    "legal_form": "enterprise", "industry_code": "F5212", "size_class": "small",
                    "rents_state_property": True, "monthly_rent": "10000",
                    "unemployment_insurance_paid": "20000", **profile})
                user = User(username=f"ent{n}", display_name=f"企业经办{n}", role="enterprise",
                            enterprise_uscc=uscc, password_hash="!")
                s.add(user)
                s.flush()
                out.append(Actor.of(user))
        return out


def _department_user(s: Session, username: str, dept: Department) -> Actor:
    user = User(username=username, display_name=f"经办人{username}", role="department",
                department_id=dept.id, password_hash="!")
    s.add(user)
    s.flush()
    return Actor.of(user)


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    settings = Settings(data_dir=tmp_path / "data", database_url=str(engine.url),
                        secret_key="test", upload_max_bytes=64 * 1024)
    actors: dict[str, Actor] = {}
    with unit_of_work(engine) as s:
        depts = {code: Department(code=code, name=name) for code, name in [
            ("jb-commerce", "江北区商务委员会"), ("jb-finance", "江北区财政局"),
            ("jb-hr", "江北区人力资源和社会保障局"), ("db-commerce", "东宝区商务局")]}
        s.add_all(depts.values())
        s.flush()
        actors["dept"] = _department_user(s, "commerce1", depts["jb-commerce"])
        actors["dept2"] = _department_user(s, "commerce2", depts["jb-commerce"])
        actors["finance"] = _department_user(s, "finance1", depts["jb-finance"])
        actors["hr"] = _department_user(s, "hr1", depts["jb-hr"])
        actors["other_dept"] = _department_user(s, "dongbao1", depts["db-commerce"])
        # office2: a second office user, who marks paid the batches office makes (审批与复核分离)
        for name, role in (("office", "office"), ("office2", "office"), ("auditor", "auditor")):
            user = User(username=f"{name}1", display_name=f"{name}1", role=role,
                        password_hash="!")
            s.add(user)
            s.flush()
            actors[name] = Actor.of(user)
    w = World(engine, FixedClock(START), settings, actors)
    actors["ent_a"] = w.enterprise(1)
    actors["ent_b"] = w.enterprise(2)
    return w


@pytest.fixture
def web(world: World) -> Iterator[Any]:
    """Clients for the app on this test's database: `web.page("dept")`, `web.api("ent_a")`."""
    from tests.grants.web import Clients, grants_app

    with ExitStack() as stack:
        yield Clients(world, grants_app(world), stack)


def upload(name: str, filename: str = "合同.pdf", data: bytes = PDF) -> Any:
    from huiqi.grants.applications import UploadIn

    return UploadIn(name, filename, BytesIO(data))


# Browser fixtures of the platform (live server, Chromium page), for test_browser.py.
from tests.fixtures.web import browser, live_server, live_user, page  # noqa: E402, F401


def publicise(world: World, list_id: int) -> None:
    """Publish a 免申即享 list and move the clock past its 公示 (the step that grants waits)."""
    from datetime import timedelta

    from huiqi.grants import autolists

    listing = world.do(autolists.publish, world.office, list_id)
    day = listing.publicity_until + timedelta(days=1)
    world.clock.set(datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))
