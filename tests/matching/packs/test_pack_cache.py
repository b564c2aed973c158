"""The pack is kept per enterprise between requests, and is never stale: supplying a fact,
re-matching and publishing show at once (on SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from huiqi.kit.db import unit_of_work
from huiqi.matching import packs, service
from huiqi.policies import service as policies
from huiqi.policies.items import FileItemSource
from huiqi.registry import service as registry
from huiqi.registry.catalog import load_catalog
from tests.fixtures.web import csrf_token
from tests.matching.packs.conftest import POLICIES
from tests.matching.packs.test_gift_pack import _api, _htmx_post, _ids

Client = Callable[..., TestClient]


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the packs built (cache misses)."""
    made: list[int] = []
    real = packs._view

    def counting(*args: Any, **kwargs: Any) -> packs.PackView:
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(packs, "_view", counting)
    return made


def test_the_same_pack_is_built_once(logged_in: Client, register: Any, app_engine: Engine,
                                     clock: Any, builds: list[int]) -> None:
    client = logged_in("enterprise", enterprise_uscc=register())
    first = client.get("/gift-pack").text
    assert len(builds) == 1
    assert client.get("/gift-pack").text == first
    api = _api(client, app_engine, clock)
    assert _ids(api.get("/api/v1/gift-pack").json()["eligible"]) == ["giftville.rent",
                                                                     "giftville.auto"]
    assert len(builds) == 1  # page, page again and API: one pack


def test_a_supplied_fact_shows_at_once(logged_in: Client, register: Any, app_engine: Engine,
                                       clock: Any) -> None:
    client = logged_in("enterprise", enterprise_uscc=register())
    api = _api(client, app_engine, clock)
    assert "giftville.equipment" in _ids(api.get("/api/v1/gift-pack").json()["unknown"])
    client.get("/gift-pack")
    api.put("/api/v1/gift-pack/facts", json={"facts": {"equipment_investment": 2000000}})
    assert "giftville.equipment" in _ids(api.get("/api/v1/gift-pack").json()["eligible"])
    eligible = client.get("/gift-pack").text.split('id="unknown"')[0]
    assert "设备更新补助" in eligible and "测算 100,000.00" in eligible


def test_a_refused_form_does_not_stick_to_the_kept_pack(logged_in: Client,
                                                          register: Any) -> None:
    client = logged_in("enterprise", enterprise_uscc=register())
    client.get("/gift-pack")
    bad = _htmx_post(client, "/gift-pack/facts", {"fact_equipment_investment": "一百万"})
    assert bad.status_code == 422 and 'value="一百万"' in bad.text
    page = client.get("/gift-pack").text
    assert "填报信息有误" not in page and "一百万" not in page
    assert f'value="{csrf_token(client)}"' in page


def test_a_change_outside_the_page_shows_at_once(logged_in: Client, register: Any,
                                                 app_engine: Engine, clock: Any) -> None:
    """The office updates the profile and the registry is re-matched (another process, say)."""
    uscc = register()
    api = _api(logged_in("enterprise", enterprise_uscc=uscc), app_engine, clock)
    pack = api.get("/api/v1/gift-pack").json()
    assert "giftville.hightech" in _ids(pack["near_misses"])
    as_of = date.fromisoformat(pack["as_of"])
    with unit_of_work(app_engine) as db:
        ent = registry.upsert(db, {"uscc": uscc, "high_tech": True})
        owner = packs.Owner(ent.id, uscc, "", ent.region)
        service.match_all(db, load_catalog(), packs.items_for(db, owner, as_of), as_of,
                          enterprise_ids=[ent.id])
    assert "giftville.hightech" in _ids(api.get("/api/v1/gift-pack").json()["eligible"])


def test_publishing_shows_at_once(logged_in: Client, register: Any, app_engine: Engine,
                                  clock: Any, tmp_path: Path) -> None:
    client = logged_in("enterprise", enterprise_uscc=register())
    api = _api(client, app_engine, clock)
    before = api.get("/api/v1/gift-pack").json()
    assert "giftville.rent" in _ids(before["eligible"])
    client.get("/gift-pack")
    shutil.copy(POLICIES / "elsewhere.yaml", tmp_path / "elsewhere.yaml")  # giftville withdrawn
    policies.use_items(app_engine, FileItemSource([tmp_path]))
    try:
        after = api.get("/api/v1/gift-pack").json()
        assert _ids(after["eligible"]) == [] and float(after["total"]) == 0
        assert "承租国有房屋减免租金" not in client.get("/gift-pack").text
    finally:
        policies.use_items(app_engine, FileItemSource([POLICIES]))
    assert "giftville.rent" in _ids(api.get("/api/v1/gift-pack").json()["eligible"])


def test_one_rendered_pack_carries_each_sessions_csrf_token(
    logged_in: Client, register: Any, builds: list[int]
) -> None:
    """The pack body is rendered once and shared; its facts form must still carry the CSRF token
    of the session asking, or that session's form posts would be refused."""
    uscc = register()
    first = logged_in("enterprise", enterprise_uscc=uscc)
    second = logged_in("enterprise", enterprise_uscc=uscc)
    tokens = {csrf_token(first), csrf_token(second)}
    assert len(tokens) == 2
    for client in (first, second):
        page = client.get("/gift-pack").text
        mine = csrf_token(client)
        assert f'name="csrf_token" value="{mine}"' in page
        assert (tokens - {mine}).pop() not in page
        assert "__huiqi_csrf_slot__" not in page and 'name="fact_' in page
    assert len(builds) == 1


def test_a_message_after_saving_facts_shows_once_on_the_kept_pack(
        logged_in: Client, register: Any, builds: list[int]) -> None:
    uscc = register()
    one, two = logged_in("enterprise", enterprise_uscc=uscc), logged_in("enterprise",
                                                                          enterprise_uscc=uscc)
    first = one.get("/gift-pack").text
    assert one.get("/gift-pack").text == first
    other = two.get("/gift-pack").text  # another session: its own token in the layout
    assert csrf_token(two) in other and csrf_token(one) not in other
    one.post("/gift-pack/facts", data={"fact_equipment_investment": "2000000",
                                       "csrf_token": csrf_token(one)})
    shown = one.get("/gift-pack").text  # the message waits: shown once, then cleared
    assert "新符合条件" in shown
    assert "新符合条件" not in one.get("/gift-pack").text
