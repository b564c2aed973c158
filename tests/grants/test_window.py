"""申报期: an item's application window. Outside it applications (page and API) get 409 with
a plain message naming the window; the 礼包 shows the window and offers apply only inside it.
The test item (fixtures_window/window.yaml) is in force all 2025, open 2025-03-01…05-31."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from huiqi.models.application import Application
from tests.fixtures.policy_items import policy_files
from tests.fixtures.web import csrf_token
from tests.grants.conftest import POLICY, World
from tests.grants.web import Clients

WINDOW = Path(__file__).parent / "fixtures_window"
SAID = "“设备更新补助”的申报期为 2025-03-01 至 2025-05-31，今天（{day}）不在申报期内，不能申报。"


@pytest.fixture(autouse=True)
def _test_policies(request: pytest.FixtureRequest) -> Iterator[None]:
    """The grants policies plus the item with a window (overrides conftest's)."""
    with policy_files(request, POLICY, WINDOW):
        yield


def _count(world: World) -> int:
    with world.tx() as s:
        return int(s.scalar(select(func.count()).select_from(Application)
                            .where(Application.item_id == "testville.window")) or 0)


def _on(world: World, y: int, m: int, d: int) -> None:
    world.clock.set(datetime(y, m, d, 2, 0, tzinfo=UTC))  # 10:00 in Beijing


def _entry(pack: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in pack["eligible"] if e["item_id"] == "testville.window")


def test_api_refuses_an_application_outside_the_window(world: World, web: Clients) -> None:
    api = web.api("ent_a")
    for day in ((2025, 6, 2), (2025, 2, 28)):  # after it closed, before it opened
        _on(world, *day)
        got = api.post("/api/v1/grants/applications", json={"item_id": "testville.window"})
        assert got.status_code == 409, got.text
        assert got.json()["error"]["message"] == SAID.format(day=date(*day).isoformat())
    assert _count(world) == 0
    _on(world, 2025, 5, 31)  # the last day is inside (both ends included)
    made = api.post("/api/v1/grants/applications", json={"item_id": "testville.window"})
    assert made.status_code == 201, made.text
    assert made.json()["as_of"] == "2025-05-31" and _count(world) == 1


def test_page_refuses_an_application_outside_the_window(world: World, web: Clients) -> None:
    page = web.page("ent_a")
    form = page.get("/grants/apply/testville.window").text
    assert "申报期：2025-03-01 至 2025-05-31" in form
    assert SAID.format(day="2025-06-02") in form and 'id="apply-form"' not in form
    got = page.post("/grants/apply/testville.window", data={"csrf_token": csrf_token(page)})
    assert got.status_code == 409 and SAID.format(day="2025-06-02") in got.text
    assert _count(world) == 0
    _on(world, 2025, 3, 1)
    assert 'id="apply-form"' in page.get("/grants/apply/testville.window").text
    made = page.post("/grants/apply/testville.window", data={"csrf_token": csrf_token(page)})
    assert made.status_code == 303 and _count(world) == 1


def test_the_pack_shows_the_window_and_offers_apply_only_inside_it(
        world: World, web: Clients) -> None:
    api, page = web.api("ent_a"), web.page("ent_a")
    closed = _entry(api.get("/api/v1/gift-pack").json())
    assert closed["apply_window"] == "2025-03-01 至 2025-05-31"
    assert closed["eligible"] is True and closed["apply_url"] is None
    html = page.get("/gift-pack").text
    assert "申报期 2025-03-01 至 2025-05-31" in html
    assert "不在申报期内（2025-03-01 至 2025-05-31），暂不能申报。" in html
    assert 'href="/grants/apply/testville.window"' not in html
    # an item without a window keeps its apply link, and says no window
    rent = next(e for e in api.get("/api/v1/gift-pack").json()["eligible"]
                if e["item_id"] == "testville.rent")
    assert rent["apply_window"] is None and rent["apply_url"] == "/grants/apply/testville.rent"
    _on(world, 2025, 4, 15)
    opened = _entry(api.get("/api/v1/gift-pack").json())
    assert opened["apply_url"] == "/grants/apply/testville.window"
    assert 'href="/grants/apply/testville.window"' in page.get("/gift-pack").text


def test_the_list_of_items_names_the_window(world: World, web: Clients) -> None:
    page = web.page("ent_a")
    assert "申报期 2025-03-01 至 2025-05-31（现不在申报期内）" in page.get("/grants/items").text
    _on(world, 2025, 5, 1)
    listed = page.get("/grants/items").text
    assert "申报期 2025-03-01 至 2025-05-31" in listed and "现不在申报期内" not in listed
