"""Web-app fixtures (tests/fixtures/web.py)."""

from tests.fixtures.web import *  # noqa: F403
