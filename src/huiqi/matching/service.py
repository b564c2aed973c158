"""Matching as other domains use it: match the registry (`match_all`), an enterprise's stored
results (`results`), its 政策礼包 (`pack`), explanations. The bulk engines are in `engines/`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huiqi.kit.db import apart, is_read_only
from huiqi.matching import repository
from huiqi.matching.engines.registry import RegistryColumns, from_rows
from huiqi.matching.engines.vector import VectorResult, decode_bits
from huiqi.registry.service import InvalidUSCC, validate_uscc
from huiqi.rules import Catalog, Item, evaluate, explain


@dataclass
class MatchStats:
    enterprises: int
    items: int
    pairs: int
    eligible: int
    unknown: int
    amount_total: Decimal


@dataclass
class PackEntry:
    item: Item
    eligible: bool | None
    amount: Decimal | None
    failed: list[str]
    missing: list[str]
    explanation: list[str] = field(default_factory=list)


@dataclass
class GiftPack:
    """政策礼包: what an enterprise can get, what it must still tell us, what it nearly gets."""

    eligible: list[PackEntry]
    unknown: list[PackEntry]
    near_misses: list[PackEntry]

    @property
    def total(self) -> Decimal:
        return sum((e.amount or Decimal(0) for e in self.eligible), Decimal(0))


def match_all(
    session: Session,
    catalog: Catalog,
    items: Sequence[Item],
    as_of: date,
    enterprise_ids: Sequence[int] | None = None,
) -> MatchStats:
    """Re-match the registry (or some enterprises) against `items`, where the data lives."""
    if items:
        repository.write_results(session, catalog, items, as_of, enterprise_ids)
    session.flush()
    ents, pairs, eligible, unknown, total = repository.result_totals(
        session, [i.id for i in items], enterprise_ids)
    return MatchStats(ents, len(items), pairs, eligible, unknown,
                      Decimal(str(total)).quantize(Decimal("0.01")))


def enterprise_facts(session: Session, catalog: Catalog, enterprise_id: int) -> dict[str, object]:
    """Profile and supplied facts of one enterprise, by catalog name (None = unknown)."""
    row = repository.facts_row(session, catalog, enterprise_id)
    if row is None:
        return {}
    return {k: v for k, v in row.items() if k != "__row" and v is not None}


@dataclass(frozen=True)
class Results:
    """An enterprise's stored match results, and whether this transaction re-matched it first
    (the rows, and the match version it raised, are then this transaction's own writes)."""

    rows: tuple[Row[Any], ...]
    rematched: bool = False


def results(
    session: Session, catalog: Catalog, enterprise_id: int, items: Sequence[Item], as_of: date,
    *, refresh: bool = True,
) -> Results:
    """The enterprise's stored results as plain rows (the pack reads up to a few hundred per
    request; ORM objects cost several times more than the query). With `refresh`, the
    enterprise is re-matched first when they miss an item or were computed for another date (a
    newly registered enterprise, a newly published item, a new policy date)."""
    rows = repository.result_rows(session, enterprise_id)
    if not refresh:
        return Results(rows)
    dates = {r.item_id: r.as_of for r in rows}
    if all(dates.get(i.id) == as_of for i in items):
        return Results(rows)
    rematched = _rematch(session, catalog, enterprise_id, items, as_of)
    return Results(repository.result_rows(session, enterprise_id), rematched)


def pack(items: Sequence[Item], rows: Sequence[Row[Any]]) -> GiftPack:
    """政策礼包 from stored result rows (`results(...).rows`), sorted into its three sections;
    no database access and no explanations (pages fetch one on demand: `explain_items`)."""
    by_id = {i.id: i for i in items}
    found = GiftPack([], [], [])
    for r in sorted(rows, key=lambda r: r.item_id):
        item = by_id.get(r.item_id)
        if item is None or (r.eligible is False and not r.near_miss):
            continue
        entry = PackEntry(item, r.eligible, r.amount, _split(r.failed), _split(r.missing))
        if r.eligible:
            found.eligible.append(entry)
        elif r.eligible is None:
            found.unknown.append(entry)
        else:
            found.near_misses.append(entry)
    found.eligible.sort(key=lambda e: e.amount or 0, reverse=True)
    return found


def owner_by_uscc(session: Session, uscc: str) -> repository.OwnerRow | None:
    """(id, uscc, name, region, match version) of a registered enterprise, in one query; None
    for an unknown or invalid code. The version rises with every write of the enterprise's
    stored results, so (enterprise, items, policy date, version) determines its pack."""
    try:
        code = validate_uscc(uscc)
    except InvalidUSCC:
        return None
    return repository.owner_by_uscc(session, code)


def match_version(session: Session, enterprise_id: int) -> int:
    return repository.match_version(session, enterprise_id)


def forget_results(session: Session, item_ids: Sequence[str]) -> int:
    """Drop the stored results of items no longer published; the number of rows dropped."""
    return repository.forget_items(session, item_ids)


def _rematch(session: Session, catalog: Catalog, enterprise_id: int, items: Sequence[Item],
             as_of: date) -> bool:
    """Re-match one enterprise in a savepoint of the session's transaction or, for a read-only
    session (a 礼包 GET, kit.web.read_only), in a short transaction of its own, committed before
    the rows are read again; False if another request's write got there first."""
    dbapi_error = getattr(session.get_bind().dialect.dbapi, "IntegrityError", IntegrityError)
    try:
        if is_read_only(session):
            with apart(session) as own:
                match_all(own, catalog, items, as_of, enterprise_ids=[enterprise_id])
        else:
            with session.begin_nested():
                match_all(session, catalog, items, as_of, enterprise_ids=[enterprise_id])
    except (IntegrityError, dbapi_error):
        return False  # another request re-matched this enterprise at the same moment: read its rows
    return True


def explain_items(session: Session, catalog: Catalog, enterprise_id: int, items: Sequence[Item],
                  as_of: date) -> dict[str, list[str]]:
    """Item id → its explanation for one enterprise, in plain Chinese, from its current facts."""
    if not items:
        return {}
    facts = enterprise_facts(session, catalog, enterprise_id)
    return {i.id: explain(i, facts, as_of, catalog).lines for i in items}


def _split(value: str | None) -> list[str]:
    return [p for p in (value or "").split(";") if p]


def check_consistency(
    session: Session, catalog: Catalog, enterprise_id: int, items: Sequence[Item], as_of: date
) -> list[str]:
    """Differences between stored SQL results and the reference evaluator (should be none)."""
    facts = enterprise_facts(session, catalog, enterprise_id)
    by_id = {i.id: i for i in items}
    problems = []
    for r in repository.results_for(session, enterprise_id):
        if r.item_id not in by_id:
            continue
        ref = evaluate(by_id[r.item_id], facts, as_of)
        if (ref.eligible, ref.amount, ref.failed, ref.missing) != (
            r.eligible, r.amount, _split(r.failed), _split(r.missing)):
            problems.append(f"{r.item_id}: SQL {r.eligible}/{r.amount} ≠ 参考 {ref.eligible}/"
                            f"{ref.amount}")
    return problems


def export_rows(session: Session, items: Sequence[Item]) -> list[Row[Any]]:
    """(uscc, item, eligible, amount, failed, missing) of the stored results of `items`."""
    return repository.export_rows(session, [i.id for i in items])



def most_eligible_uscc(session: Session, region: str) -> str | None:
    """The enterprise of `region` eligible for the most items (`huiqi demo-up` makes it
    demo-enterprise's)."""
    return repository.most_eligible_uscc(session, region)


# -- the registry on the in-memory engine (insights: targeting, simulation) -------------------

def registry_columns(session: Session, catalog: Catalog, names: Sequence[str]
                     ) -> RegistryColumns:
    """Every enterprise with the catalog fields `names`, as columns for the numpy engine
    (`RegistryColumns.evaluate(items, as_of)` gives per-row results without writing any)."""
    known = [n for n in dict.fromkeys(names) if n in catalog]
    return from_rows(catalog, known, repository.registry_rows(session, catalog, known))


__all__ = ["GiftPack", "MatchStats", "PackEntry", "RegistryColumns", "Results", "VectorResult",
           "check_consistency", "decode_bits", "enterprise_facts", "explain_items", "export_rows",
           "forget_results", "match_all", "match_version", "most_eligible_uscc", "owner_by_uscc",
           "pack", "registry_columns", "results"]
