"""The field catalog as the rules engine sees it: names, types and allowed values.

The registry owns the catalog data (registry/catalog.yaml) and builds a `Catalog` from it; the
rules engine only needs this shape, so it stays a pure library.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum


class FieldType(str, Enum):  # noqa: UP042 - str() must stay as is
    BOOL = "bool"
    INTEGER = "integer"
    MONEY = "money"  # yuan, exact to the fen (scale 2)
    DECIMAL = "decimal"  # exact, `scale` decimal places
    TEXT = "text"
    ENUM = "enum"
    DATE = "date"
    INDUSTRY_CODE = "industry_code"  # text, GB/T 4754-2017
    REGION = "region"  # text, 6-digit 行政区划代码

    @property
    def is_numeric(self) -> bool:
        return self in (FieldType.INTEGER, FieldType.MONEY, FieldType.DECIMAL)

    @property
    def is_text(self) -> bool:
        return self in (FieldType.TEXT, FieldType.ENUM, FieldType.INDUSTRY_CODE, FieldType.REGION)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: FieldType
    kind: str = "profile"  # profile | fact
    scale: int = 0  # decimal places for money (2) and decimal fields
    unit: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)  # allowed value → Chinese label
    key: bool = False

    def __post_init__(self) -> None:
        if self.type is FieldType.MONEY and self.scale == 0:
            object.__setattr__(self, "scale", 2)


class Catalog:
    """An ordered, read-only set of fields."""

    def __init__(self, fields: Iterable[FieldSpec]) -> None:
        self._fields: dict[str, FieldSpec] = {}
        for spec in fields:
            if spec.name in self._fields:
                raise ValueError(f"duplicate catalog field {spec.name!r}")
            self._fields[spec.name] = spec

    def __contains__(self, name: object) -> bool:
        return name in self._fields

    def __getitem__(self, name: str) -> FieldSpec:
        return self._fields[name]

    def __iter__(self) -> Iterator[FieldSpec]:
        return iter(self._fields.values())

    def __len__(self) -> int:
        return len(self._fields)

    def get(self, name: str) -> FieldSpec | None:
        return self._fields.get(name)

    def names(self) -> list[str]:
        return list(self._fields)

    def order(self, name: str) -> int:
        """Position in catalog order (used to sort `missing` lists deterministically)."""
        return list(self._fields).index(name)
