"""Build small policy files for tests: `make_item(tmp_path, criteria={...}, amount=...)`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from huiqi.rules import Item, load_policy_file
from tests.rules.catalog_helper import load_catalog

PARAMETERS = {
    "lpr": {"label": "一年期LPR", "type": "decimal", "scale": 6,
            "values": [{"from": "2024-01-01", "value": "0.0345"},
                       {"from": "2025-01-01", "value": "0.031"}]},
}


def policy_text(items: list[dict[str, Any]], parameters: dict[str, Any] | None = None,
                **policy: Any) -> str:
    meta = {"id": "test.factory", "title": "测试政策", "doc_no": None, "issuer": "测试",
            "region": "100000", "source": "tests", "effective_from": "2024-01-01", **policy}
    doc = {"policy": meta, "parameters": PARAMETERS if parameters is None else parameters,
           "items": items}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def item_dict(criteria: dict[str, Any], amount: str | None = None,
              caps: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": extra.pop("id", "test.item"), "title": "测试事项", "department": "测试局",
            "policy_text": "原文", "criteria": criteria, "amount": amount, "caps": caps or {},
            **extra}


def write_policy(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def make_item(tmp_path: Path, criteria: dict[str, Any], amount: str | None = None,
              caps: dict[str, Any] | None = None, **extra: Any) -> Item:
    text = policy_text([item_dict(criteria, amount, caps, **extra)])
    return load_policy_file(write_policy(tmp_path, text), load_catalog()).items[0]
