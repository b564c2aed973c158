"""Search: the same top-10 on SQLite and PostgreSQL, filters, highlights, bad queries."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from huiqi.kit.db import make_engine, unit_of_work
from huiqi.kit.errors import ValidationFailed
from huiqi.knowledge import service
from huiqi.knowledge.repository import Filters
from huiqi.knowledge.tokens import tokenize
from tests.fixtures.service_db import _empty_tables
from tests.knowledge.conftest import NOW, OFFICE, POLICIES, SEEDS

QUERIES = ["技改补助", "减免租金", "首贷续贷", "企业安静期", "容缺受理 补齐资料", "知识价值贷",
           "远程视频服务", "营商环境 指标", "贴息 贷款", "双随机一公开 抽查"]


def _load(engine: Engine) -> list[list[tuple[str, str, float]]]:
    with unit_of_work(engine) as s:
        service.ingest_policies(s, OFFICE, POLICIES, now=NOW)
        service.ingest_paths(s, OFFICE, [SEEDS], now=NOW, policies_dir=POLICIES)
    with unit_of_work(engine) as s:
        return [[(h.title, h.number, h.score) for h in service.search(s, q, limit=10)]
                for q in QUERIES]


@pytest.mark.postgres
def test_the_same_top_ten_on_sqlite_and_postgresql(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    shutil.copy(request.getfixturevalue("_sqlite_template"), path)
    lite = make_engine(f"sqlite:///{path}")
    pg = make_engine(request.getfixturevalue("_pg_database"))
    _empty_tables(pg)
    try:
        on_sqlite, on_postgres = _load(lite), _load(pg)
    finally:
        lite.dispose()
        pg.dispose()
    assert all(on_sqlite) and sum(map(len, on_sqlite)) >= 60  # every query finds something
    assert on_sqlite == on_postgres


def test_ranking_highlights_and_filters(corpus: Engine) -> None:
    with unit_of_work(corpus) as s:
        hits = service.search(s, "首贷续贷中心")
        assert hits[0].title.startswith("精简流程细化服务")  # 巴南区民营小微企业首贷续贷中心
        assert "【首贷续贷中心】" in hits[0].highlighted
        # Traditional text is found by a simplified query and highlighted in its own script.
        quiet = service.search(s, "企业安静期")[0]
        assert "【企業安靜期】" in quiet.highlighted and quiet.number == "一(二)5"
        only_dongbao = service.search(s, "营商环境", filters=Filters(region="420802"))
        assert only_dongbao and {h.region for h in only_dongbao} == {"420802"}
        by_issuer = service.search(s, "营商环境", filters=Filters(issuer="青原区人民政府"))
        assert by_issuer and {h.issuer for h in by_issuer} == {"青原区人民政府"}
        # The 2022 relief measures are no longer in force in 2025; the news report has no dates.
        rent_2025 = service.search(s, "减免租金", filters=Filters(in_force_on=date(2025, 6, 1)))
        rent_2022 = service.search(s, "减免租金", filters=Filters(in_force_on=date(2022, 6, 1)))
        assert not any(h.title.startswith("江北区落实") for h in rent_2025)
        assert any(h.title.startswith("江北区落实") for h in rent_2022)


def test_a_superseded_version_drops_out_of_search(engine: Engine) -> None:
    v1 = "关于贷款贴息的通知\n第一条 贷款贴息比例为50%。\n第二条 由区财政局负责。"
    with unit_of_work(engine) as s:
        service.ingest_bytes(s, OFFICE, "n.txt", v1.encode(), now=NOW)
        assert "50%" in service.search(s, "贷款贴息比例")[0].text
        service.ingest_bytes(s, OFFICE, "n.txt", v1.replace("50%", "60%").encode(), now=NOW)
        hits = service.search(s, "贷款贴息比例")
        assert "60%" in hits[0].text and not any("50%" in h.text for h in hits)


def test_bad_queries_are_refused(engine: Engine) -> None:
    with unit_of_work(engine) as s, pytest.raises(ValidationFailed, match="请输入"):
        service.search(s, "  ")
    with unit_of_work(engine) as s:
        assert service.search(s, "完全无关的词语组合") == []


def test_policy_terms_and_their_parts_are_tokens() -> None:
    assert {"首贷续贷", "首贷续贷中心"} <= set(tokenize("首贷续贷中心"))
    assert {"技术改造", "技术", "改造"} <= set(tokenize("技術改造"))
    assert "的" not in tokenize("企业的补助")
