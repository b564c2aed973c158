"""`huiqi user …`, `huiqi department …`, `huiqi migrate` and the demo accounts."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from huiqi.auth.demo import DEMO_USERS, ensure_demo_accounts
from huiqi.cli.main import app as cli
from huiqi.kit.db import default_engine
from huiqi.kit.settings import get_settings
from huiqi.models.audit import AuditLog
from huiqi.models.user import Role
from tests.fixtures.web import _MFA, _db_key, login, test_uscc

runner = CliRunner()


@pytest.fixture
def cli_db(app_db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:
    monkeypatch.setenv("HUIQI_DATABASE_URL", app_db_url)
    monkeypatch.setenv("HUIQI_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    default_engine.cache_clear()
    yield app_db_url
    default_engine().dispose()
    get_settings.cache_clear()
    default_engine.cache_clear()


def test_create_user_with_generated_password_then_log_in(cli_db, client) -> None:
    result = runner.invoke(cli, ["user", "create", "--username", "cli-office", "--role", "office",
                                 "--display-name", "营商办张三", "--generate-password"])
    assert result.exit_code == 0, result.output
    password = re.search(r"初始密码（只显示这一次）：(\S+)", result.output).group(1)
    assert login(client, ("cli-office", password)).status_code == 303


def test_create_user_prompts_for_a_password_and_checks_the_policy(cli_db) -> None:
    weak = runner.invoke(cli, ["user", "create", "--username", "cli-weak", "--role", "office"],
                         input="short\nshort\n")
    assert weak.exit_code == 1 and "至少 8 位" in weak.output
    ok = runner.invoke(cli, ["user", "create", "--username", "cli-ent", "--role", "enterprise",
                             "--uscc", test_uscc()], input="Qiye-2025\nQiye-2025\n")
    assert ok.exit_code == 0, ok.output


def test_role_rules_are_explained(cli_db) -> None:
    no_dept = runner.invoke(cli, ["user", "create", "--username", "cli-h", "--role", "department",
                                  "--generate-password"])
    assert no_dept.exit_code == 1 and "须指定所属部门" in no_dept.output
    bad_uscc = runner.invoke(cli, ["user", "create", "--username", "cli-e", "--role",
                                   "enterprise", "--uscc", "915001051234567890",
                                   "--generate-password"])
    assert bad_uscc.exit_code == 1 and "统一社会信用代码" in bad_uscc.output


def test_department_then_handler_and_audit(cli_db, app_engine) -> None:
    assert runner.invoke(cli, ["department", "create", "--code", "cli-swj", "--name",
                               "区商务局（CLI）"]).exit_code == 0
    result = runner.invoke(cli, ["user", "create", "--username", "cli-handler", "--role",
                                 "department", "--department", "cli-swj", "--generate-password"])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(cli, ["user", "list", "--role", "department"])
    assert "cli-handler" in listing.output
    with app_engine.connect() as conn:
        actors = set(conn.scalars(select(AuditLog.actor_username).where(
            AuditLog.action.in_(["user.create", "department.create"]))))
    assert any(a and a.startswith("cli:") for a in actors)


def test_reset_password_unlocks(cli_db, client, make_user) -> None:
    user = make_user("office")
    for _ in range(5):
        login(client, (user.username, "Wrong-Pass-1"))
    result = runner.invoke(cli, ["user", "reset-password", user.username, "--generate-password"])
    password = re.search(r"新密码（只显示这一次）：(\S+)", result.output).group(1)
    assert login(client, (user.username, password)).status_code == 303


def test_migrate_command(cli_db) -> None:
    result = runner.invoke(cli, ["migrate"])
    assert result.exit_code == 0 and "最新结构" in result.output


def test_demo_accounts_one_per_role_new_passwords_each_time(app_engine, client) -> None:
    first = ensure_demo_accounts(app_engine)
    second = ensure_demo_accounts(app_engine)
    assert {d.role for d in first} == set(Role) == set(DEMO_USERS)
    assert all(a.password != b.password for a, b in zip(first, second, strict=True))
    office = next(d for d in second if d.role is Role.OFFICE)
    # The office needs its second factor: the secret printed at start-up gives the code.
    assert office.totp_secret and office.totp_secret != first[3].totp_secret
    assert next(d for d in second if d.role is Role.LIAISON).totp_secret is None
    _MFA[(_db_key(app_engine), office.username)] = {"secret": office.totp_secret, "codes": [],
                                                     "step": None}
    assert login(client, (office.username, office.password)).status_code == 303
    old = next(d for d in first if d.role is Role.AUDITOR)
    client.cookies.clear()
    assert login(client, (old.username, old.password)).status_code == 400
