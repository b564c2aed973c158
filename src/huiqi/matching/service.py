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
from huiqi.matching import repository, stored
from huiqi.matching.engines.registry import RegistryColumns, from_rows
from huiqi.matching.engines.vector import VectorResult, decode_bits
from huiqi.registry.service import InvalidUSCC, validate_uscc
from huiqi.rules import Catalog, Item, engine_ir, evaluate, explain


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


# Up to this many enterprises are matched by SQL in the database (a 政策礼包's re-match, a fact
# supplied: the compiled SQL is cached, one enterprise takes milliseconds); more, through the
# in-memory engine over the registry read once (a publication: 100,000 × 200 items in seconds,
# where the SQL took minutes).
SQL_AT_MOST = 64


def match_all(
    session: Session,
    catalog: Catalog,
    items: Sequence[Item],
    as_of: date,
    enterprise_ids: Sequence[int] | None = None,
) -> MatchStats:
    """Re-match the registry (or some enterprises) against `items`, storing the pairs that
    matching/stored.py keeps and stamping each enterprise with what it was matched against."""
    ids = None if enterprise_ids is None else sorted(set(enterprise_ids))
    regions = repository.regions_of(session, ids)
    keys = stored.keys_by_region(items, regions)
    repository.stamp_and_clear(session, [i.id for i in items], as_of, keys, ids)
    if ids is not None and len(ids) <= SQL_AT_MOST:
        for region, members in regions.items():
            repository.insert_matched(session, catalog, stored.offered(items, region), as_of,
                                      members)
    elif items:
        _write_in_memory(session, catalog, items, as_of, ids)
    session.flush()
    eligible, unknown, total = repository.result_totals(session, [i.id for i in items], ids)
    ents = repository.enterprise_total(session, ids)
    return MatchStats(ents, len(items), ents * len(items), eligible, unknown,
                      Decimal(str(total)).quantize(Decimal("0.01")))


def _write_in_memory(session: Session, catalog: Catalog, items: Sequence[Item], as_of: date,
                     ids: Sequence[int] | None) -> None:
    columns, bound, results = _evaluate_registry(session, catalog, items, as_of, ids, ["region"])
    rows = stored.kept_rows(
        columns.ids, columns.text("region"), items,
        [[c.name for c in i.criteria] for i in items], [b.fields for b in bound], results)
    repository.insert_rows(session, rows, as_of)


def _evaluate_registry(session: Session, catalog: Catalog, items: Sequence[Item], as_of: date,
                       ids: Sequence[int] | None, extra: Sequence[str]
                       ) -> tuple[RegistryColumns, list[Any], list[VectorResult]]:
    """The registry (or enterprises `ids`) read once and every item evaluated over it in memory,
    with per-criterion details; `extra` catalog fields are read along (e.g. region)."""
    bound = [engine_ir(i, as_of) for i in items]
    names = [n for n in dict.fromkeys([*(f for b in bound for f in b.fields), *extra])
             if n in catalog]
    columns = from_rows(catalog, names, repository.registry_rows(session, catalog, names, ids))
    return columns, bound, columns.evaluate_bound(bound, details=True)


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
    enterprise is re-matched first unless its stamp says they are complete for `items` (those
    offered in its region) on `as_of`: a newly registered enterprise, a newly published item or
    a new policy date re-match it."""
    rows = repository.result_rows(session, enterprise_id)
    if not refresh:
        return Results(rows)
    matched_on, key, region = repository.stamp(session, enterprise_id)
    if matched_on == as_of and key == stored.items_key(stored.offered(items, region)):
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
    stored_ids = set()
    for r in repository.results_for(session, enterprise_id):
        stored_ids.add(r.item_id)
        if r.item_id not in by_id:
            continue
        ref = evaluate(by_id[r.item_id], facts, as_of)
        if (ref.eligible, ref.amount, ref.failed, ref.missing) != (
            r.eligible, r.amount, _split(r.failed), _split(r.missing)):
            problems.append(f"{r.item_id}: SQL {r.eligible}/{r.amount} ≠ 参考 {ref.eligible}/"
                            f"{ref.amount}")
    _, _, region = repository.stamp(session, enterprise_id)
    for item in stored.offered(items, region):  # no row: plainly not eligible
        if item.id not in stored_ids:
            ref = evaluate(item, facts, as_of)
            if ref.eligible is not False or ref.near_miss:
                problems.append(f"{item.id}: 未存储 ≠ 参考 {ref.eligible}/{ref.amount}")
    return problems


def export_rows(session: Session, catalog: Catalog, items: Sequence[Item], as_of: date
                ) -> list[tuple[Any, ...]]:
    """(uscc, item, eligible, amount, failed, missing) of every enterprise and item, by
    enterprise and item: computed from the registry's current facts (the stored results hold
    only the pairs something reads, see matching/stored.py)."""
    if not items:
        return []
    columns, bound, results = _evaluate_registry(session, catalog, items, as_of, None, ["uscc"])
    usccs = columns.text("uscc")
    states = {1: True, 0: False, -1: None}
    per_item = []
    for item, b, r in zip(items, bound, results, strict=True):
        assert r.failed_bits is not None and r.missing_bits is not None
        criteria = [c.name for c in item.criteria]
        known = r.amount_known.tolist()
        per_item.append((item.id, r.eligible.tolist(), r.amount_fen.tolist(), known,
                         r.failed_bits.tolist(), r.missing_bits.tolist(), criteria, b.fields))
    per_item.sort(key=lambda p: p[0])
    out: list[tuple[Any, ...]] = []
    for row in range(columns.n):
        for item_id, elig, fen, known, failed, missing, criteria, fields in per_item:
            state = states[elig[row]]
            amount = (Decimal(fen[row]) / 100).quantize(Decimal("0.01")) \
                if state and known[row] else None
            out.append((usccs[row], item_id, state, amount, decode_bits(failed[row], criteria),
                        decode_bits(missing[row], fields)))
    return out


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
