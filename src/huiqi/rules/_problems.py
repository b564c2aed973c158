"""Problems found in policy files, reported all at once with file, item, criterion and position.

Every message is written for the policy author, in Chinese, and carries a stable English machine
code (`unknown_field`, `yaml_invalid`, …) for the API and tests: a `Msg` is the text with its
code, so it travels through every place that handles plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GENERIC = "invalid"


class Msg(str):
    """A message (Chinese) that carries its machine code (English, stable)."""

    code: str

    def __new__(cls, code: str, text: str) -> Msg:
        self = super().__new__(cls, text)
        self.code = code
        return self

    def __reduce__(self) -> tuple[type[Msg], tuple[str, str]]:  # copy and pickle keep the code
        return (Msg, (self.code, str(self)))


def code_of(message: str) -> str:
    return getattr(message, "code", GENERIC)


def prefixed(prefix: str, message: str) -> Msg:
    """`message` after `prefix`, keeping its code."""
    return Msg(code_of(message), prefix + message)


@dataclass(frozen=True)
class Problem:
    file: str
    item: str | None
    criterion: str | None
    line: int | None  # 1-based
    column: int | None  # 1-based
    message: str
    code: str = field(default="")

    def __post_init__(self) -> None:
        if not self.code:
            object.__setattr__(self, "code", code_of(self.message))
        object.__setattr__(self, "message", str(self.message))  # a plain str from here on

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        context = []
        if self.item:
            context.append(f"事项 {self.item}")
        if self.criterion:
            context.append(f"条件“{self.criterion}”")
        prefix = f"{where}: " + ("，".join(context) + "：" if context else "")
        return prefix + self.message


class PolicyError(ValueError):
    """One or more problems in policy files; nothing from those files was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
