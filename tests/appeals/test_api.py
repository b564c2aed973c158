"""The JSON API and the Open311 GeoReport v2 endpoints over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any
from xml.etree import ElementTree as ET  # parsing our own response in a test

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


# --- Open311 GeoReport v2 ---------------------------------------------------------------------

class GeoReportClient:
    """What a standard GeoReport v2 client sends: form-encoded POST with api_key, GET with
    query parameters, `.json` or `.xml` endpoints under the base URL."""

    REQUEST_FIELDS = frozenset({"service_request_id", "status", "status_notes", "service_name",
                      "service_code", "description", "agency_responsible", "service_notice",
                      "requested_datetime", "updated_datetime", "expected_datetime", "address",
                      "address_id", "zipcode", "lat", "long", "media_url"})

    def __init__(self, http: TestClient, api_key: str | None) -> None:
        self.http, self.api_key, self.base = http, api_key, "/open311/v2"

    def services(self) -> Any:
        return self.http.get(f"{self.base}/services.json")

    def create(self, **fields: str) -> Any:
        data = {"api_key": self.api_key, **fields} if self.api_key else fields
        return self.http.post(f"{self.base}/requests.json", data=data)

    def requests(self, fmt: str = "json", **params: str) -> Any:
        key = {"api_key": self.api_key} if self.api_key else {}
        return self.http.get(f"{self.base}/requests.{fmt}", params={**key, **params})

    def request(self, request_id: str) -> Any:
        return self.http.get(f"{self.base}/requests/{request_id}.json",
                             params={"api_key": self.api_key})


def test_open311_client(web: Clients) -> None:
    client = GeoReportClient(web.anonymous(), web.token("ent_a"))
    services = client.services().json()
    assert [(s["service_code"], s["service_name"], s["type"]) for s in services] == [
        ("finance", "融资信贷", "batch"), ("labour", "用工招聘", "batch")]
    created = client.create(service_code="labour", description="厂区门口道路破损，货车通行困难",
                            lat="29.5630", long="106.5516", address_string="江北区港城路1号",
                            first_name="三", last_name="张", phone="13800000000")
    assert created.status_code == 201, created.text
    [receipt] = created.json()
    rid = receipt["service_request_id"]
    assert receipt["account_id"] == make_uscc(1)
    [one] = client.request(rid).json()
    assert set(one) == GeoReportClient.REQUEST_FIELDS
    assert (one["status"], one["service_code"], one["service_name"]) == ("open", "labour",
                                                                          "用工招聘")
    assert (one["lat"], one["long"], one["address"]) == (29.563, 106.5516, "江北区港城路1号")
    assert one["requested_datetime"] == "2025-09-22T02:00:00Z"
    assert one["expected_datetime"] is None  # not dispatched yet
    assert [r["service_request_id"] for r in client.requests(status="open").json()] == [rid]
    assert client.requests(status="closed").json() == []
    assert client.requests(service_code="finance").json() == []
    assert client.requests(start_date="2025-09-23T00:00:00+08:00").json() == []
    assert len(client.requests(start_date="2025-09-22T00:00:00+08:00",
                               end_date="2025-09-22T23:59:59+08:00").json()) == 1
    xml = ET.fromstring(client.requests("xml").content)
    assert xml.tag == "service_requests" and xml.find("request/service_request_id").text == rid
    office = web.api("office")
    do(office, int(rid), "dispatch", lead_department="hr")
    [dispatched] = client.request(rid).json()
    assert dispatched["agency_responsible"] == "区人力社保局"
    assert dispatched["expected_datetime"] == "2025-09-28T16:00:00Z"  # end of 28 Sep, Beijing


def test_open311_errors(web: Clients) -> None:
    anonymous = GeoReportClient(web.anonymous(), None)
    response = anonymous.create(service_code="labour", description="x")
    assert response.status_code == 403
    [error] = response.json()
    assert error["code"] == 403 and "api_key" in error["description"]
    client = GeoReportClient(web.anonymous(), web.token("ent_a"))
    bad = client.create(service_code="nope", description="x")
    assert bad.status_code == 400 and "未知的诉求类别" in bad.json()[0]["description"]
    assert client.create(service_code="labour").json()[0]["code"] == 400
    assert client.requests(status="pending").status_code == 400
    rid = client.create(service_code="labour", description="道路破损").json()[0][
        "service_request_id"]
    other = GeoReportClient(web.anonymous(), web.token("ent_b"))
    assert other.request(rid).status_code == 404
    assert other.requests().json() == []
    auditor = GeoReportClient(web.anonymous(), web.token("auditor"))
    refused = auditor.create(service_code="labour", description="x")
    assert refused.status_code == 403 and "审计管理员" in refused.json()[0]["description"]
    xml = web.anonymous().post("/open311/v2/requests.xml", data={"service_code": "labour"})
    assert xml.status_code == 403 and b"<errors><error><code>403</code>" in xml.content
