"""The encoded policy documents (policies/**.yaml) as knowledge: their title, source and item
texts; and the links from an ingested document's clauses to the items that cite it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from huiqi.knowledge import clauses, metadata
from huiqi.knowledge.ingest import Prepared


@dataclass
class PolicyFile:
    path: Path
    policy: dict[str, Any]
    items: list[dict[str, Any]]


def policy_files(policies_dir: Path) -> list[PolicyFile]:
    out = []
    for path in sorted(policies_dir.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and isinstance(data.get("policy"), dict):
            out.append(PolicyFile(path, data["policy"], list(data.get("items") or [])))
    return out


def _day(value: object) -> date | None:
    return value if isinstance(value, date) else None


def prepare_policy(file: PolicyFile) -> tuple[Prepared, dict[int, list[str]]]:
    """One clause per item summary and per line of its policy text, numbered by item."""
    p = file.policy
    meta = metadata.Metadata(
        title=str(p.get("title") or p.get("id")), doc_no=p.get("doc_no"), issuer=p.get("issuer"),
        region=str(p["region"]) if p.get("region") else None,
        effective_from=_day(p.get("effective_from")), effective_to=_day(p.get("effective_to")))
    parts: list[clauses.Clause] = []
    links: dict[int, list[str]] = {}
    for n, item in enumerate(file.items, start=1):
        texts = [str(item.get("summary") or "").strip()]
        texts += [t.strip() for t in str(item.get("policy_text") or "").splitlines()]
        for k, text in enumerate(t for t in texts if t):
            seq = len(parts) + 1
            number = f"事项{n}" if k == 0 else f"事项{n}第{k}段"
            parts.append(clauses.Clause(seq, number, str(item.get("title") or ""), text))
            links[seq] = [str(item["id"])]
    lines = [c.text for c in parts]
    return Prepared(meta, lines, parts), links


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def cited_seed(file: PolicyFile) -> str | None:
    """`seeds/003` in a policy's source: the document its items were encoded from."""
    match = re.search(r"seeds/(\d{3})", str(file.policy.get("source") or ""))
    return match.group(1) if match else None


def item_links(source_name: str, prepared: Prepared, files: list[PolicyFile]
               ) -> dict[int, list[str]]:
    """Clauses of a seed document quoted by the items of policies that cite that seed."""
    links: dict[int, list[str]] = {}
    stem = Path(source_name).name[:3]
    for file in files:
        if cited_seed(file) != stem:
            continue
        for item in file.items:
            quotes = [_norm(q)[:24] for q in str(item.get("policy_text") or "").splitlines()
                      if len(_norm(q)) >= 12]
            for part in prepared.parts:
                text = _norm(part.text)
                if any(q in text for q in quotes):
                    links.setdefault(part.seq, []).append(str(item["id"]))
    return links
