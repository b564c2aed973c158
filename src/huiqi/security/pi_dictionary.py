"""The personal-information data dictionary (`pi_dictionary.yaml`, 个人信息数据字典): which
columns hold personal information, why, on what legal basis, for how long, who sees them clear,
and the anonymisation rule the scheduled job applies (security.anonymise)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PATH = Path(__file__).with_name("pi_dictionary.yaml")
REQUIRED = ("table", "column", "category", "purpose", "legal_basis", "retention", "clear_to",
            "masking", "encrypted")
CATEGORIES = ("一般", "敏感", "鉴别")


@dataclass(frozen=True)
class Anonymise:
    after: str  # the column whose age counts (closed_at, last_login_at …)
    months: int
    to: str | None  # "{id}" is replaced by the row's id
    where: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Entry:
    table: str
    column: str
    category: str
    purpose: str
    legal_basis: str
    retention: str
    clear_to: tuple[str, ...]
    masking: str
    encrypted: bool
    anonymise: Anonymise | None


def _entry(raw: dict[str, Any]) -> Entry:
    missing = [k for k in REQUIRED if raw.get(k) is None or raw.get(k) == ""]
    if missing or raw["category"] not in CATEGORIES:
        raise ValueError(f"pi_dictionary: {raw.get('table')}.{raw.get('column')}: "
                         f"missing {missing} or bad category")
    anon = raw.get("anonymise")
    return Entry(raw["table"], raw["column"], raw["category"], raw["purpose"],
                 str(raw["legal_basis"]), raw["retention"], tuple(raw["clear_to"]),
                 raw["masking"], bool(raw["encrypted"]),
                 Anonymise(anon["after"], int(anon["months"]), anon.get("to"),
                           tuple(sorted((anon.get("where") or {}).items())))
                 if anon else None)


@functools.cache
def entries() -> tuple[Entry, ...]:
    return tuple(_entry(raw) for raw in yaml.safe_load(PATH.read_text(encoding="utf-8")))
