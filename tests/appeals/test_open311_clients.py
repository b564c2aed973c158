"""Real GeoReport v2 clients from PyPI, unmodified, against the app under uvicorn on a loopback
port, on SQLite and PostgreSQL: `georeport` (2025; reads only, never sends an api_key) lists the
services, reads a service definition and a request; `open311` (2011; api_key in the query string
of its POST) files one. The old one is imported through tests/appeals/legacy_open311.py."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import uvicorn
from georeport import GeoReport

from huiqi.app import create_app
from huiqi.auth import service as auth_service
from huiqi.models.appeal import Appeal
from tests.appeals import legacy_open311
from tests.appeals.conftest import World, make_uscc, raise_appeal

SECRETS = ("测试企业1有限公司", make_uscc(1), "李四", "13900000000", "港城路", "焊工30名")


@pytest.fixture
def base(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The Open311 base URL of the app served by uvicorn on 127.0.0.1 (a socket bound first, so
    the port is ours); only loopback traffic, never through a proxy."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    app = create_app(world.settings, world.engine, clock=world.clock)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/open311/v2"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def token(world: World, who: str) -> str:
    with world.tx() as s:
        _, secret = auth_service.create_api_token(s, world.actors[who], world.clock, "客户端")
    return secret


def appeal(world: World) -> str:
    return str(raise_appeal(world, contact_name="李四", contact_phone="13900000000",
                            address="江北区港城路8号"))


def test_georeport_lists_services_reads_a_request_and_its_definition(world: World, base: str
                                                                      ) -> None:
    rid = appeal(world)
    client = GeoReport(base, jurisdiction="huiqi")
    services = client.get_service_list()
    assert [(s["service_code"], s["service_name"], s["metadata"]) for s in services] == [
        ("finance", "融资信贷", True), ("labour", "用工招聘", True)]
    definition = client.get_service_definition("labour")
    assert [a["code"] for a in definition["attributes"]] == ["title", "enterprise_uscc",
                                                              "source"]
    request = client.get_service_request(rid)
    assert (request["service_request_id"], request["service_code"], request["status"]) == (
        rid, "labour", "open")
    assert request["address"] == "重庆市江北区" and request["requested_datetime"] == \
        "2025-09-22T02:00:00Z"
    listed = client.get_service_requests(service_code="labour,finance", status="open")
    assert [r["service_request_id"] for r in listed] == [rid]
    assert not any(s in json.dumps(listed, ensure_ascii=False) for s in SECRETS)


def test_georeport_in_xml_and_another_jurisdiction(world: World, base: str) -> None:
    rid = appeal(world)
    client = GeoReport(base, jurisdiction="huiqi", output_format="xml")
    services = client.get_service_list()
    assert [s["service_code"] for s in services] == ["finance", "labour"]
    definition = client.get_service_definition("labour")
    attributes = definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes] == ["title", "enterprise_uscc", "source"]
    assert {"key": "hotline", "name": "12345热线"} in attributes[2]["values"]["value"]
    request = client.get_service_request(rid)
    assert (request["service_request_id"], request["service_name"]) == (rid, "用工招聘")
    assert request["address"] == "重庆市江北区" and request["lat"] is None
    elsewhere = GeoReport(base, jurisdiction="boston.gov", output_format="xml")
    with pytest.raises(requests.HTTPError) as refused:
        elsewhere.get_service_list()
    body = refused.value.response
    assert body.status_code == 404 and b"<errors><error><code>404</code>" in body.content


def test_open311_files_a_request(world: World, base: str) -> None:
    open311 = legacy_open311.load()
    key = token(world, "ent_a")
    client = open311(endpoint=base, api_key=key, format="json")  # jurisdiction_id= (empty)
    receipt = client.post_service_request(
        service_code="labour", description="厂区门口道路破损，货车通行困难",
        address_string="江北区港城路1号", first_name="三", last_name="张",
        phone="13800000000", email="zhang@example.cn",
        media_url="https://img.example.cn/road.jpg")
    [filed] = receipt
    rid = filed["service_request_id"]
    assert filed["account_id"] == make_uscc(1) and "受理" in filed["service_notice"]
    [public] = client.get_service_request(rid)  # it sends no api_key on GET: the public view
    assert public["status"] == "open" and public["media_url"] is None
    assert "道路" not in public["description"]
    full = httpx.get(f"{base}/requests/{rid}.json", params={"api_key": key}).json()[0]
    assert (full["description"], full["address"], full["media_url"]) == (
        "厂区门口道路破损，货车通行困难", "江北区港城路1号", "https://img.example.cn/road.jpg")
    with world.tx() as s:
        stored = s.get(Appeal, int(rid))
        assert stored is not None
        assert (stored.contact_name, stored.contact_phone, stored.via, stored.title) == (
            "张三", "13800000000", "open311", "厂区门口道路破损，货车通行困难")
    stranger = open311(endpoint=base, api_key="hq_not-a-key", format="json")
    with pytest.raises(urllib.error.HTTPError) as refused:
        stranger.post_service_request(service_code="labour", description="x")
    error: Any = json.loads(refused.value.read())
    assert refused.value.code == 403 and error[0]["code"] == 403
