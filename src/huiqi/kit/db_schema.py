"""Create the database schema. For now `create_all`; the app will switch this to Alembic."""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import Engine


def ensure_schema(engine: Engine) -> None:
    """Create every table of `huiqi.models` that does not exist yet (idempotent)."""
    import huiqi.models as models
    from huiqi.models.base import Base

    for module in pkgutil.iter_modules(models.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{models.__name__}.{module.name}")
    Base.metadata.create_all(engine)


__all__ = ["ensure_schema"]
