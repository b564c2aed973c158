"""Notification fixtures: the web app's (tests/fixtures/web.py)."""

from tests.fixtures.web import *  # noqa: F403
