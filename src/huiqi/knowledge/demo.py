"""The demo corpus for `make run`: the five source reports (demo_corpus/, as published, two in
traditional characters and one noisy web page) and the encoded policy documents, so the search
page, the Q&A box and drafting have real text to work on."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine

from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.db import unit_of_work
from huiqi.kit.settings import get_settings
from huiqi.models.user import Role

CORPUS = Path(__file__).with_name("demo_corpus")


def seed_corpus(engine: Engine, console: Console) -> dict[str, str] | None:
    from huiqi.knowledge import repository, service

    actor = Actor(None, "demo-up", "演示数据", Role.OFFICE, via="cli")
    with unit_of_work(engine) as db:
        if repository.documents(db):
            console.print("政策知识库已有内容")
            return None
        now, policies = Clock().now(), get_settings().policies_dir
        with console.status("导入政策知识库（源报告与已编码的政策文件）…"):
            done = service.ingest_policies(db, actor, policies, now=now)
            more = service.ingest_paths(db, actor, [CORPUS], now=now, policies_dir=policies)
    clauses = sum(d.clause_count for d in [*done, *more] if isinstance(d, service.Ingested))
    console.print(f"政策知识库：{len(done) + len(more)} 份文件，{clauses} 个条款")
    return None
