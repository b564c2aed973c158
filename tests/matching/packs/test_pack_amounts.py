"""The 政策礼包 shows amounts to the fen, and an amount that needs a fact as "金额待补充：…"
with the fact asked for (page and API, SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.fixtures.policy_items import policy_files
from tests.matching.packs.conftest import POLICIES
from tests.matching.packs.test_gift_pack import _api

Client = Callable[..., TestClient]
ROBOT = Path(__file__).parent / "fixtures_amounts"
PENDING = "金额待补充：以“机器换人”为主的智能化技改项目"


@pytest.fixture(autouse=True)
def _gift_policies(request: pytest.FixtureRequest) -> Iterator[None]:
    """The pack's policies plus one whose cap needs the 机器换人 fact (overrides conftest's)."""
    with policy_files(request, POLICIES, ROBOT):
        yield


def _entry(pack: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(e for e in pack["eligible"] if e["item_id"] == item_id)


def test_an_amount_that_needs_a_fact_is_pending_and_asks_for_it(
        logged_in: Client, register: Any, app_engine: Engine, clock: Any) -> None:
    uscc = register(monthly_rent="11062.46")
    page = logged_in("enterprise", enterprise_uscc=uscc)
    api = _api(page, app_engine, clock)
    put = api.put("/api/v1/gift-pack/facts", json={"facts": {"equipment_purchase": 45000000}})
    pack = put.json()["pack"]
    robot = _entry(pack, "giftville.robot")
    assert robot["amount"] is None and robot["amount_note"] == PENDING
    assert [f["name"] for f in robot["missing"]] == ["robot_replacement"]
    asked = next(f for f in pack["fact_fields"] if f["name"] == "robot_replacement")
    assert asked["needed_by"] == ["智能化技改补助"]
    assert Decimal(_entry(pack, "giftville.rent")["amount"]) == Decimal("33187.38")
    html = page.get("/gift-pack").text
    assert PENDING in html and "测算 33,187.38元" in html
    assert 'name="fact_robot_replacement"' in html

    done = api.put("/api/v1/gift-pack/facts", json={"facts": {"robot_replacement": True}})
    robot = _entry(done.json()["pack"], "giftville.robot")
    assert (robot["amount"], robot["amount_note"]) == ("4500000.00", None)


def test_a_cap_above_the_amount_needs_no_fact(logged_in: Client, register: Any,
                                              app_engine: Engine, clock: Any) -> None:
    uscc = register()
    api = _api(logged_in("enterprise", enterprise_uscc=uscc), app_engine, clock)
    pack = api.put("/api/v1/gift-pack/facts",
                   json={"facts": {"equipment_purchase": "123456.78"}}).json()["pack"]
    robot = _entry(pack, "giftville.robot")
    # 12,345.678 → 12,345.68 whatever robot_replacement is: both caps are far above it
    assert (robot["amount"], robot["amount_note"], robot["missing"]) == ("12345.68", None, [])


def test_an_application_carries_the_fact_the_amount_needs(
        logged_in: Client, register: Any, app_engine: Engine, clock: Any) -> None:
    uscc = register()
    page = logged_in("enterprise", enterprise_uscc=uscc)
    api = _api(page, app_engine, clock)
    api.put("/api/v1/gift-pack/facts", json={"facts": {"equipment_purchase": 45000000}})
    form = page.get("/grants/apply/giftville.robot").text
    assert 'name="fact_robot_replacement"' in form  # the form asks for it
    made = api.post("/api/v1/grants/applications", json={
        "item_id": "giftville.robot", "facts": {"robot_replacement": True}})
    assert made.status_code == 201, made.text
    app = made.json()
    assert app["facts"]["robot_replacement"] in (True, "true")
    assert Decimal(app["estimated_amount"]) == Decimal("4500000.00")


def test_the_pack_asks_first_for_the_fact_that_unlocks_most(
        logged_in: Client, register: Any, app_engine: Engine, clock: Any) -> None:
    # equipment_purchase blocks the 技改补助 (up to 500万), equipment_investment the equipment
    # item (up to 20万), loan_amount the loan item (up to 5万): asked in that order, though
    # the catalog lists equipment_investment first
    uscc = register()
    page = logged_in("enterprise", enterprise_uscc=uscc)
    pack = _api(page, app_engine, clock).get("/api/v1/gift-pack").json()
    order = ["equipment_purchase", "equipment_investment", "loan_amount"]
    assert [f["name"] for f in pack["fact_fields"]] == order
    html = page.get("/gift-pack").text
    spots = [html.index(f'name="fact_{name}"') for name in order]
    assert spots == sorted(spots)
