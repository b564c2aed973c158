"""Bring a database to the latest schema with Alembic, from code (CLI, demo, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, inspect

from huiqi.kit.db import make_engine

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


class SchemaDrift(RuntimeError):
    pass


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["skip_logging"] = True
    return cfg


def migrate(engine_or_url: Engine | str, revision: str = "head") -> None:
    """`alembic upgrade head` on the given engine or URL, in one transaction.

    A database built earlier by `create_all` (no alembic_version table) is adopted — stamped at
    head — when it matches the models exactly; otherwise SchemaDrift says what differs.
    """
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            if _built_without_alembic(conn):
                _adopt(conn, cfg)
            else:
                command.upgrade(cfg, revision)
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()


def _built_without_alembic(conn: Connection) -> bool:
    tables = set(inspect(conn).get_table_names())
    return "alembic_version" not in tables and "users" in tables


def _adopt(conn: Connection, cfg: Config) -> None:
    import huiqi.models

    diff = compare_metadata(MigrationContext.configure(conn), huiqi.models.metadata)
    if diff:
        raise SchemaDrift(
            "数据库不是由迁移建立的，且与模型不一致，无法自动升级。请备份后重建数据库。"
            f"差异：{diff[:5]}")
    command.stamp(cfg, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
