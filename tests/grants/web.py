"""Web-test helpers: the app on the test's fresh database, with grants' routers, logged-in clients
and Bearer clients for the world's accounts."""

from __future__ import annotations

from contextlib import ExitStack

from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.app import create_app
from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor
from tests.fixtures.pages import PASSWORD, Pages
from tests.grants.conftest import World

__all__ = ["PASSWORD", "Clients", "grants_app"]


def grants_app(world: World) -> FastAPI:
    return create_app(world.settings, world.engine, clock=world.clock)


class Clients(Pages):
    """Page clients (`page(who)`, `anonymous()`) on a given app, and Bearer clients (`api`)."""

    def __init__(self, world: World, app: FastAPI, stack: ExitStack) -> None:
        self.world, self.app, self.stack = world, app, stack

    def page(self, who: str) -> TestClient:
        return self(who)

    def api(self, who: str) -> TestClient:
        actor: Actor = self.world.actors[who]
        with self.world.tx() as s:
            _, secret = auth_service.create_api_token(s, actor, self.world.clock, "测试")
        client = self.anonymous()
        client.headers["Authorization"] = f"Bearer {secret}"
        return client
