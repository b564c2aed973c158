"""Build a rules Catalog straight from registry/catalog.yaml (the registry loader is not ours)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from huiqi.rules import Catalog, FieldSpec, FieldType

CATALOG_YAML = Path(__file__).resolve().parents[2] / "src/huiqi/registry/catalog.yaml"


@cache
def load_catalog() -> Catalog:
    data = yaml.safe_load(CATALOG_YAML.read_text(encoding="utf-8"))
    specs = []
    for f in data["fields"]:
        specs.append(FieldSpec(
            name=f["name"], label=f["label"], type=FieldType(f["type"]),
            kind=f.get("kind", "profile"), scale=int(f.get("scale") or 0), unit=f.get("unit"),
            values={str(k): str(v) for k, v in (f.get("values") or {}).items()},
            key=bool(f.get("key", False)),
        ))
    return Catalog(specs)
