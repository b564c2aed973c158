"""SQLAlchemy tables, one module per table (or close family of tables).

Importing this package imports every module in it, so `Base.metadata` is complete for Alembic and
for create_all; a new model file needs no registration.
"""

from __future__ import annotations

import importlib
import pkgutil

from huiqi.models.base import Base

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if not _module.startswith("_"):
        importlib.import_module(f"{__name__}.{_module}")

metadata = Base.metadata

__all__ = ["Base", "metadata"]
