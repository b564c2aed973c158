"""`Idempotency-Key` on API writes that create or pay (requirement 33): the same key and body
replay the first response without doing it again; another body → 422; a duplicate in flight →
409 or the replay, never a second write; keys expire; the claim lives in the database."""

from __future__ import annotations

import threading
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from huiqi.appeals import categories
from huiqi.models.appeal import Appeal
from huiqi.models.application import Application
from huiqi.models.audit import AuditLog
from huiqi.models.idempotency_key import IdempotencyKey
from huiqi.security import service as security
from tests.grants.conftest import World
from tests.grants.web import Clients
from tests.security.test_personal_data import _approved_with_bank

RENT = {"item_id": "testville.rent", "bank": {"account": "6222021234567891234"}}


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _count(world: World, model: type) -> int:
    with world.tx() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_application_replayed_not_repeated_and_another_body_refused(world: World,
                                                                     web: Clients) -> None:
    ent, key = web.api("ent_a"), _key()
    first = ent.post("/api/v1/grants/applications", json=RENT, headers=key)
    assert first.status_code == 201, first.text
    again = ent.post("/api/v1/grants/applications", json=RENT, headers=key)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert _count(world, Application) == 1
    other = ent.post("/api/v1/grants/applications", json={**RENT, "facts": {"x": 1}},
                     headers=key)
    assert other.status_code == 422
    assert "已用于另一个请求" in other.json()["error"]["message"]
    # Without a key the duplicate is the domain's own refusal, not a replay.
    plain = ent.post("/api/v1/grants/applications", json=RENT)
    assert plain.status_code == 409 and "idempotent-replayed" not in plain.headers


def test_a_key_is_per_account_and_expires(world: World, web: Clients) -> None:
    key = _key()
    a = web.api("ent_a").post("/api/v1/grants/applications", json=RENT, headers=key)
    b = web.api("ent_b").post("/api/v1/grants/applications", json=RENT, headers=key)
    assert (a.status_code, b.status_code) == (201, 201) and a.json()["id"] != b.json()["id"]
    world.clock.advance(hours=24, seconds=1)
    with world.tx() as s:
        assert security.purge_expired_keys(s, world.clock.now()) == 2
    reused = web.api("ent_a").post("/api/v1/grants/applications",
                                   json={"item_id": "testville.rent"}, headers=key)
    assert reused.status_code == 409  # a new request (the domain's duplicate rule), not a 422


def test_mark_paid_replays_the_first_payment_result(world: World, web: Clients) -> None:
    _approved_with_bank(world)
    office, payer, key = web.api("office"), web.api("office2"), _key()
    batch = office.post("/api/v1/grants/payouts", json={}, headers=key)
    assert batch.status_code == 201
    assert office.post("/api/v1/grants/payouts", json={}, headers=key).json() == batch.json()
    batch_id = batch.json()["id"]
    assert office.post(f"/api/v1/grants/payouts/{batch_id}/export").status_code == 200
    pay_key = _key()
    paid = payer.post(f"/api/v1/grants/payouts/{batch_id}/paid", json={"bank_reference": "R1"},
                      headers=pay_key)
    again = payer.post(f"/api/v1/grants/payouts/{batch_id}/paid",
                       json={"bank_reference": "R1"}, headers=pay_key)
    assert paid.json()["newly_paid"] == 1 and again.json() == paid.json()
    with world.tx() as s:
        paid_rows = s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "grants.payout_paid"))
    assert paid_rows == 1


def test_appeal_submitted_once(world: World, web: Clients) -> None:
    with world.tx() as s:
        categories.create_category(s, world.office, world.clock, code="labour", name="用工招聘",
                                   sign_within_workdays=1, resolve_within_workdays=5)
    ent, key = web.api("ent_a"), _key()
    body = {"category": "用工招聘", "title": "招工难", "description": "缺少熟练焊工"}
    first = ent.post("/api/v1/appeals", json=body, headers=key)
    again = ent.post("/api/v1/appeals", json=body, headers=key)
    assert first.status_code == 201 and again.json() == first.json()
    assert _count(world, Appeal) == 1
    bad = ent.post("/api/v1/appeals", json=body, headers={"Idempotency-Key": "x" * 256})
    assert bad.status_code == 422 and "ASCII" in bad.json()["error"]["message"]


def test_a_failed_write_leaves_no_claim(world: World, web: Clients) -> None:
    ent, key = web.api("ent_a"), _key()
    missing = ent.post("/api/v1/grants/applications", json={"item_id": "nope"}, headers=key)
    assert missing.status_code in (404, 422)
    assert _count(world, IdempotencyKey) == 0
    ok = ent.post("/api/v1/grants/applications", json=RENT, headers=key)
    assert ok.status_code == 201  # the rolled-back attempt claimed nothing: the key is free


def test_concurrent_duplicates_write_once(world: World, web: Clients) -> None:
    clients: list[TestClient] = [web.api("ent_a") for _ in range(4)]
    key, results = _key(), []
    barrier = threading.Barrier(len(clients))

    def send(client: TestClient) -> None:
        barrier.wait()
        r = client.post("/api/v1/grants/applications", json=RENT, headers=key)
        results.append((r.status_code, r.json()))

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert _count(world, Application) == 1
    statuses = sorted(code for code, _ in results)
    assert len(statuses) == 4 and statuses[0] == 201 and set(statuses) <= {201, 409}, results
    created = [body for code, body in results if code == 201]
    assert all(body == created[0] for body in created)
    assert all("正在处理" in body["error"]["message"] for code, body in results if code == 409)
