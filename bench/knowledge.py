"""Knowledge search over a large corpus: `knowledge.service.search` on 10,000 documents.

    .venv/bin/python bench/knowledge.py                  # SQLite, 10,000 documents
    .venv/bin/python bench/knowledge.py --pg auto        # also PostgreSQL (a throwaway cluster)
    .venv/bin/python bench/knowledge.py --documents 2000 --queries 100

What it does: ingests the demo corpus (the five source reports and the policy files) through the
real pipeline, then copies its documents and clauses until there are `--documents` documents
(each copy with its own title, and the numbers in its clauses shifted, so postings and scores
vary as in a real library); the first search builds the in-memory BM25 index (printed apart);
then the evaluation questions (tests/knowledge/eval_questions.yaml) are searched in turn,
`--queries` times in all, each timed as the search page calls it (the index-freshness check on
the database, ranking, highlights). The issue's target: under 100 ms per search.

Figures go in the note of the session that changes search; see docs/scale.md.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)


def _corpus(url: str, documents: int) -> float:
    """Fill the database; seconds taken."""
    from sqlalchemy import insert, select

    from huiqi.auth.actor import Actor
    from huiqi.kit.db import make_engine, unit_of_work
    from huiqi.kit.migrate import migrate
    from huiqi.knowledge import service
    from huiqi.knowledge.demo import CORPUS
    from huiqi.models.knowledge import KnowledgeClause, KnowledgeDocument
    from huiqi.models.user import Role

    start = time.perf_counter()
    engine = make_engine(url)
    migrate(engine)
    office = Actor(None, "bench", "基准测试", Role.OFFICE, via="cli")
    with unit_of_work(engine) as s:
        service.ingest_policies(s, office, ROOT / "policies", now=NOW)
        service.ingest_paths(s, office, [CORPUS], now=NOW)
        docs = s.scalars(select(KnowledgeDocument)).all()
        parts = {d.id: s.scalars(select(KnowledgeClause).where(
            KnowledgeClause.document_id == d.id)).all() for d in docs}
        doc_cols = [c.key for c in KnowledgeDocument.__table__.columns if c.key != "id"]
        clause_cols = [c.key for c in KnowledgeClause.__table__.columns
                       if c.key not in ("id", "document_id")]
        copy = 0
        while len(docs) + copy < documents:
            batch = min(500, documents - len(docs) - copy)
            for n in range(batch):
                source = docs[(copy + n) % len(docs)]
                row = {c: getattr(source, c) for c in doc_cols}
                row["title"] = f"{source.title}（第{copy + n + 1}号）"[:300]
                row["content_hash"] = hashlib.sha256(row["title"].encode()).hexdigest()
                row["doc_key"] = row["content_hash"][:40]
                new_id = s.execute(insert(KnowledgeDocument).values(**row)
                                   .returning(KnowledgeDocument.id)).scalar_one()
                shift = (copy + n) % 97 + 1
                s.execute(insert(KnowledgeClause), [
                    {**{c: getattr(p, c) for c in clause_cols}, "document_id": new_id,
                     "tokens": re.sub(r"\d+", lambda m, by=shift: str(int(m.group()) + by),
                                      p.tokens)}
                    for p in parts[source.id]])
            copy += batch
    engine.dispose()
    return time.perf_counter() - start


def _questions() -> list[str]:
    data = yaml.safe_load((ROOT / "tests/knowledge/eval_questions.yaml").read_text("utf-8"))
    return [q["q"] for q in data["questions"]]


def run(label: str, url: str, args: argparse.Namespace) -> None:
    from sqlalchemy import func, select

    from huiqi.kit.db import make_engine, unit_of_work
    from huiqi.knowledge import service
    from huiqi.models.knowledge import KnowledgeClause

    filled = _corpus(url, args.documents)
    engine = make_engine(url)
    questions = _questions()
    with unit_of_work(engine) as s:
        clauses = s.scalar(select(func.count()).select_from(KnowledgeClause))
        start = time.perf_counter()
        service.search(s, questions[0])
        build = time.perf_counter() - start
        times = []
        for n in range(args.queries):
            start = time.perf_counter()
            service.search(s, questions[n % len(questions)])
            times.append(time.perf_counter() - start)
    engine.dispose()
    q = statistics.quantiles(times, n=100)
    print(f"== {label}: {args.documents:,} documents, {clauses:,} clauses "
          f"(filled in {filled:.1f} s)")
    print(f"   first search (builds the index): {build * 1000:.0f} ms")
    print(f"   {args.queries} searches: p50 {q[49] * 1000:.1f} ms, p95 {q[94] * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pg", help="'auto' for a throwaway PostgreSQL cluster")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    import os

    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="huiqi-bench-knowledge-") as name:
        if not args.no_sqlite:
            run("SQLite", f"sqlite:///{Path(name) / 'bench.db'}", args)
        if args.pg == "auto":
            sys.path.insert(0, str(ROOT))
            from tests.pgcluster import throwaway_cluster

            with throwaway_cluster() as pg:
                run("PostgreSQL", pg, args)


if __name__ == "__main__":
    main()
