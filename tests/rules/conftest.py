from __future__ import annotations

from pathlib import Path

import pytest

from huiqi.rules import Catalog
from tests.rules.catalog_helper import load_catalog

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
