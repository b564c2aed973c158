"""The knowledge API over HTTP: public search and ask, the clause behind a citation, and an
unanswered question turned into an appeal by an enterprise (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from huiqi.app import create_app
from huiqi.auth import service as auth_service
from huiqi.kit.db import unit_of_work
from huiqi.knowledge import service
from tests.appeals.conftest import World, world  # noqa: F401 - the appeals world fixture
from tests.knowledge.conftest import NOW, OFFICE, POLICIES, SEEDS


@pytest.fixture
def client(world: World) -> Iterator[tuple[TestClient, World]]:  # noqa: F811
    with unit_of_work(world.engine) as s:
        service.ingest_policies(s, OFFICE, POLICIES, now=NOW)
        service.ingest_paths(s, OFFICE, [SEEDS], now=NOW)
    app = create_app(world.settings, world.engine, clock=world.clock)
    with TestClient(app, follow_redirects=False) as c:
        yield c, world


def test_public_search_ask_and_the_cited_clause(client: tuple[TestClient, World]) -> None:
    c, _ = client
    hits = c.get("/api/v1/knowledge/search", params={"q": "知识价值贷"}).json()
    assert hits and "【知識價值貸】" in hits[0]["highlighted"]
    asked = c.post("/api/v1/knowledge/ask", json={"question": "301首贷户贷款贴息是多少？"})
    assert asked.status_code == 200, asked.text
    body = asked.json()
    assert body["answered"] and "2%" in body["text"] and body["eligibility"] == []
    first = body["citations"][0]
    opened = c.get(first["link"]).json()
    assert opened["citation"] == first["citation"] and "2%" in opened["text"]
    assert c.get("/api/v1/knowledge/clauses/999999").status_code == 404
    empty = c.post("/api/v1/knowledge/ask", json={"question": " "})
    assert empty.status_code == 422 and "请输入问题" in empty.text
    unknown = c.post("/api/v1/knowledge/ask", json={"question": "商标注册需要多长时间？"}).json()
    assert not unknown["answered"] and unknown["text"].startswith("不知道")


def test_an_unanswered_question_becomes_an_appeal(client: tuple[TestClient, World]) -> None:
    c, w = client
    question = "商标注册需要多长时间？"
    assert c.post("/api/v1/knowledge/ask/appeal", json={"question": question}).status_code == 401
    with w.tx() as s:
        _, secret = auth_service.create_api_token(s, w.actors["ent_a"], w.clock, "测试")
    c.headers["Authorization"] = f"Bearer {secret}"
    created = c.post("/api/v1/knowledge/ask/appeal", json={"question": question})
    assert created.status_code == 201, created.text
    appeal = c.get(created.json()["link"]).json()["appeal"]
    assert question in appeal["title"] and question in appeal["description"]


def test_the_office_drafts_rules_through_the_api(client: tuple[TestClient, World]) -> None:
    from sqlalchemy import select

    from huiqi.models.knowledge import KnowledgeClause, KnowledgeDocument

    c, w = client
    with w.tx() as s:
        doc_id = s.scalar(select(KnowledgeDocument.id).where(
            KnowledgeDocument.source.contains("003_26302b")))
        ids = s.scalars(select(KnowledgeClause.id).where(
            KnowledgeClause.document_id == doc_id,
            KnowledgeClause.simplified.contains("网络销售额"))).all()
        _, office = auth_service.create_api_token(s, w.actors["office"], w.clock, "测试")
        _, firm = auth_service.create_api_token(s, w.actors["ent_a"], w.clock, "测试")
    url = f"/api/v1/knowledge/documents/{doc_id}/draft"
    refused = c.post(url, json={"clause_ids": ids}, headers={"Authorization": f"Bearer {firm}"})
    assert refused.status_code == 404
    made = c.post(url, json={"clause_ids": ids}, headers={"Authorization": f"Bearer {office}"})
    assert made.status_code == 200, made.text
    body = made.json()
    assert any(e["rule"] == "online_sales >= 5000000" and e["todo"] is None
               for e in body["elements"])
    assert "online_sales >= 5000000" in body["source"] and body["pending"] >= 0
    empty = c.post(url, json={"clause_ids": []}, headers={"Authorization": f"Bearer {office}"})
    assert empty.status_code == 422
