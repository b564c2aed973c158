"""A fresh, empty registry database per test: a new SQLite file, or a new PostgreSQL database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from huiqi.kit.db import make_engine
from huiqi.kit.db_schema import ensure_schema


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    if db_url.startswith("sqlite"):
        eng = make_engine(db_url)
        ensure_schema(eng)
        yield eng
        eng.dispose()
        return
    name = f"registry_{uuid.uuid4().hex[:10]}"
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    eng = make_engine(make_url(db_url).set(database=name).render_as_string(hide_password=False))
    try:
        ensure_schema(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
