"""Bring a database to the current schema before a command writes to it."""

from __future__ import annotations

from sqlalchemy import Engine


def ensure_schema(engine: Engine) -> None:
    """Run the Alembic migrations (idempotent), so a database first touched by a CLI command
    is the same as one built by `huiqi migrate` and can be upgraded later."""
    from huiqi.kit.migrate import migrate

    migrate(engine)


__all__ = ["ensure_schema"]
