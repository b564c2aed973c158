"""A fresh migrated database per test (SQLite and PostgreSQL) and the seeds ingested into it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from huiqi.auth.actor import Actor
from huiqi.kit.db import unit_of_work
from huiqi.knowledge import service
from huiqi.models.user import Role
from tests.fixtures.service_db import *  # noqa: F403

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
if not SEEDS.is_dir():
    SEEDS = Path("/work/shared/seeds")
POLICIES = Path(__file__).resolve().parents[2] / "policies"
NOW = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)
OFFICE = Actor(None, "cli:test", "营商办（测试）", Role.OFFICE, via="cli")


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


@pytest.fixture
def corpus(engine: Engine) -> Engine:
    """The demo corpus: the five seeds and the encoded policy documents."""
    with unit_of_work(engine) as s:
        service.ingest_policies(s, OFFICE, POLICIES, now=NOW)
        results = service.ingest_paths(s, OFFICE, [SEEDS], now=NOW, policies_dir=POLICIES)
    assert not [r for r in results if isinstance(r, service.Failed)]
    return engine
