"""A one-route app for tests/kit/test_workers.py: answers its worker's process id."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route


def make() -> Starlette:
    return Starlette(routes=[Route("/pid", lambda request: PlainTextResponse(str(os.getpid())))])
