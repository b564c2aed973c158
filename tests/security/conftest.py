"""The grants world (departments, office, enterprises, the testville policies) on a fresh
database per test, SQLite and PostgreSQL, with page and API clients."""

from tests.fixtures.service_db import *  # noqa: F403
from tests.grants.conftest import _test_policies, web, world  # noqa: F401
