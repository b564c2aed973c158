"""Bulk import of enterprises from CSV, XLSX or Parquet: validate every cell, upsert the good rows
by USCC in batches, report every bad row (row, column, reason). Re-importing a file is a no-op
that the report counts as "unchanged".

Semantics: a column present in the file is the truth for that field (an empty cell = unknown,
NULL); a column absent from the file leaves the stored value alone. size_class is derived from
the 划型标准 when the file leaves it empty (size_class_derived = true).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from huiqi.registry import repository
from huiqi.registry.catalog import load_catalog, to_text
from huiqi.registry.records import Records, read_records
from huiqi.registry.report import ImportReport

Progress = Callable[[int, int], None]
BATCH = 2000
Pair = tuple[dict[str, Any], dict[str, Any]]  # (profile, facts) of one row


@dataclass
class _Plan:
    """Which fields of the file are profile columns and which are application facts."""

    write_columns: list[str]  # enterprises columns the file is the truth for
    facts: list[str]


def _plan(records: Records) -> _Plan:
    catalog = load_catalog()
    facts = [n for n in records.fields if n in catalog and catalog[n].kind == "fact"]
    return _Plan([n for n in records.fields if n not in facts], facts)


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(a == b)


def _write_batch(session: Session, batch: list[Pair],
                 plan: _Plan, report: ImportReport) -> None:
    columns = plan.write_columns
    usccs = [p["uscc"] for p, _ in batch]
    existing = repository.fetch_existing(session, usccs, columns)
    changed: list[dict[str, Any]] = []
    status: dict[str, str] = {}
    for profile, _ in batch:
        old = existing.get(profile["uscc"])
        if old is None:
            status[profile["uscc"]] = "inserted"
            changed.append(profile)
        elif any(not _same(profile.get(c), old.get(c)) for c in columns):
            status[profile["uscc"]] = "updated"
            changed.append(profile)
        else:
            status[profile["uscc"]] = "unchanged"
    if not report.dry_run:
        repository.upsert_enterprises(session, changed, columns)
    if plan.facts:
        _write_facts(session, batch, existing, status, report.dry_run)
    for value in status.values():
        setattr(report, value, getattr(report, value) + 1)


def _write_facts(session: Session, batch: list[Pair],
                 existing: dict[str, dict[str, Any]], status: dict[str, str],
                 dry_run: bool) -> None:
    usccs = [p["uscc"] for p, _ in batch]
    ids = {u: row["id"] for u, row in existing.items()}
    if not dry_run:
        ids.update(repository.ids_for(session, [u for u in usccs if u not in ids]))
    stored = repository.fetch_facts(session, list(ids.values()))
    upserts: list[dict[str, Any]] = []
    deletes: list[tuple[int, str]] = []
    for profile, facts in batch:
        eid = ids.get(profile["uscc"])
        old = stored.get(eid, {}) if eid is not None else {}
        for name, value in facts.items():
            text = to_text(value)
            if text == old.get(name):
                continue
            if eid is not None:
                if text is None:
                    deletes.append((eid, name))
                else:
                    upserts.append({"enterprise_id": eid, "field": name, "value": text})
            if status[profile["uscc"]] == "unchanged":
                status[profile["uscc"]] = "updated"
    if not dry_run:
        repository.upsert_facts(session, upserts)
        repository.delete_facts(session, deletes)


def import_enterprises(session: Session, path: Path | str, *, progress: Progress | None = None,
                       dry_run: bool = False, header_row: int | None = None) -> ImportReport:
    """Validate and upsert every good row of the file; flushes, never commits.

    Raises ImportFileError when the file itself cannot be read.
    """
    path = Path(path)
    records = read_records(path, header_row=header_row)
    report = ImportReport(source=path.name, total_rows=records.total_rows, dry_run=dry_run,
                          errors=list(records.errors), warnings=list(records.warnings),
                          columns=[c.spec.name for c in records.columns],
                          unknown_columns=list(records.unknown_columns))
    plan = _plan(records)
    total = len(records.numbers)
    batch: list[Pair] = []
    for done, (_number, row) in enumerate(records.rows(), start=1):
        facts = {name: row.pop(name) for name in plan.facts}
        batch.append((row, facts))
        if len(batch) >= BATCH:
            _write_batch(session, batch, plan, report)
            batch = []
        if progress is not None and (done % 1000 == 0 or done == total):
            progress(done, total)
    _write_batch(session, batch, plan, report)
    if progress is not None and not total:
        progress(0, 0)
    session.flush()
    return report


__all__ = ["Progress", "import_enterprises"]
