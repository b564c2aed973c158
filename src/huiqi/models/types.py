"""Column types shared by the tables.

`UTCDateTime`: SQLite has no time zones and hands datetimes back naive, PostgreSQL hands them back
in the session's zone; this type stores UTC and always returns an aware UTC datetime on both, so
comparisons with `Clock.now()` never mix naive and aware values.

`EncryptedString`: personal data encrypted at rest (等保 8.1.4.8, GB/T 39786).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, String
from sqlalchemy.types import TypeDecorator

from huiqi.kit import fieldcrypt


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime for a UTC column; use Clock.now() or aware values")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EncryptedString(TypeDecorator[str]):
    """Personal data (bank account, phone and ID numbers) sealed with `huiqi.kit.fieldcrypt`:
    the database holds only `enc:1:…` ciphertext, Python code sees the clear value. Not
    comparable in SQL (each value has its own nonce): nothing may filter on these columns."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else fieldcrypt.seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return fieldcrypt.decrypt(value)
