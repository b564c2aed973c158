"""A bounded schemathesis run against /api/v1, as the office and as an enterprise: no input may
give a 5xx, and every response must match the OpenAPI schema the app publishes.

SQLite only (the PostgreSQL specifics have their own tests) and a small, derandomised budget, so
it takes a minute or two in `make test`; HUIQI_FUZZ_EXAMPLES raises it for a longer hunt.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import Engine

from huiqi.app import create_app
from huiqi.appeals import categories, intake
from huiqi.auth import service as auth_service
from huiqi.auth.actor import Actor, Role
from huiqi.kit.clock import Clock, FixedClock
from huiqi.kit.db import make_engine, unit_of_work
from huiqi.kit.settings import PROJECT_ROOT, Settings
from huiqi.policies import service as policies
from huiqi.registry import service as registry
from tests.fixtures.db import fresh_database
from tests.fixtures.web import START, create_user, test_uscc

EXAMPLES = int(os.environ.get("HUIQI_FUZZ_EXAMPLES", "10"))
AS_OF = date(2025, 6, 1)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    base = tmp_path_factory.mktemp("fuzz")
    with fresh_database("sqlite", base, None) as url:
        engine = make_engine(url)
        clock = FixedClock(START)
        tokens = _world(engine, clock)
        settings_ = Settings(data_dir=base, database_url=url, secret_key="test-secret-key")
        yield create_app(settings_, engine, clock=clock), tokens
        engine.dispose()


def _world(engine: Engine, clock: FixedClock) -> dict[str, str]:
    """Published policies, a few enterprises, an office and an enterprise account with tokens,
    an appeal category and an appeal whose title has a control character and a formula."""
    system = Actor.system("fuzz", via="cli")
    uscc = test_uscc(7)
    with unit_of_work(engine) as s:
        policies.import_files(s, system, Clock(), [PROJECT_ROOT / "policies"], as_of=AS_OF)
        for n, code in enumerate((uscc, test_uscc(8), test_uscc(9))):
            registry.upsert(s, {"uscc": code, "name": f"测试企业{n}", "region": "500105",
                                "industry_code": "C3841", "employees": 30 + n})
    tokens, actors = {}, {}
    for role, extra in (("office", {}), ("enterprise", {"enterprise_uscc": uscc})):
        creds = create_user(engine, clock, role, **extra)
        actors[role] = Actor(creds.id, creds.username, creds.display_name, Role(creds.role),
                             creds.department_id, creds.enterprise_uscc, via="token")
        with unit_of_work(engine) as s:
            tokens[role] = auth_service.create_api_token(s, actors[role], clock, "fuzz")[1]
    with unit_of_work(engine) as s:
        categories.create_category(s, actors["office"], clock, code="labour", name="用工招聘",
                                   sign_within_workdays=1, resolve_within_workdays=5)
        intake.submit(s, actors["enterprise"], clock, intake.AppealIn(
            category="用工招聘", title="=招工难\x01", description="缺少熟练焊工\x02"))
    return tokens


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
CHECKS = [not_a_server_error, response_schema_conformance]


def _fuzz(app: FastAPI, token: str, mode: GenerationMode) -> list[str]:
    """Every operation of /api/v1 with `mode` cases; one line per failing operation."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures = []
    headers = {"Authorization": f"Bearer {token}"}
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @FUZZ
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup is the latter
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    return failures


@pytest.mark.parametrize("role", ["office", "enterprise"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_never_fails_and_keeps_its_schema(
    fuzz_app: tuple[FastAPI, dict[str, str]], role: str, mode: GenerationMode
) -> None:
    app, tokens = fuzz_app
    # The runs share one app: each starts with fresh rate-limit windows (the limits themselves
    # are tested in tests/auth), so a later run is not refused for an earlier one's requests.
    app.state.limiter.reset()
    failures = _fuzz(app, tokens[role], mode)
    assert not failures, "\n\n".join(failures)
