"""Eligibility questions of an enterprise are answered from its live 政策礼包 (the executed rules),
scored against matching itself, not by text: the same verdict, the same missing facts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from huiqi.auth.actor import Actor
from huiqi.kit.clock import FixedClock
from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import NotFound
from huiqi.knowledge import service
from huiqi.matching import packs
from huiqi.models.user import Role
from huiqi.policies import service as policies
from huiqi.policies.items import FileItemSource
from huiqi.registry import service as registry
from tests.fixtures.web import test_uscc
from tests.knowledge.conftest import OFFICE, POLICIES

CLOCK = FixedClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
DONGBAO_MAKER: dict[str, Any] = {
    "region": "420802", "legal_form": "enterprise", "industry_code": "C3841",
    "size_class": "medium", "above_size": True, "dishonest_debtor": False,
    "major_violation_3y": False}


@pytest.fixture
def maker(corpus: Engine) -> str:
    policies.use_items(corpus, FileItemSource([POLICIES]))
    uscc = test_uscc()
    with unit_of_work(corpus) as s:
        registry.upsert(s, {"uscc": uscc, "name": "东宝电池制造有限公司", **DONGBAO_MAKER})
    return uscc


def test_the_answer_names_what_matching_decided(corpus: Engine, maker: str) -> None:
    with unit_of_work(corpus) as s:
        answer = service.ask(s, "我能享受技改补助吗？", uscc=maker, actor=OFFICE, clock=CLOCK)
        view = packs.view(s, OFFICE, CLOCK, uscc=maker)
    entries = {e.item.id: e for e in (*view.pack.eligible, *view.pack.unknown,
                                      *view.pack.near_misses)}
    assert "dongbao.tech-upgrade" in answer.item_ids
    line = next(x for x in answer.eligibility if "技术改造" in x)
    entry = entries["dongbao.tech-upgrade"]
    assert entry.eligible is None  # the equipment facts are not known yet
    assert "补充" in line
    for label in packs.labels(entry.missing):
        assert label in line
    # Every item spoken about is one the pack decided on; none is recommended unless eligible.
    for item_id, text in zip(answer.item_ids, answer.eligibility, strict=True):
        recommended = "可以申报" in text
        assert recommended == bool(entries.get(item_id) and entries[item_id].eligible)


def test_another_enterprise_cannot_ask_about_this_one(corpus: Engine, maker: str) -> None:
    other = Actor(None, "ent:other", "别家企业", Role.ENTERPRISE, enterprise_uscc=test_uscc())
    with unit_of_work(corpus) as s, pytest.raises(NotFound):
        service.ask(s, "我能享受技改补助吗？", uscc=maker, actor=other, clock=CLOCK)
