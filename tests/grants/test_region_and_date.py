"""适用地区 and the platform's date, through the page and the API.

The test policies (fixtures/testville.yaml) apply in 江北区 (500105); a Dongbao firm (420802) may
not apply for them, whatever it sends; nor may anyone choose the evaluation date.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from huiqi.models.application import Application
from tests.fixtures.web import csrf_token
from tests.grants.conftest import World
from tests.grants.web import Clients


def _dongbao(world: World) -> None:
    world.actors["ent_db"] = world.enterprise(9, region="420802")


def _count(world: World) -> int:
    with world.tx() as s:
        return int(s.scalar(select(func.count()).select_from(Application)) or 0)


def test_api_refuses_an_enterprise_outside_the_region(world: World, web: Clients) -> None:
    _dongbao(world)
    got = web.api("ent_db").post("/api/v1/grants/applications",
                                 json={"item_id": "testville.rent"})
    assert got.status_code == 409, got.text
    error = got.json()["error"]
    assert "仅适用于重庆市江北区（500105）的企业" in error["message"]
    assert "湖北省荆门市东宝区（420802）" in error["message"]
    assert error["details"] == {"failed": ["适用地区"]}
    assert _count(world) == 0
    # the Jiangbei firm, same profile, is accepted
    assert web.api("ent_a").post("/api/v1/grants/applications",
                                 json={"item_id": "testville.rent"}).status_code == 201


def test_page_refuses_an_enterprise_outside_the_region(world: World, web: Clients) -> None:
    _dongbao(world)
    page = web.page("ent_db")
    got = page.post("/grants/apply/testville.rent", data={"csrf_token": csrf_token(page)})
    assert got.status_code == 409
    assert "仅适用于重庆市江北区（500105）的企业" in got.text
    assert _count(world) == 0


def test_unknown_region_cannot_apply(world: World, web: Clients) -> None:
    world.actors["ent_x"] = world.enterprise(8, region=None)
    got = web.api("ent_x").post("/api/v1/grants/applications", json={"item_id": "testville.rent"})
    assert got.status_code == 422 and "缺少所在行政区划" in got.json()["error"]["message"]


def test_as_of_in_the_body_is_refused(world: World, web: Clients) -> None:
    ent = web.api("ent_a")
    for as_of in ("2022-06-01", "2025-06-02"):
        got = ent.post("/api/v1/grants/applications",
                       json={"item_id": "testville.rent", "as_of": as_of})
        assert got.status_code == 422
        assert "申报日期由平台按提交时间确定" in got.text
    assert _count(world) == 0


def test_an_expired_item_refuses_new_applications(world: World, web: Clients) -> None:
    world.clock.set(datetime(2026, 1, 1, 2, 0, tzinfo=UTC))  # 2026-01-01 10:00 in Beijing
    got = web.api("ent_a").post("/api/v1/grants/applications", json={"item_id": "testville.rent"})
    assert got.status_code == 409
    assert "不在有效期内（2025-01-01 至 2025-12-31）" in got.json()["error"]["message"]
    # on 31 December (Beijing) it is still open: the platform's local day decides
    world.clock.set(datetime(2025, 12, 31, 15, 59, tzinfo=UTC))
    made = web.api("ent_a").post("/api/v1/grants/applications", json={"item_id": "testville.rent"})
    assert made.status_code == 201 and made.json()["as_of"] == "2025-12-31"
