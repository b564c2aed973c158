# ruff: noqa: F811 - the web fixtures are imported by name and used as arguments
"""The knowledge pages over HTTP (SQLite and PostgreSQL): search with highlights and filters,
ask with citations that open their clause, 不知道 → appeal, the Q&A box on the 政策礼包, and the
office's drafting of a policy file from an ingested document's clauses."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from huiqi.kit.db import unit_of_work
from huiqi.knowledge import service
from huiqi.models.audit import AuditLog
from huiqi.models.knowledge import KnowledgeClause, KnowledgeDocument
from tests.fixtures.web import (  # noqa: F401 - fixtures
    app,
    app_db_url,
    app_engine,
    client,
    clock,
    csrf_token,
    logged_in,
    make_user,
    post_form,
)
from tests.knowledge.conftest import NOW, OFFICE, POLICIES, SEEDS


@pytest.fixture
def corpus_app(app_engine: Engine) -> Engine:
    from huiqi.appeals.categories import create_category, list_categories
    from huiqi.kit.clock import Clock

    with unit_of_work(app_engine) as s:
        service.ingest_policies(s, OFFICE, POLICIES, now=NOW)
        service.ingest_paths(s, OFFICE, [SEEDS], now=NOW)
        if not list_categories(s):
            create_category(s, OFFICE, Clock(), code="policy", name="政策咨询",
                            sign_within_workdays=1, resolve_within_workdays=5)
    return app_engine


def test_search_page_highlights_and_filters(corpus_app: Engine, client: TestClient) -> None:
    page = client.get("/knowledge", params={"q": "首贷户 贴息"})
    assert page.status_code == 200
    assert "<mark>" in page.text and "301" in page.text
    # Untrusted text is escaped before the marks go in.
    assert "<script" not in page.text.split("<main", 1)[-1].lower()
    none = client.get("/knowledge", params={"q": "首贷户", "region": "500105"})
    assert "没有找到" in none.text
    bad = client.get("/knowledge", params={"q": "首贷户", "in_force": "2025-13-01"})
    assert bad.status_code == 422 and "日期格式" in bad.text


def test_ask_cites_clauses_and_they_open(corpus_app: Engine, client: TestClient) -> None:
    answered = post_form(client, "/knowledge/ask", {"question": "301首贷户贷款贴息是多少？"},
                         headers={"HX-Request": "true"})
    assert answered.status_code == 200
    links = re.findall(r'href="(/knowledge/clauses/\d+)"', answered.text)
    assert links and "2%" in answered.text
    clause = client.get(links[0])
    assert clause.status_code == 200 and "clause-current" in clause.text
    blank = post_form(client, "/knowledge/ask", {"question": "  "})
    assert blank.status_code == 422 and "请输入问题" in blank.text
    unknown = post_form(client, "/knowledge/ask", {"question": "商标注册需要多长时间？"})
    assert "不知道" in unknown.text and "登录后可一键" in unknown.text


def test_enterprise_turns_an_unanswered_question_into_an_appeal(
        corpus_app: Engine, logged_in: Callable[..., TestClient]) -> None:
    ent = logged_in("enterprise")
    question = "商标注册需要多长时间？"
    unknown = post_form(ent, "/knowledge/ask", {"question": question})
    assert "转为诉求" in unknown.text
    made = post_form(ent, "/knowledge/ask/appeal", {"question": question})
    assert made.status_code == 303 and made.headers["location"].startswith("/appeals/")
    appeal = ent.get(made.headers["location"])
    assert question in appeal.text


def test_office_drafts_a_policy_file_from_clauses(corpus_app: Engine,
                                                  logged_in: Callable[..., TestClient]) -> None:
    office = logged_in("office")
    with unit_of_work(corpus_app) as s:
        doc_id = s.scalar(select(KnowledgeDocument.id).where(
            KnowledgeDocument.source.contains("003_26302b"),
            KnowledgeDocument.status == "current"))
        ids = s.scalars(select(KnowledgeClause.id).where(
            KnowledgeClause.document_id == doc_id,
            KnowledgeClause.simplified.contains("生产性设备")).order_by(KnowledgeClause.seq)).all()
    assert doc_id and ids
    listing = office.get("/knowledge/documents")
    assert listing.status_code == 200 and f"/knowledge/documents/{doc_id}" in listing.text
    none = post_form(office, f"/knowledge/documents/{doc_id}/draft", {})
    assert none.status_code == 422 and "请至少勾选" in none.text
    drafted = post_form(office, f"/knowledge/documents/{doc_id}/draft",
                        {"clause": [str(i) for i in ids]})
    assert drafted.status_code == 200
    assert "equipment_investment &gt;= 5000000" in drafted.text
    assert "TODO" in drafted.text and "项待决定" in drafted.text
    with unit_of_work(corpus_app) as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "knowledge.draft")).one()
    assert row.actor_username == office.creds.username  # type: ignore[attr-defined]
    # Drafting is for policy editors only.
    ent = logged_in("enterprise")
    assert post_form(ent, f"/knowledge/documents/{doc_id}/draft",
                     {"clause": str(ids[0])}).status_code == 404


def test_office_ingests_files_in_the_browser(corpus_app: Engine,
                                             logged_in: Callable[..., TestClient]) -> None:
    office = logged_in("office")
    good = ("通知.txt", "关于支持小微企业的通知\n第一条 对年营业收入100万元以上的小微企业给予奖励。"
            .encode(), "text/plain")
    bad = ("扫描件.pdf", b"%PDF-1.4 not really", "application/pdf")

    done = office.post("/knowledge/documents", data={"csrf_token": csrf_token(office)},
                       files=[("files", good), ("files", bad)])
    assert done.status_code == 200
    assert "已导入" in done.text and "扫描件.pdf" in done.text and "PDF" in done.text
