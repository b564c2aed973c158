"""The per-row loop of a spreadsheet import: each row is made in its own savepoint, a refused row
is rolled back alone and reported with its spreadsheet row number, the Chinese message and the
error's stable machine code (for the API and tests); the good rows are kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
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


ERROR_HEADER = ["行号", "错误原因", "错误代码"]


def errors_xlsx(errors: Iterable[RowError | dict[str, object]], *,
                header: Sequence[str] = (), cells: Mapping[int, Sequence[object]] | None = None
                ) -> bytes:
    """The refused rows as an Excel error report: 行号, 错误原因, 错误代码. With the file's
    `header` and each refused row's `cells` (by row number), the rows themselves come too, as
    they were read, so the user can correct them in place and import the sheet again."""
    from huiqi.kit.excel import sheet_bytes

    head: list[object] = [ERROR_HEADER[0], *header, *ERROR_HEADER[1:]]
    rows: list[list[object]] = [head]
    for e in errors:
        d = e.as_dict() if isinstance(e, RowError) else e
        row = d.get("row")
        own = list((cells or {}).get(row, ()) if isinstance(row, int) else ())[:len(header)]
        own += [None] * (len(header) - len(own))
        rows.append([row, *own, d.get("reason"), d.get("code") or "invalid"])
    widths = (8, *(16 for _ in header), 80, 24)
    return sheet_bytes([("问题行", rows, widths, True)])
