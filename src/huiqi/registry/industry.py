"""GB/T 4754-2017 国民经济行业分类: lookup, validation and the path 门类/大类/中类/小类.

Codes carry their section letter: 'C' (门类), 'C38' (大类), 'C384' (中类), 'C3841' (小类).
The table is data (data/gbt4754_2017.csv: code, level, name, parent), loaded once.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_PATH = Path(__file__).with_name("data") / "gbt4754_2017.csv"
LEVELS = ("section", "division", "group", "class")
LEVEL_LABELS = {"section": "门类", "division": "大类", "group": "中类", "class": "小类"}


@dataclass(frozen=True)
class Industry:
    code: str
    level: str
    name: str
    parent: str | None

    @property
    def digits(self) -> str:
        return self.code[1:]


@lru_cache
def table() -> dict[str, Industry]:
    with DATA_PATH.open(encoding="utf-8", newline="") as f:
        return {row["code"]: Industry(row["code"], row["level"], row["name"], row["parent"] or None)
                for row in csv.DictReader(f)}


@lru_cache
def _section_of_division() -> dict[str, str]:
    return {e.digits: e.code[0] for e in table().values() if e.level == "division"}


def lookup(code: str) -> Industry | None:
    return table().get(code.strip().upper())


def name(code: str) -> str | None:
    entry = lookup(code)
    return entry.name if entry else None


def path(code: str) -> list[Industry]:
    """From the section down to `code`: e.g. C3841 → [C 制造业, C38 …, C384 电池制造, C3841 …]."""
    entry = lookup(code)
    chain: list[Industry] = []
    while entry is not None:
        chain.append(entry)
        entry = table().get(entry.parent) if entry.parent else None
    return chain[::-1]


def path_names(code: str) -> str:
    """“制造业 / 电气机械和器材制造业 / 电池制造 / 锂离子电池制造”."""
    return " / ".join(e.name for e in path(code))


def is_valid(code: str, *, level: str | None = None) -> bool:
    entry = lookup(code)
    return entry is not None and (level is None or entry.level == level)


def children(code: str) -> list[Industry]:
    return [e for e in table().values() if e.parent == code]


def classes() -> list[str]:
    return [e.code for e in table().values() if e.level == "class"]


def normalize_class_code(raw: object) -> str:
    """A 小类 code with its section letter ('C3841'); '3841' and 3841 are accepted too.

    Raises ValueError with a Chinese and English message.
    """
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip().upper().replace(" ", "")
    if text.isdigit() and len(text) == 4:
        section = _section_of_division().get(text[:2])
        text = f"{section}{text}" if section else text
    entry = table().get(text)
    if entry is None:
        raise ValueError(f"“{raw}”不是GB/T 4754-2017国民经济行业代码")
    if entry.level != "class":
        raise ValueError(f"行业代码“{raw}”是{LEVEL_LABELS[entry.level]}（{entry.name}），"
                         f"请填到小类，如C3841")
    return entry.code


def section(code: str) -> str:
    return code.strip().upper()[:1]


def division(code: str) -> str:
    return code.strip().upper()[:3]


def is_manufacturing(code: str | None) -> bool:
    """制造业 = section C (divisions 13–43)."""
    return bool(code) and section(code or "") == "C"


def is_industry(code: str | None) -> bool:
    """工业 in the statistical sense: 采矿业 B, 制造业 C, 电力、热力、燃气及水生产和供应业 D."""
    return bool(code) and section(code or "") in ("B", "C", "D")


def is_service(code: str | None) -> bool:
    """第三产业 (《三次产业划分规定》): F–R, plus A05, B11 and C43; without S and T."""
    if not code:
        return False
    code = code.strip().upper()
    return section(code) in "FGHIJKLMNOPQR" or code[:3] in ("A05", "B11", "C43")


__all__ = ["Industry", "children", "classes", "division", "is_industry", "is_manufacturing",
           "is_service", "is_valid", "lookup", "name", "normalize_class_code", "path",
           "path_names", "section", "table"]
