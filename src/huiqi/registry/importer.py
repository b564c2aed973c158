"""Bulk import of enterprises from CSV, XLSX or Parquet: validate every cell, upsert the good rows
by USCC in batches, report every bad row (row, column, reason). Re-importing a file is a no-op
that the report counts as "unchanged".

Semantics: a column present in the file is the truth for that field (an empty cell = unknown,
NULL); a column absent from the file leaves the stored value alone. size_class is derived from
the 划型标准 when the file leaves it empty (size_class_derived = true).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from huiqi.registry import repository, size_class
from huiqi.registry.catalog import CoercionError, coercer, field_for_header, load_catalog, to_text
from huiqi.registry.reader import read_table
from huiqi.registry.report import ImportReport, RowError
from huiqi.rules import FieldSpec

Progress = Callable[[int, int], None]
BATCH = 2000
SIZE_INPUTS = ("industry_code", "employees", "revenue", "total_assets")


@dataclass
class _Plan:
    """Which file column feeds which catalog field."""

    profile: list[tuple[int, FieldSpec, str]]  # (column index, spec, header)
    facts: list[tuple[int, FieldSpec, str]]
    readers: list[tuple[bool, int, str, Callable[[object], Any], str]]  # fact?, index, name, …
    uscc_index: int
    derive_size: bool  # the file can derive size_class (it has industry_code)
    size_given: bool  # the file has a size_class column

    @property
    def write_columns(self) -> list[str]:
        names = [spec.name for _, spec, _ in self.profile]
        if self.derive_size or self.size_given:
            names += [n for n in ("size_class", "size_class_derived") if n not in names]
        return names


def _plan(header: list[str], report: ImportReport) -> _Plan | None:
    catalog = load_catalog()
    seen: dict[str, str] = {}
    profile: list[tuple[int, FieldSpec, str]] = []
    facts: list[tuple[int, FieldSpec, str]] = []
    for index, text in enumerate(header):
        if not text:
            continue
        name = field_for_header(text)
        if name is None:
            report.unknown_columns.append(text)
            continue
        if name in seen:
            report.warnings.append(f"列“{text}”与列“{seen[name]}”是同一字段 {name}，已忽略后者"
                                   f"（duplicate column ignored）")
            continue
        seen[name] = text
        spec = catalog[name]
        (facts if spec.kind == "fact" else profile).append((index, spec, text))
    if report.unknown_columns:
        report.warnings.append("以下列不在字段目录中，已忽略（unknown columns ignored）："
                               + "、".join(report.unknown_columns))
    report.columns = list(seen)
    uscc = [i for i, spec, _ in profile if spec.name == "uscc"]
    if not uscc:
        return None
    readers = [(kind == "fact", i, spec.name, coercer(spec), header)
               for kind, columns in (("profile", profile), ("fact", facts))
               for i, spec, header in columns]
    return _Plan(profile, facts, readers, uscc[0], "industry_code" in seen, "size_class" in seen)


def _read_row(number: int, cells: Sequence[object], plan: _Plan,
              errors: list[RowError]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Coerce one row; None (and errors appended) when any cell is bad."""
    profile: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    width = len(cells)
    bad = False
    for is_fact, index, name, read, header in plan.readers:
        raw = cells[index] if index < width else None
        try:
            value = read(raw)
        except CoercionError as exc:
            errors.append(RowError(number, header, "" if raw is None else str(raw), str(exc)))
            bad = True
            continue
        if is_fact:
            facts[name] = value
        else:
            profile[name] = value
    if profile.get("uscc") is None and not bad:
        header = next(h for i, s, h in plan.profile if s.name == "uscc")
        errors.append(RowError(number, header, "", "缺少统一社会信用代码（USCC is required）"))
        bad = True
    return None if bad else (profile, facts)


def _derive_size(profile: dict[str, Any], plan: _Plan) -> None:
    if plan.size_given and profile.get("size_class") is not None:
        profile["size_class_derived"] = False
        return
    if not plan.derive_size:
        profile.setdefault("size_class", None)
        profile["size_class_derived"] = False
        return
    derived = size_class.classify(*(profile.get(k) for k in SIZE_INPUTS))
    profile["size_class"] = derived
    profile["size_class_derived"] = derived is not None


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(a == b)


def _write_batch(session: Session, batch: list[tuple[dict[str, Any], dict[str, Any]]],
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


def _write_facts(session: Session, batch: list[tuple[dict[str, Any], dict[str, Any]]],
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
                       dry_run: bool = False) -> ImportReport:
    """Validate and upsert every good row of the file; flushes, never commits.

    Raises ImportFileError when the file itself cannot be read.
    """
    path = Path(path)
    table = read_table(path)
    report = ImportReport(source=path.name, total_rows=len(table.rows), dry_run=dry_run)
    plan = _plan(table.header, report)
    if plan is None:
        from huiqi.registry.reader import ImportFileError

        raise ImportFileError("文件缺少“统一社会信用代码”（uscc）列（the uscc column is required）")
    first_row: dict[str, int] = {}
    batch: list[tuple[dict[str, Any], dict[str, Any]]] = []
    uscc_header = next(h for i, s, h in plan.profile if s.name == "uscc")
    for done, (number, cells) in enumerate(table.rows, start=1):
        parsed = _read_row(number, cells, plan, report.errors)
        if parsed is not None:
            uscc = parsed[0]["uscc"]
            if uscc in first_row:
                report.errors.append(RowError(
                    number, uscc_header, uscc,
                    f"统一社会信用代码与第{first_row[uscc]}行重复，本行未导入"
                    f"（duplicate of row {first_row[uscc]}）"))
            else:
                first_row[uscc] = number
                _derive_size(parsed[0], plan)
                batch.append(parsed)
        if len(batch) >= BATCH:
            _write_batch(session, batch, plan, report)
            batch = []
        if progress is not None and (done % 1000 == 0 or done == len(table.rows)):
            progress(done, len(table.rows))
    _write_batch(session, batch, plan, report)
    if progress is not None and not table.rows:
        progress(0, 0)
    session.flush()
    return report


__all__ = ["Progress", "import_enterprises"]
