"""EXPORT_ACCOUNT (requirement 24): Excel/CSV exports are limited per account, 429 with
Retry-After and a Chinese message; every export route takes the limit."""

from __future__ import annotations

import inspect
from typing import get_type_hints

import pytest
from fastapi.routing import iter_route_contexts

from huiqi.app import create_app
from huiqi.auth.dependencies import ExportLimited
from huiqi.kit import ratelimit
from huiqi.kit.ratelimit import Rule
from tests.grants.conftest import World
from tests.grants.web import Clients


def test_every_export_route_is_limited(world: World) -> None:
    app = create_app(world.settings, world.engine, clock=world.clock)
    exports = []
    for route in iter_route_contexts(app.routes):
        endpoint = route.endpoint
        if not inspect.isfunction(endpoint) or "xlsx_response(" not in inspect.getsource(
                endpoint):
            continue
        hints = get_type_hints(endpoint, include_extras=True).values()
        assert ExportLimited in hints, f"{route.path_format} exports without ExportLimited"
        exports.append(route.path_format)
    assert len(exports) >= 9, exports


def test_exports_past_the_limit_get_429(world: World, web: Clients,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "EXPORT_ACCOUNT", Rule("export-account", 2, 3600))
    office, auditor = web.page("office"), web.page("auditor")
    url = "/grants/ledgers/applications.xlsx"
    assert [office.get(url).status_code for _ in range(2)] == [200, 200]
    refused = office.get(url)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert "导出过于频繁" in refused.text and "每个账号每 60 分钟最多 2 次" in refused.text
    assert office.get("/grants/applications").status_code == 200  # only exports are limited
    assert auditor.get("/audit/export.xlsx").status_code == 200  # per account
