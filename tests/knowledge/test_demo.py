"""`make run`'s knowledge corpus: the vendored source reports and the policy files ingest cleanly,
once (a second run adds nothing), and the search page has something to find."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import Engine

from huiqi.kit.db import unit_of_work
from huiqi.knowledge import repository, service
from huiqi.knowledge.demo import CORPUS, seed_corpus


def test_the_demo_corpus_ingests_once(engine: Engine) -> None:
    assert len(list(CORPUS.glob("*.txt"))) == 5
    console = Console(record=True, width=200)
    seed_corpus(engine, console)
    with unit_of_work(engine) as s:
        first = len(repository.documents(s))
        hits = service.search(s, "首贷户 贴息")
    assert first == 5 + 4 and hits  # five reports, four policy files
    seed_corpus(engine, console)
    with unit_of_work(engine) as s:
        assert len(repository.documents(s)) == first
    assert "已有内容" in console.export_text()
