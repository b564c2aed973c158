"""Move a canonical Arrow table into a PostgreSQL temp table and the results back, by COPY.

Both directions go as CSV text written and parsed by Arrow, a batch at a time: no Python value
per cell (handing each value to psycopg's `write_row` and building each result tuple was most
of `--engine postgres`'s time). In PostgreSQL's CSV an unquoted empty field is NULL and a
quoted one ("") the empty string; Arrow writes strings quoted and reads them back the same way.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv

BATCH_ROWS = 100_000
PG_TYPES = {
    pa.bool_(): "BOOLEAN",
    pa.int64(): "BIGINT",
    pa.date32(): "DATE",
    pa.string(): "TEXT",
}
# The results as run_dbapi's SQL gives them, typed for Arrow (amounts are whole fen).
RESULT_TYPES = {"__row": pa.int64(), "item_ord": pa.int64(), "item": pa.string(),
                "eligible": pa.int64(), "amount_fen": pa.int64(), "failed": pa.string(),
                "missing": pa.string()}


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
        options = pacsv.WriteOptions(include_header=False)
        with conn.cursor().copy(f"COPY src ({names}) FROM STDIN (FORMAT csv)") as copy:
            for batch in src.to_batches(BATCH_ROWS):
                buffer = io.BytesIO()
                pacsv.write_csv(batch, buffer, options)
                copy.write(buffer.getvalue())
        conn.execute("ANALYZE src")
        yield conn


def fetch_results(conn: psycopg.Connection, sql: str) -> pa.Table:
    """The rows of `sql` (the RESULT_TYPES columns, in that order) as an Arrow table."""
    typed = (f"SELECT __row, item_ord, item, CAST(eligible AS INTEGER), "
             f"CAST(TRUNC(amount_fen) AS BIGINT), failed, missing FROM ({sql}) AS r")
    buffer = io.BytesIO()
    with conn.cursor().copy(f"COPY ({typed}) TO STDOUT (FORMAT csv)") as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    return pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=list(RESULT_TYPES)),
        convert_options=pacsv.ConvertOptions(column_types=RESULT_TYPES, strings_can_be_null=True,
                                             quoted_strings_can_be_null=False))
