"""Problems found in policy files, reported all at once with file, item, criterion and position."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    item: str | None
    criterion: str | None
    line: int | None  # 1-based
    column: int | None  # 1-based
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        context = []
        if self.item:
            context.append(f"item {self.item}")
        if self.criterion:
            context.append(f"criterion {self.criterion}")
        prefix = f"{where}: " + (", ".join(context) + ": " if context else "")
        return prefix + self.message


class PolicyError(ValueError):
    """One or more problems in policy files; nothing from those files was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
