"""Move a canonical Arrow table into a PostgreSQL temp table (COPY), for matching there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import psycopg
import pyarrow as pa

PG_TYPES = {
    pa.bool_(): "BOOLEAN",
    pa.int64(): "BIGINT",
    pa.date32(): "DATE",
    pa.string(): "TEXT",
}


def _pg_type(t: pa.DataType) -> str:
    if pa.types.is_decimal(t) or (pa.types.is_integer(t) and t.bit_width > 64):
        return "NUMERIC"
    if pa.types.is_integer(t):
        return "BIGINT"
    return PG_TYPES.get(t, "TEXT")


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def load_postgres(url: str, src: pa.Table) -> Iterator[psycopg.Connection]:
    with psycopg.connect(_dsn(url)) as conn:
        cols = ", ".join(f'"{f.name}" {_pg_type(f.type)}' for f in src.schema)
        conn.execute(f"CREATE TEMP TABLE src ({cols}) ON COMMIT DROP")
        names = ", ".join(f'"{n}"' for n in src.column_names)
        with conn.cursor().copy(f"COPY src ({names}) FROM STDIN") as copy:
            for batch in src.to_batches(50_000):
                columns = [c.to_pylist() for c in batch.columns]
                for row in zip(*columns, strict=True):
                    copy.write_row([_pg_value(v) for v in row])
        conn.execute("ANALYZE src")
        yield conn


def _pg_value(v: object) -> object:
    if isinstance(v, date):
        return v.isoformat()
    return v
