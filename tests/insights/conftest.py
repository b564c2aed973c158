"""Insights tests: the web fixtures (an app on a migrated database per module, SQLite and
PostgreSQL) and the service fixtures (a fresh database per test)."""

from __future__ import annotations

from tests.fixtures.service_db import *  # noqa: F403
from tests.fixtures.web import *  # noqa: F403
