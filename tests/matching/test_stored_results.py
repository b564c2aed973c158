"""Stored match results, on SQLite and PostgreSQL: only the pairs something reads are rows
(eligible, undecided, near misses of an item offered in the enterprise's region), the registry
matched in memory stores exactly what SQL stores one enterprise at a time, a missing row is a
plain "not eligible" by the reference evaluator, and the stamp says when a pack must re-match."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from huiqi.kit.db import make_engine, unit_of_work
from huiqi.matching import service
from huiqi.models.enterprise import Enterprise
from huiqi.models.match_result import MatchResult
from huiqi.registry import demo
from huiqi.registry.catalog import load_catalog
from huiqi.registry.importer import import_enterprises
from huiqi.rules import Item, evaluate, load_policy_files
from tests.fixtures.db import fresh_database

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2025, 6, 1)
ENTERPRISES = 240


@pytest.fixture
def engine(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    kind = "sqlite" if db_url.startswith("sqlite") else "postgres"
    with fresh_database(kind, tmp_path, None if kind == "sqlite" else db_url) as url:
        eng = make_engine(url)
        data = demo.write_demo_file(tmp_path / "e.parquet", ENTERPRISES, seed=11, with_facts=True)
        with unit_of_work(eng) as db:
            import_enterprises(db, data)
        yield eng
        eng.dispose()


@pytest.fixture(scope="module")
def items() -> list[Item]:
    found = load_policy_files([ROOT / "policies"], load_catalog()).items
    return sorted((i for i in found if i.in_force(AS_OF)), key=lambda i: i.id)


def _match(engine: Engine, items: list[Item], ids: list[int] | None = None,
           as_of: date = AS_OF) -> service.MatchStats:
    with unit_of_work(engine) as db:
        return service.match_all(db, load_catalog(), items, as_of, enterprise_ids=ids)


def _stored(engine: Engine) -> set[tuple[Any, ...]]:
    with Session(engine) as db:
        m = MatchResult
        return {tuple(r) for r in db.execute(select(
            m.enterprise_id, m.item_id, m.eligible, m.amount, m.failed, m.missing, m.near_miss,
            m.as_of))}


def _enterprises(engine: Engine) -> dict[int, str | None]:
    with Session(engine) as db:
        return dict(db.execute(select(Enterprise.id, Enterprise.region)).all())  # type: ignore[arg-type]


def test_in_memory_stores_what_sql_stores_one_enterprise_at_a_time(
        engine: Engine, items: list[Item]) -> None:
    stats = _match(engine, items)  # the whole registry: the in-memory engine
    whole = _stored(engine)
    assert stats.enterprises == ENTERPRISES and stats.pairs == ENTERPRISES * len(items)
    kinds = {(r[2], r[6]) for r in whole}
    assert kinds == {(True, False), (None, False), (False, True)}  # no plain "not eligible"
    assert stats.eligible == sum(r[2] is True for r in whole)
    assert stats.unknown == sum(r[2] is None for r in whole)
    regions = _enterprises(engine)
    by_id = {i.id: i for i in items}
    assert all(by_id[r[1]].document.covers(regions[r[0]]) is not False for r in whole)
    for eid in regions:  # one at a time: SQL in the database
        _match(engine, items, [eid])
    assert _stored(engine) == whole


def test_a_missing_row_is_plainly_not_eligible(engine: Engine, items: list[Item]) -> None:
    _match(engine, items)
    catalog = load_catalog()
    with unit_of_work(engine) as db:
        ids = sorted(_enterprises(engine))
        for eid in ids[::6]:
            assert service.check_consistency(db, catalog, eid, items, AS_OF) == []


def test_the_stamp_says_when_results_are_complete(engine: Engine, items: list[Item]) -> None:
    _match(engine, items[1:])
    catalog = load_catalog()
    eid, region = next(iter(_enterprises(engine).items()))
    offered = [i for i in items if i.document.covers(region) is not False]
    with unit_of_work(engine) as db:  # matched without items[0]: re-matched if it is offered
        first = service.results(db, catalog, eid, offered, AS_OF)
        assert first.rematched is (items[0] in offered)
    with unit_of_work(engine) as db:
        assert service.results(db, catalog, eid, offered, AS_OF).rematched is False
        later = service.results(db, catalog, eid, offered, AS_OF + timedelta(days=1))
        assert later.rematched is True  # another policy date


def test_export_has_every_pair_as_the_reference_evaluates_it(
        engine: Engine, items: list[Item]) -> None:
    catalog = load_catalog()
    with unit_of_work(engine) as db:
        rows = service.export_rows(db, catalog, items, AS_OF)
        assert len(rows) == ENTERPRISES * len(items)
        by_item = {i.id: i for i in items}
        usccs = {e.uscc: e.id for e in db.scalars(select(Enterprise))}
        for uscc, item_id, eligible, amount, failed, missing in rows[::37]:
            facts = service.enterprise_facts(db, catalog, usccs[uscc])
            ref = evaluate(by_item[item_id], facts, AS_OF)
            assert (eligible, amount, failed, missing) == (
                ref.eligible, ref.amount, ";".join(ref.failed), ";".join(ref.missing))
