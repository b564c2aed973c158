"""The JSON API over HTTP, on SQLite and PostgreSQL (Open311: test_open311*.py)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient

from huiqi.app import create_app
from huiqi.auth import service as auth_service
from tests.appeals.conftest import PDF, World, make_uscc
from tests.appeals.test_intake import hotline_xlsx


class Clients:
    def __init__(self, world: World, stack: ExitStack) -> None:
        self.world, self.stack = world, stack
        self.app = create_app(world.settings, world.engine, clock=world.clock)

    def token(self, who: str) -> str:
        with self.world.tx() as s:
            _, secret = auth_service.create_api_token(s, self.world.actors[who], self.world.clock,
                                                      "测试")
        return secret

    def anonymous(self) -> TestClient:
        return self.stack.enter_context(TestClient(self.app, follow_redirects=False))

    def api(self, who: str) -> TestClient:
        client = self.anonymous()
        client.headers["Authorization"] = f"Bearer {self.token(who)}"
        return client


@pytest.fixture
def web(world: World) -> Iterator[Clients]:
    with ExitStack() as stack:
        yield Clients(world, stack)


APPEAL = {"category": "用工招聘", "title": "招工难，缺少熟练焊工",
          "description": "今年扩产需要焊工30名，招聘困难，希望协助对接。"}


def do(client: TestClient, appeal_id: int, action: str, status: int = 200, **payload: Any
       ) -> dict[str, Any]:
    response = client.post(f"/api/v1/appeals/{appeal_id}/actions/{action}", json=payload)
    assert response.status_code == status, response.text
    return dict(response.json())


def test_api_closed_loop(web: Clients) -> None:
    ent, office, hr = web.api("ent_a"), web.api("office"), web.api("hr")
    created = ent.post("/api/v1/appeals", json=APPEAL)
    assert created.status_code == 201, created.text
    aid = created.json()["appeal"]["id"]
    assert created.json()["appeal"]["status_label"] == "待交办"
    again = ent.post("/api/v1/appeals", json=APPEAL).json()
    assert [d["appeal_id"] for d in again["possible_duplicates"]] == [aid]
    suggestion = office.get(f"/api/v1/appeals/{aid}/dispatch-suggestion").json()
    assert suggestion["usual_departments"] == ["区人力社保局", "区经济信息委"]
    assert do(office, aid, "dispatch", lead_department="hr")["resolve_due"] == "2025-09-28"
    detail = hr.get(f"/api/v1/appeals/{aid}").json()
    assert detail["role"] == "lead_department" and "sign" in detail["actions"]
    assert detail["sign_clock"]["colour"] == "yellow"
    do(hr, aid, "sign")
    do(hr, aid, "reply", reply="已推荐焊工18名。")
    do(ent, aid, "confirm")
    do(office, aid, "visit", satisfaction=4)
    assert do(office, aid, "close")["status"] == "closed"
    kinds = [e["kind_label"] for e in ent.get(f"/api/v1/appeals/{aid}/timeline").json()]
    assert kinds == ["提交诉求", "交办", "签收", "答复", "确认解决", "回访", "销号"]
    listed = ent.get("/api/v1/appeals", params={"status": "closed"}).json()
    assert [a["id"] for a in listed["items"]] == [aid]


def test_api_refusals_and_idor(web: Clients) -> None:
    ent = web.api("ent_a")
    aid = ent.post("/api/v1/appeals", json=APPEAL).json()["appeal"]["id"]
    office, hr, tax, other = web.api("office"), web.api("hr"), web.api("tax"), web.api("ent_b")
    for client in (other, hr, web.api("liaison2")):
        response = client.get(f"/api/v1/appeals/{aid}")
        assert response.status_code == 404
        assert response.json()["error"]["message"] == "诉求不存在，或您没有访问权限。"
    assert do(other, aid, "confirm", 404)["error"]["code"] == "not_found"
    assert web.api("liaison").get(f"/api/v1/appeals/{aid}").status_code == 200
    bad = do(office, aid, "dispatch", 422, lead_department="区不存在局")
    assert "牵头部门「区不存在局」不存在" in bad["error"]["message"]
    assert do(office, aid, "sign", 409)["error"]["code"] == "appeal_invalid_transition"
    do(office, aid, "dispatch", lead_department="hr")
    assert do(tax, aid, "reply", 404, reply="不是我们的")["error"]["code"] == "not_found"
    assert do(hr, aid, "dispatch", 409)["error"]["code"] == "appeal_invalid_transition"
    assert do(ent, aid, "sign", 403)["error"]["code"] == "appeal_action_not_allowed"
    unknown = ent.post("/api/v1/appeals", json={**APPEAL, "category": "飞行许可"})
    assert unknown.status_code == 422 and "未知的诉求类别" in unknown.json()["error"]["message"]
    big = ent.post(f"/api/v1/appeals/{aid}/attachments",
                   files={"file": ("大.pdf", PDF + b"0" * 70_000, "application/pdf")})
    assert big.status_code == 413 and "不能超过 64 KB" in big.json()["error"]["message"]
    ok = ent.post(f"/api/v1/appeals/{aid}/attachments",
                  files={"file": ("执照.pdf", PDF, "application/pdf")})
    assert ok.status_code == 201
    att = ok.json()["id"]
    assert hr.get(f"/api/v1/appeals/attachments/{att}").content == PDF
    assert other.get(f"/api/v1/appeals/attachments/{att}").status_code == 404


def test_api_office_tools(web: Clients) -> None:
    office = web.api("office")
    data = hotline_xlsx([["GD1", "", "", make_uscc(1), "用工招聘", "招工难", "", ""],
                         ["GD2", "", "", make_uscc(1), "不存在", "类别错", "", ""]])
    report = office.post("/api/v1/appeals/imports/12345",
                         files={"file": ("12345.xlsx", io.BytesIO(data))})
    assert report.status_code == 201, report.text
    body = report.json()
    assert len(body["imported"]) == 1 and body["errors"][0]["row"] == 3
    assert web.api("ent_a").post("/api/v1/appeals/imports/12345", files={
        "file": ("12345.xlsx", io.BytesIO(data))}).status_code == 403
    meeting = office.post("/api/v1/appeals/meetings", json={
        "title": "第12期政企恳谈会", "held_on": "2025-09-25",
        "appeals": [{**APPEAL, "enterprise_uscc": make_uscc(1)},
                    {**APPEAL, "title": "贷款难", "category": "finance",
                     "enterprise_uscc": make_uscc(2)}]})
    assert meeting.status_code == 201 and len(meeting.json()["appeal_ids"]) == 2
    created = office.post("/api/v1/appeals/categories", json={
        "code": "land", "name": "用地规划", "sign_within_workdays": 1,
        "resolve_within_workdays": 15, "usual_departments": ["econ"]})
    assert created.status_code == 201 and created.json()["usual_departments"] == ["econ"]
    refused = office.post("/api/v1/appeals/categories", json={
        "code": "x", "name": "x", "sign_within_workdays": 5, "resolve_within_workdays": 1})
    assert refused.status_code == 422 and "办结时限不能短于签收时限" in refused.text
    put = office.put("/api/v1/appeals/holiday-overrides/2099-01-02", json={"kind": "holiday"})
    assert put.status_code == 200
    report = office.get("/api/v1/appeals/rates", params={"start": "2025-09-01"}).json()
    assert report["overall"]["dispatched"] == 0 and "响应率" in report["definitions"]
    trends = office.get("/api/v1/appeals/trends").json()
    assert {t["category"]: t["this_week"] for t in trends} == {"用工招聘": 2, "融资信贷": 1}
