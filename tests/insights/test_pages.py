"""The pages and /api/v1 of targeting and simulation: who sees what, filters, the Excel export,
the batch push (once), and a simulation with a what-if and a comparison."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.models.department import Department
from huiqi.models.insight_action import InsightAction
from huiqi.models.policy import PolicyDocument
from huiqi.models.user import User
from tests.fixtures.web import csrf_token, post_form
from tests.insights.conftest import TECH, populate


@pytest.fixture(scope="module", autouse=True)
def populated(app_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    populate(app_engine, Path(tmp_path_factory.mktemp("pages")))
    yield


def test_office_filters_exports_and_pushes(logged_in, app_engine) -> None:  # type: ignore[no-untyped-def]
    office = logged_in("office")
    page = office.get("/insights/targeting")
    assert page.status_code == 200 and TECH in page.text
    near = office.get(f"/insights/targeting/{TECH}?segment=near")
    assert near.status_code == 200 and "差一项条件" in near.text
    street = "龙泉街道"
    narrowed = office.get(f"/insights/targeting/{TECH}", params={"segment": "near",
                                                                 "street": street})
    assert narrowed.status_code == 200
    other_streets = {"泉口街道", "东宝山街道", "子陵铺镇", "牌楼镇"}
    body = narrowed.text.split("<tbody>", 1)[-1]
    assert not any(s in body for s in other_streets)
    xlsx = office.get(f"/insights/targeting/{TECH}/export.xlsx", params={"segment": "near"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    first = post_form(office, f"/insights/targeting/{TECH}/actions",
                      {"kind": "push", "segment": "near"})
    assert first.status_code == 303
    again = post_form(office, f"/insights/targeting/{TECH}/actions",
                      {"kind": "push", "segment": "near"})
    assert again.status_code == 303
    shown = office.get(again.headers["location"]).text
    assert "新建 0 家" in shown and "未重复" in shown


def test_dashboard_tile_counts_the_pushes_and_lists_them(logged_in, app_engine) -> None:  # type: ignore[no-untyped-def]
    office = logged_in("office")
    pushed = post_form(office, f"/insights/targeting/{TECH}/actions",
                       {"kind": "push", "segment": "unknown"})
    assert pushed.status_code == 303
    with unit_of_work(app_engine) as db:
        rows = db.execute(select(InsightAction.item_id, InsightAction.enterprise_uscc)
                          .where(InsightAction.kind == "push")).all()
    assert rows and any(item == TECH for item, _ in rows)
    board = office.get("/insights/dashboard").text
    tile = re.search(r'<a href="(/insights/pushes[^"]*)" data-tile-count="(\d+)">', board)
    assert tile is not None and int(tile.group(2)) == len(rows)
    assert f"覆盖 {len({u for _, u in rows})} 家企业" in board
    listed = office.get(html.unescape(tile.group(1)), params={"per_page": 200})
    assert listed.status_code == 200 and f"共 {len(rows)} 条" in listed.text
    assert all(uscc in listed.text for _, uscc in rows)
    mine = office.get("/insights/pushes", params={"item_id": TECH, "per_page": 200}).text
    assert f"共 {sum(item == TECH for item, _ in rows)} 条" in mine
    assert logged_in("department").get("/insights/pushes").status_code == 404  # not its page


def test_department_sees_its_own_items_only(logged_in, app_engine) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(app_engine) as db:
        code = db.scalar(select(Department.code).where(
            Department.name == "东宝区经济和信息化局"))
        if code is None:
            auth_service.create_department(db, Actor.system(), "jxj", "东宝区经济和信息化局")
            code = "jxj"
    mine = logged_in("department", department_code=code)
    other = logged_in("department")
    assert mine.get(f"/insights/targeting/{TECH}").status_code == 200
    assert other.get(f"/insights/targeting/{TECH}").status_code == 404
    assert logged_in("enterprise").get(f"/insights/targeting/{TECH}").status_code == 404


def test_simulation_pages_and_api(logged_in, app_engine, clock) -> None:  # type: ignore[no-untyped-def]
    office = logged_in("office")
    with unit_of_work(app_engine) as db:
        doc_id = db.scalar(select(PolicyDocument.id).where(
            PolicyDocument.policy_id == "dongbao.tech-upgrade-2025"))
        user = db.get(User, office.creds.id)
        _, secret = auth_service.create_api_token(db, Actor.of(user), clock, "t")
    listing = office.get("/insights/simulations")
    assert listing.status_code == 200 and f"/insights/simulations/{doc_id}/1" in listing.text
    key = "设备投资达标|equipment_investment|5000000"
    sim = office.get(f"/insights/simulations/{doc_id}/1", params={
        "item": TECH, "threshold": key, "value": "5500000"})
    assert sim.status_code == 200
    assert "测算金额区间" in sim.text and "门槛从500万提高到550万" in sim.text
    assert "data-echarts" in sim.text and "受益" not in sim.text
    assert office.get(f"/insights/simulations/{doc_id}/1/compare").status_code == 200
    api = {"Authorization": f"Bearer {secret}"}
    out = office.get(f"/api/v1/insights/simulations/{doc_id}/1", headers=api).json()
    assert out[0]["item_id"] == TECH and out[0]["eligible"] >= 2
    w = office.get(f"/api/v1/insights/simulations/{doc_id}/1/what-if", headers=api, params={
        "item_id": TECH, "threshold": key, "value": "5500000"}).json()
    assert w["removed"] >= 2 and w["after"]["eligible"] == out[0]["eligible"] - w["removed"]
    bad = office.get(f"/api/v1/insights/simulations/{doc_id}/1/what-if", headers=api, params={
        "item_id": TECH, "threshold": key, "value": "NaN"})
    assert bad.status_code == 422
    listing = office.get(f"/api/v1/insights/items/{TECH}/targeting", headers=api,
                         params={"segment": "near", "per_page": 2, "page": 2})
    assert listing.status_code == 200
    body = listing.json()
    assert body["total"] == body["counts"]["near"] and len(body["rows"]) <= 2
    again = office.post(f"/api/v1/insights/items/{TECH}/targeting/actions", headers=api,
                        json={"kind": "push", "segment": "near"})
    done = again.json()  # each near miss pushed once, here or by the first test
    assert again.status_code == 200 and done["created"] + done["skipped"] == body["total"]
    visits = office.post(f"/api/v1/insights/items/{TECH}/targeting/actions", headers=api,
                         json={"kind": "visit", "segment": "near"}).json()
    # nobody is assigned in this world: every enterprise reported, none recorded
    assert (visits["created"], visits["plans"], visits["unassigned"]) == (0, 0, body["total"])
    assert f"{body['total']} 家无包联干部" in visits["summary"]
    assert csrf_token(office)
