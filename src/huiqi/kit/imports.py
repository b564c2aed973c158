"""The per-row loop of a spreadsheet import: each row is made in its own savepoint, a refused row
is rolled back alone and reported with its spreadsheet row number, the Chinese message and the
error's stable machine code (for the API and tests); the good rows are kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session

from huiqi.kit.errors import HuiqiError

R = TypeVar("R")
T = TypeVar("T")


@dataclass(frozen=True)
class RowError:
    row: int  # as the user sees it in the spreadsheet
    reason: str  # in Chinese, for a person
    code: str = "invalid"  # stable, in English, for the API and tests

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "reason": self.reason, "code": self.code}


def import_rows(session: Session, rows: Iterable[tuple[int, R]], make: Callable[[R], T]
                ) -> tuple[list[T], list[RowError]]:
    """`make` each row in a savepoint of its own; a domain error refuses that row only."""
    made: list[T] = []
    errors: list[RowError] = []
    for number, row in rows:
        try:
            with session.begin_nested():
                made.append(make(row))
        except HuiqiError as exc:
            errors.append(RowError(number, exc.message, exc.code))
    return made, errors


ERROR_HEADER = ["行号", "原因", "错误代码"]


def errors_xlsx(errors: Iterable[RowError | dict[str, object]]) -> bytes:
    """The refused rows as an Excel error report: row number, Chinese message, machine code."""
    from huiqi.kit.excel import sheet_bytes

    rows: list[list[object]] = [list(ERROR_HEADER)]
    for e in errors:
        d = e.as_dict() if isinstance(e, RowError) else e
        rows.append([d.get("row"), d.get("reason"), d.get("code") or "invalid"])
    return sheet_bytes([("问题行", rows, (8, 80, 24), True)])
