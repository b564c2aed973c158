"""The source relation (repository.source_sql) on SQLite and PostgreSQL: restricted to some
enterprises or to some catalog fields, it gives exactly those rows and columns of the full
relation (the filters are repeated inside the facts pivot so one enterprise's read does not pivot
the registry's facts)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from huiqi.kit.db import make_engine, unit_of_work
from huiqi.matching import repository
from huiqi.registry import service as registry
from huiqi.registry.catalog import load_catalog
from tests.fixtures.db import fresh_database
from tests.fixtures.web import test_uscc

PROFILE: dict[str, Any] = {"region": "500105", "legal_form": "enterprise",
                           "industry_code": "H6210", "size_class": "small", "high_tech": False}
FACTS: list[dict[str, Any]] = [
    {"loan_amount": Decimal("500000"), "robot_replacement": True},
    {"loan_amount": Decimal("120000.50"), "loan_rate": Decimal("0.0385"), "first_loan": False},
    {},
]


@pytest.fixture
def engine(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    kind = "sqlite" if db_url.startswith("sqlite") else "postgres"
    with fresh_database(kind, tmp_path, None if kind == "sqlite" else db_url) as url:
        eng = make_engine(url)
        yield eng
        eng.dispose()


def _rows(engine: Engine, sql: str) -> dict[int, dict[str, Any]]:
    with engine.connect() as conn:
        return {r["__row"]: dict(r) for r in conn.execute(text(sql)).mappings()}


def test_restricted_source_is_the_full_source_restricted(engine: Engine) -> None:
    ids = []
    with unit_of_work(engine) as db:
        for n, facts in enumerate(FACTS):
            ent = registry.upsert(db, {"uscc": test_uscc(), "name": f"源表测试{n}有限公司",
                                       **PROFILE})
            registry.set_facts(db, ent, facts)
            ids.append(ent.id)
    catalog, dialect = load_catalog(), engine.dialect.name
    full = _rows(engine, repository.source_sql(catalog, dialect, None))
    assert set(full) == set(ids)
    assert full[ids[0]]["loan_amount"] == 500000
    assert Decimal(str(full[ids[1]]["loan_rate"])) == Decimal("0.0385")
    assert full[ids[2]]["loan_amount"] is None  # no facts: unknown, not a default

    one = _rows(engine, repository.source_sql(catalog, dialect, [ids[1]]))
    assert one == {ids[1]: full[ids[1]]}

    fields = ["region", "loan_amount", "first_loan"]
    narrow = _rows(engine, repository.source_sql(catalog, dialect, None, fields))
    assert narrow == {i: {k: full[i][k] for k in ["__row", *fields]} for i in ids}
    profile_only = _rows(engine, repository.source_sql(catalog, dialect, ids[:2], ["region"]))
    assert profile_only == {i: {"__row": i, "region": "500105"} for i in ids[:2]}

    with unit_of_work(engine) as db:
        assert repository.facts_row(db, catalog, ids[0]) == full[ids[0]]
        rows = repository.registry_rows(db, catalog, ["loan_amount", "robot_replacement"])
    assert [r[0] for r in rows] == sorted(ids)
    assert [r[1:] for r in rows] == [(full[i]["loan_amount"], full[i]["robot_replacement"])
                                     for i in sorted(ids)]
