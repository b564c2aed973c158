"""The app on a fresh database per module (SQLite and PostgreSQL), the 政策礼包 test policies of
fixtures/, and a registered enterprise with an account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from huiqi.grants import items
from huiqi.kit.db import unit_of_work
from huiqi.registry import service as registry
from tests.fixtures.web import *  # noqa: F403
from tests.fixtures.web import test_uscc

POLICIES = Path(__file__).parent / "fixtures"
PROFILE: dict[str, Any] = {
    "region": "500105", "legal_form": "enterprise", "industry_code": "H6210",
    "size_class": "small", "rents_state_property": True, "monthly_rent": "10000",
    "high_tech": False, "unemployment_insurance_paid": "20000"}


@pytest.fixture(scope="module", autouse=True)
def _gift_policies() -> Iterator[None]:
    # The item source is process-wide: put back exactly what was there (another conftest's
    # choice, or none) so later modules in this worker see their own.
    before = items._source, getattr(items, "_chosen", items._source is not None)
    items.use_source(items.FileItemSource([POLICIES]))
    yield
    items._source = before[0]
    if hasattr(items, "_chosen"):
        items._chosen = before[1]


@pytest.fixture
def register(app_engine: Engine) -> Callable[..., str]:
    """Register an enterprise (profile overrides allowed); returns its USCC."""
    def factory(**profile: Any) -> str:
        uscc = test_uscc()
        with unit_of_work(app_engine) as db:
            registry.upsert(db, {"uscc": uscc, "name": f"测试企业{uscc[-6:]}有限公司",
                                 **PROFILE, **profile})
        return uscc

    return factory
