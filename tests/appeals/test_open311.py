"""Open311 GeoReport v2 over HTTP, on SQLite and PostgreSQL: services and their definitions, the
public (redacted) and the full view of a request, where the api_key may come from, comma lists,
jurisdiction_id, media_url, and GeoReport's error list for every 4xx in the URL's format.
(The real third-party clients: test_open311_clients.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any
from xml.etree import ElementTree as ET  # parsing our own response in a test

import pytest
from fastapi.testclient import TestClient

from tests.appeals.conftest import PDF, World, make_uscc
from tests.appeals.test_api import Clients, do

BASE = "/open311/v2"
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code",
                  "description", "agency_responsible", "service_notice", "requested_datetime",
                  "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
                  "lat", "long", "media_url"}
FILED = {"service_code": "labour", "description": "厂区门口道路破损，货车通行困难",
         "lat": "29.5630", "long": "106.5516", "address_string": "江北区港城路1号",
         "first_name": "三", "last_name": "张", "phone": "13800000000",
         "media_url": "https://img.example.cn/road.jpg"}


@pytest.fixture
def web(world: World) -> Iterator[Clients]:
    with ExitStack() as stack:
        yield Clients(world, stack)


def file(http: TestClient, key: str, **fields: str) -> str:
    response = http.post(f"{BASE}/requests.json", data={"api_key": key, **FILED, **fields})
    assert response.status_code == 201, response.text
    [receipt] = response.json()
    return str(receipt["service_request_id"])


def one(http: TestClient, rid: str, **params: str) -> dict[str, Any]:
    response = http.get(f"{BASE}/requests/{rid}.json", params=params)
    assert response.status_code == 200, response.text
    [row] = response.json()
    assert set(row) == REQUEST_FIELDS
    return dict(row)


def error_of(response: Any, status: int) -> str:
    """The GeoReport error list in the format the URL asked for; its description."""
    assert response.status_code == status, response.text
    if response.request.url.path.endswith(".xml"):
        root = ET.fromstring(response.content)
        assert root.tag == "errors" and root.findtext("error/code") == str(status)
        return root.findtext("error/description") or ""
    [error] = response.json()
    assert error["code"] == status
    return str(error["description"])


def test_services_and_definitions(web: Clients) -> None:
    http = web.anonymous()
    services = http.get(f"{BASE}/services.json").json()
    assert [(s["service_code"], s["service_name"], s["metadata"]) for s in services] == [
        ("finance", "融资信贷", True), ("labour", "用工招聘", True)]
    xml = ET.fromstring(http.get(f"{BASE}/services.xml").content)
    assert [s.findtext("service_code") for s in xml.findall("service")] == ["finance", "labour"]
    definition = http.get(f"{BASE}/services/labour.json").json()
    assert definition["service_code"] == "labour"
    codes = [a["code"] for a in definition["attributes"]]
    assert codes == ["title", "enterprise_uscc", "source"]
    source = definition["attributes"][2]
    assert source["datatype"] == "singlevaluelist"
    assert {"key": "liaison_visit", "name": "包联走访"} in source["values"]
    by_name = http.get(f"{BASE}/services/用工招聘.xml")
    root = ET.fromstring(by_name.content)
    assert root.tag == "service_definition" and root.findtext("service_code") == "labour"
    assert [a.findtext("code") for a in root.findall("attributes/attribute")] == codes
    assert root.find("attributes/attribute[3]/values/value/key") is not None
    assert "不存在" in error_of(http.get(f"{BASE}/services/nope.json"), 404)
    assert "不存在" in error_of(http.get(f"{BASE}/services/nope.xml"), 404)


def test_public_view_is_redacted_and_key_gives_full(web: Clients) -> None:
    http, key = web.anonymous(), web.token("ent_a")
    rid = file(http, key)
    public = one(http, rid)
    assert (public["status"], public["service_code"], public["service_name"]) == (
        "open", "labour", "用工招聘")
    assert public["requested_datetime"] == "2025-09-22T02:00:00Z"
    assert public["address"] == "重庆市江北区"  # the district, not the enterprise's address
    assert "用工招聘" in public["description"] and "道路" not in public["description"]
    assert public["lat"] is None and public["long"] is None and public["media_url"] is None
    text = http.get(f"{BASE}/requests.json").text + http.get(f"{BASE}/requests.xml").text
    for secret in ("测试企业1有限公司", make_uscc(1), "张三", "13800000000", "港城路", "道路破损",
                   "road.jpg"):
        assert secret not in text
    full = one(http, rid, api_key=key)
    assert full["description"] == FILED["description"]
    assert (full["lat"], full["long"], full["address"]) == (29.563, 106.5516, "江北区港城路1号")
    assert full["media_url"] == FILED["media_url"]  # fetchable with the same key
    other = one(http, rid, api_key=web.token("ent_b"))  # not theirs: the public view
    assert other == public
    office = web.api("office")
    do(office, int(rid), "dispatch", lead_department="hr")
    dispatched = one(http, rid)
    assert dispatched["agency_responsible"] == "区人力社保局"
    assert dispatched["expected_datetime"] == "2025-09-28T16:00:00Z"  # end of 28 Sep, Beijing
    assert dispatched["status_notes"] == "已交办"


def test_api_key_from_query_form_or_header(web: Clients) -> None:
    http, key = web.anonymous(), web.token("ent_a")
    query = http.post(f"{BASE}/requests.json", params={"api_key": key, "jurisdiction_id": ""},
                      data={"service_code": "labour", "description": "查询串里的 api_key"})
    assert query.status_code == 201, query.text
    rid = query.json()[0]["service_request_id"]
    header = http.post(f"{BASE}/requests.json", headers={"X-Api-Key": key},
                       data={"service_code": "finance", "description": "头里的 api_key"})
    assert header.status_code == 201, header.text
    bearer = http.get(f"{BASE}/requests/{rid}.json", headers={"Authorization": f"Bearer {key}"})
    assert bearer.json()[0]["description"] == "查询串里的 api_key"
    assert one(http, rid, api_key=key)["description"] == "查询串里的 api_key"
    assert "无效" in error_of(http.get(f"{BASE}/requests.json", params={"api_key": "hq_x"}), 403)
    assert "api_key" in error_of(http.post(f"{BASE}/requests.xml",
                                           data={"service_code": "labour"}), 403)


def test_filters_and_comma_lists(web: Clients) -> None:
    http, key = web.anonymous(), web.token("ent_a")
    labour = file(http, key)
    finance = file(http, key, service_code="finance", description="贷款难")

    def ids(**params: str) -> list[str]:
        response = http.get(f"{BASE}/requests.json", params=params)
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in response.json()]

    assert ids() == [finance, labour]  # newest first
    assert ids(service_code="labour") == [labour]
    assert ids(service_code="labour,finance") == [finance, labour]
    assert ids(service_request_id=f"{labour},{finance},99999999999999999999") == [finance, labour]
    many = [labour, "x", "1" * 5000, *(str(10**9 + i) for i in range(1000)), finance]
    assert ids(service_request_id=",".join(many)) == [labour]  # the first 1000 ids only
    assert ids(status="open,closed") == [finance, labour] and ids(status="closed") == []
    assert ids(start_date="2025-09-23T00:00:00+08:00") == []
    assert ids(start_date="2025-09-22T00:00:00+08:00", end_date="2025-09-22T23:59:59+08:00"
               ) == [finance, labour]
    assert "nope" in error_of(http.get(f"{BASE}/requests.json",
                                       params={"service_code": "labour,nope"}), 400)
    assert "open 或 closed" in error_of(http.get(f"{BASE}/requests.xml",
                                                params={"status": "pending"}), 400)
    assert "W3C" in error_of(http.get(f"{BASE}/requests.json", params={"start_date": "昨天"}), 400)


def test_jurisdiction(web: Clients) -> None:
    http, key = web.anonymous(), web.token("ent_a")
    ours = http.get(f"{BASE}/services.json", params={"jurisdiction_id": "huiqi"})
    assert ours.status_code == 200
    rid = file(http, key, jurisdiction_id="huiqi")
    for path in ("services.json", "services.xml", "services/labour.json", "requests.xml",
                 f"requests/{rid}.json"):
        message = error_of(http.get(f"{BASE}/{path}", params={"jurisdiction_id": "boston.gov"}),
                           404)
        assert "boston.gov" in message and "huiqi" in message
    refused = http.post(f"{BASE}/requests.json", params={"jurisdiction_id": "boston.gov"},
                        data={"api_key": key, "service_code": "labour", "description": "x"})
    error_of(refused, 404)


def test_every_4xx_is_an_open311_error(web: Clients) -> None:
    http, key = web.anonymous(), web.token("ent_a")
    for path in ("nothing.xml", "requests/abc.xml", "requests/99999999999999999999.xml",
                 "requests/²³.xml", "requests/12345.xml"):
        error_of(http.get(f"{BASE}/{path}"), 404)
    for path in ("nothing.json", "requests/99999999999999999999.json", "requests/1,2.json",
                 f"requests/{'9' * 5000}.json"):
        error_of(http.get(f"{BASE}/{path}"), 404)
    error_of(http.delete(f"{BASE}/requests.xml"), 405)
    error_of(http.put(f"{BASE}/services.json"), 405)
    assert "未知的诉求类别" in error_of(http.post(f"{BASE}/requests.xml", data={
        "api_key": key, "service_code": "nope", "description": "x"}), 400)
    assert "description" in error_of(http.post(f"{BASE}/requests.json", data={
        "api_key": key, "service_code": "labour"}), 400)
    assert "media_url" in error_of(http.post(f"{BASE}/requests.json", data={
        "api_key": key, "service_code": "labour", "description": "x",
        "media_url": "file:///etc/passwd"}), 400)
    assert "纬度" in error_of(http.post(f"{BASE}/requests.json", data={
        "api_key": key, "service_code": "labour", "description": "x", "lat": "北纬"}), 400)
    auditor = web.api("auditor")  # Bearer: refused by the read-only guard, still GeoReport's list
    assert "审计管理员" in error_of(auditor.post(f"{BASE}/requests.xml", data={
        "service_code": "labour", "description": "x"}), 403)
    assert "审计管理员" in error_of(http.post(f"{BASE}/requests.json", data={
        "api_key": web.token("auditor"), "service_code": "labour", "description": "x"}), 403)


def test_staff_file_for_an_enterprise_with_attributes(web: Clients) -> None:
    http = web.anonymous()
    key = web.token("liaison")
    rid = file(http, key, **{"attribute[enterprise_uscc]": make_uscc(1),
                             "attribute[title]": "道路破损影响出货", "attribute[source]":
                             "liaison_visit"})
    appeal = web.api("office").get(f"/api/v1/appeals/{rid}").json()["appeal"]
    assert (appeal["title"], appeal["source"], appeal["enterprise_uscc"]) == (
        "道路破损影响出货", "liaison_visit", make_uscc(1))
    assert "包联名单" in error_of(http.post(f"{BASE}/requests.json", data={
        "api_key": key, "service_code": "labour", "description": "x",
        "attribute[enterprise_uscc]": make_uscc(2)}), 400)


def test_uploaded_file_is_the_media_url_fetchable_with_the_key(web: Clients) -> None:
    http, key = web.anonymous(), web.token("ent_a")
    rid = file(http, key, media_url="")
    ent = web.api("ent_a")
    uploaded = ent.post(f"/api/v1/appeals/{rid}/attachments",
                        files={"file": ("照片.pdf", PDF, "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    url = one(http, rid, api_key=key)["media_url"]
    assert url == f"http://testserver{BASE}/media/{uploaded.json()['id']}"
    path = url.removeprefix("http://testserver")
    assert http.get(path, params={"api_key": key}).content == PDF
    assert "api_key" in error_of(http.get(path), 403)
    error_of(http.get(path, params={"api_key": web.token("ent_b")}), 404)
    assert one(http, rid)["media_url"] is None


def test_a_list_mixes_full_and_public_rows_by_what_the_key_may_see(web: Clients) -> None:
    http = web.anonymous()
    mine = file(http, web.token("ent_a"), description="甲企业：用电报装慢\x01")
    theirs = file(http, web.token("ent_b"), description="乙企业：融资难", media_url="")

    def descriptions(who: str | None, fmt: str = "json") -> dict[str, str]:
        params = {"api_key": web.token(who)} if who else {}
        response = http.get(f"{BASE}/requests.{fmt}", params=params)
        assert response.status_code == 200, response.text
        if fmt == "xml":  # still well-formed: the control character is left out
            return {r.findtext("service_request_id") or "": r.findtext("description") or ""
                    for r in ET.fromstring(response.content).findall("request")}
        return {r["service_request_id"]: r["description"] for r in response.json()}

    full = {rid: text.replace("\x01", "") for rid, text in descriptions("office").items()}
    assert full == {mine: "甲企业：用电报装慢", theirs: "乙企业：融资难"}
    assert descriptions("office", "xml") == {mine: "甲企业：用电报装慢", theirs: "乙企业：融资难"}
    for who, own, other in (("ent_b", theirs, mine), ("liaison", mine, theirs)):
        seen = {rid: text.replace("\x01", "") for rid, text in descriptions(who).items()}
        assert seen[own] == full[own] and "企业：" not in seen[other]
    assert not any("企业：" in d for d in descriptions(None).values())
