"""Key rotation of the personal-data columns (`huiqi security rotate-key`) and the migration that
encrypted the rows written before encryption."""

from __future__ import annotations

import base64
import os

import pytest
from alembic import command
from sqlalchemy import select, text
from typer.testing import CliRunner

from huiqi.cli import security_cmd
from huiqi.cli.main import app as cli
from huiqi.grants import applications as apps
from huiqi.kit import fieldcrypt
from huiqi.kit.migrate import alembic_config
from huiqi.models.audit import AuditLog
from tests.grants.conftest import World
from tests.security.test_personal_data import (
    ACCOUNT,
    PHONE,
    _appeal_with_phone,
    _approved_with_bank,
)


def _key(name: str) -> str:
    return f"{name}:{base64.b64encode(os.urandom(32)).decode()}"


def _raw(world: World, sql: str, **params: object) -> str:
    with world.engine.connect() as conn:
        return str(conn.execute(text(sql), params).scalar_one())


def test_rotation_reseals_every_value_then_the_old_key_can_go(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = _key("old1"), _key("new2")
    monkeypatch.setenv("HUIQI_FIELD_KEYS", old)
    app_id, appeal_id = _approved_with_bank(world), _appeal_with_phone(world)
    with world.engine.begin() as conn:  # a row from before encryption: plaintext
        conn.execute(text("UPDATE appeals SET contact_phone = :p WHERE id = :i"),
                     {"p": "13900001111", "i": appeal_id})
    monkeypatch.setenv("HUIQI_FIELD_KEYS", f"{new},{old}")
    monkeypatch.setattr(security_cmd, "default_engine", lambda: world.engine)
    dry = CliRunner().invoke(cli, ["security", "rotate-key"])
    assert dry.exit_code == 0 and "合计 2 个" in dry.output, dry.output
    assert fieldcrypt.key_id_of(_raw(world, "SELECT bank_account FROM grant_applications")) \
        == "old1"  # the dry run changed nothing
    done = CliRunner().invoke(cli, ["security", "rotate-key", "--execute"])
    assert done.exit_code == 0 and "重新加密 2 个" in done.output, done.output
    account = _raw(world, "SELECT bank_account FROM grant_applications WHERE id = :i", i=app_id)
    phone = _raw(world, "SELECT contact_phone FROM appeals WHERE id = :i", i=appeal_id)
    assert fieldcrypt.key_id_of(account) == fieldcrypt.key_id_of(phone) == "new2"
    monkeypatch.setenv("HUIQI_FIELD_KEYS", new)  # the old key dropped: everything still reads
    assert world.do(apps.get, world.ent_a, app_id).bank_account == ACCOUNT
    assert fieldcrypt.decrypt(phone) == "13900001111"
    again = CliRunner().invoke(cli, ["security", "rotate-key", "--execute"])
    assert "重新加密 0 个" in again.output
    with world.tx() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "security.rotate_key")).all()
    assert [r.after for r in rows] == [{"key_id": "new2", "count": 2},
                                      {"key_id": "new2", "count": 0}]


def test_a_value_sealed_under_a_key_no_longer_listed_fails_clearly(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIQI_FIELD_KEYS", _key("gone"))
    sealed = fieldcrypt.encrypt(PHONE)
    monkeypatch.setenv("HUIQI_FIELD_KEYS", _key("other"))
    with pytest.raises(fieldcrypt.DecryptionFailed, match="解密失败"):
        fieldcrypt.decrypt(sealed)


def test_the_migration_encrypts_rows_written_before_it(world: World) -> None:
    app_id, appeal_id = _approved_with_bank(world), _appeal_with_phone(world)
    cfg = alembic_config()
    with world.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")
    assert _raw(world, "SELECT bank_account FROM grant_applications WHERE id = :i",
                i=app_id) == ACCOUNT  # plaintext, as before 0013
    with world.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    account = _raw(world, "SELECT bank_account FROM grant_applications WHERE id = :i", i=app_id)
    phone = _raw(world, "SELECT contact_phone FROM appeals WHERE id = :i", i=appeal_id)
    assert account.startswith(fieldcrypt.PREFIX) and phone.startswith(fieldcrypt.PREFIX)
    assert (fieldcrypt.decrypt(account), fieldcrypt.decrypt(phone)) == (ACCOUNT, PHONE)
