"""Alembic environment: SQLite (batch mode) and PostgreSQL, metadata from every huiqi model."""

from __future__ import annotations

import logging.config
from typing import Any

from alembic import context
from alembic.autogenerate import render as alembic_render
from sqlalchemy import Connection
from sqlalchemy.types import TypeDecorator

import huiqi.models

config = context.config
if config.config_file_name and not config.attributes.get("skip_logging"):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = huiqi.models.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render TypeDecorators (UTCDateTime, Money…) as their SQL type: a migration must not import
    huiqi code, which changes after the migration is written."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return str(alembic_render._repr_type(obj.impl_instance, autogen_context))
    return False


def configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from huiqi.kit.db import make_engine
    from huiqi.kit.settings import get_settings

    url = context.get_x_argument(as_dictionary=True).get("url") or get_settings().database_url
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
