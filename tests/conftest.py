"""Shared fixtures: a throwaway PostgreSQL cluster per test worker, and database URLs per engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pgcluster import throwaway_cluster


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run a test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'huiqi.db'}"
    return str(request.getfixturevalue("pg_url"))
