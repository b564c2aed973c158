"""`Money`: yuan as an exact Decimal in Python, integer fen in SQL.

Integer fen is exact on every engine (SQLite has no DECIMAL), so sums and the budget guard
`total - reserved - committed >= amount` never drift by a fen.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, Dialect, Integer
from sqlalchemy.types import TypeDecorator

FEN = Decimal("0.01")


def to_fen(value: Decimal | int | str) -> int:
    amount = Decimal(str(value))
    if amount != amount.quantize(FEN):
        raise ValueError(f"money must be exact to the fen, got {value!r}")
    return int(amount * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN, rounding=ROUND_HALF_UP)


class Money(TypeDecorator[Decimal]):
    impl = BigInteger().with_variant(Integer(), "sqlite")
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect) -> Any:
        return None if value is None else to_fen(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else from_fen(int(value))
