"""The app on a fresh database per module (SQLite and PostgreSQL), the 政策礼包 test policies
(tests/matching/packs/fixtures: high_tech → 100,000 元; rent relief; …) and a `register` factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from huiqi.kit.db import unit_of_work
from huiqi.registry import service as registry
from tests.fixtures.policy_items import policy_files
from tests.fixtures.web import *  # noqa: F403
from tests.fixtures.web import test_uscc

POLICIES = Path(__file__).parents[1] / "matching" / "packs" / "fixtures"
PROFILE: dict[str, Any] = {
    "region": "500105", "legal_form": "enterprise", "industry_code": "H6210",
    "size_class": "small", "rents_state_property": False, "high_tech": False}


@pytest.fixture(autouse=True)
def _gift_policies(request: pytest.FixtureRequest) -> Iterator[None]:
    with policy_files(request, POLICIES):
        yield


@pytest.fixture
def register(app_engine: Engine) -> Callable[..., str]:
    def factory(**profile: Any) -> str:
        uscc = test_uscc()
        with unit_of_work(app_engine) as db:
            registry.upsert(db, {"uscc": uscc, "name": f"测试企业{uscc[-6:]}有限公司",
                                 **PROFILE, **profile})
        return uscc

    return factory
from tests.liaison.worlds import lw  # noqa: E402, F401 - the hand-checked liaison world
