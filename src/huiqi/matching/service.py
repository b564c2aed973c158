"""Matching as other domains use it: match the registry, read an enterprise's 政策礼包, explain."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Row, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huiqi.matching import repository
from huiqi.models.match_result import MatchResult
from huiqi.registry.uscc import InvalidUSCC
from huiqi.registry.uscc import validate as validate_uscc
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
    ids = [i.id for i in items]
    q = select(
        func.count(func.distinct(MatchResult.enterprise_id)), func.count(),
        func.count().filter(MatchResult.eligible.is_(True)),
        func.count().filter(MatchResult.eligible.is_(None)),
        func.coalesce(func.sum(MatchResult.amount), 0),
    ).where(MatchResult.item_id.in_(ids))
    if enterprise_ids is not None:
        q = q.where(MatchResult.enterprise_id.in_(list(enterprise_ids)))
    ents, pairs, eligible, unknown, total = session.execute(q).one()
    return MatchStats(int(ents), len(items), int(pairs), int(eligible), int(unknown),
                      Decimal(str(total)).quantize(Decimal("0.01")))


def enterprise_facts(session: Session, catalog: Catalog, enterprise_id: int) -> dict[str, object]:
    """Profile and supplied facts of one enterprise, by catalog name (None = unknown)."""
    dialect = session.get_bind().dialect.name
    sql = repository.source_sql(catalog, dialect, [enterprise_id])
    row = session.execute(text(sql.replace(":", r"\:"))).mappings().first()
    if row is None:
        return {}
    return {k: v for k, v in row.items() if k != "__row" and v is not None}


def gift_pack(
    session: Session, catalog: Catalog, enterprise_id: int, items: Sequence[Item], as_of: date,
    *, explain_entries: bool = True,
) -> GiftPack:
    """The enterprise's stored results for `items`, sorted into the pack's three sections.

    Explanations run the reference evaluator (about a millisecond an item), so they are made
    only for the entries shown, and not at all with `explain_entries=False` (pages fetch one
    on demand: `explain_items`).
    """
    results = _results(session, enterprise_id)
    return _pack(session, catalog, enterprise_id, items, as_of, results, explain_entries)


def current_pack(
    session: Session, catalog: Catalog, enterprise_id: int, items: Sequence[Item], as_of: date,
) -> GiftPack:
    """`gift_pack` without explanations, from `current_results`."""
    results = current_results(session, catalog, enterprise_id, items, as_of)
    return pack_of(catalog, items, as_of, results)


def current_results(
    session: Session, catalog: Catalog, enterprise_id: int, items: Sequence[Item], as_of: date,
) -> tuple[Row[Any], ...]:
    """The enterprise's stored results, re-matching it first when they miss an item or were
    computed for another date (a newly registered enterprise, a newly published item, a new
    policy date)."""
    return fresh_results(session, catalog, enterprise_id, items, as_of)[0]


def fresh_results(
    session: Session, catalog: Catalog, enterprise_id: int, items: Sequence[Item], as_of: date,
) -> tuple[tuple[Row[Any], ...], bool]:
    """`current_results`, and whether this transaction re-matched the enterprise (the rows, and
    the match version it raised, are then this transaction's own writes)."""
    results = _results(session, enterprise_id)
    dates = {r.item_id: r.as_of for r in results}
    rematched = False
    if any(dates.get(i.id) != as_of for i in items):
        rematched = _rematch(session, catalog, enterprise_id, items, as_of)
        results = _results(session, enterprise_id)
    return tuple(results), rematched


def stored_results(session: Session, enterprise_id: int) -> tuple[Row[Any], ...]:
    """The enterprise's stored results as they are (no re-match check)."""
    return tuple(_results(session, enterprise_id))


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
    """Re-match one enterprise in a savepoint; False if another request's write got there first."""
    dbapi_error = getattr(session.get_bind().dialect.dbapi, "IntegrityError", IntegrityError)
    try:
        with session.begin_nested():
            match_all(session, catalog, items, as_of, enterprise_ids=[enterprise_id])
    except (IntegrityError, dbapi_error):
        return False  # another request re-matched this enterprise at the same moment: read its rows
    return True


def pack_of(catalog: Catalog, items: Sequence[Item], as_of: date,
            results: Sequence[Row[Any]]) -> GiftPack:
    """The pack from stored results, without explanations (no database access)."""
    return _pack(None, catalog, 0, items, as_of, results, False)


def _results(session: Session, enterprise_id: int) -> Sequence[Row[Any]]:
    """The enterprise's stored results as plain rows: the pack reads up to a few hundred per
    request, and ORM objects cost several times more than the query."""
    return session.execute(
        select(MatchResult.item_id, MatchResult.eligible, MatchResult.amount,
               MatchResult.failed, MatchResult.missing, MatchResult.near_miss, MatchResult.as_of)
        .where(MatchResult.enterprise_id == enterprise_id)).all()


def _pack(session: Session | None, catalog: Catalog, enterprise_id: int, items: Sequence[Item],
          as_of: date, results: Sequence[Row[Any]], explain_entries: bool) -> GiftPack:
    by_id = {i.id: i for i in items}
    pack = GiftPack([], [], [])
    for r in sorted(results, key=lambda r: r.item_id):
        item = by_id.get(r.item_id)
        if item is None or (r.eligible is False and not r.near_miss):
            continue
        entry = PackEntry(item, r.eligible, r.amount, _split(r.failed), _split(r.missing))
        if r.eligible:
            pack.eligible.append(entry)
        elif r.eligible is None:
            pack.unknown.append(entry)
        else:
            pack.near_misses.append(entry)
    pack.eligible.sort(key=lambda e: e.amount or 0, reverse=True)
    if explain_entries and session is not None:
        facts = enterprise_facts(session, catalog, enterprise_id)
        for entry in (*pack.eligible, *pack.unknown, *pack.near_misses):
            entry.explanation = explain(entry.item, facts, as_of, catalog).lines
    return pack


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


# ---- command-line helpers -------------------------------------------------------------------

def match_database_cli(
    items: Sequence[Item], as_of: date, *, engine: str, out: Path | None,
    progress: Callable[[str], None],
):  # type: ignore[no-untyped-def]
    from huiqi.kit.db import default_engine, unit_of_work
    from huiqi.kit.db_schema import ensure_schema
    from huiqi.matching.bulk import MatchSummary
    from huiqi.matching.inputs import LoadedInput
    from huiqi.registry.catalog import load_catalog

    db = default_engine()
    ensure_schema(db)
    catalog = load_catalog()
    progress(f"在数据库（{db.dialect.name}）中匹配")
    with unit_of_work(db) as session:
        stats = match_all(session, catalog, items, as_of)
    if out is not None:
        progress("写出结果")
        _export_results(db, items, out)
    return MatchSummary(LoadedInput(stats.enterprises, [], []), stats.items, stats.pairs,
                        stats.eligible, stats.unknown)


def _export_results(db, items: Sequence[Item], out: Path) -> None:  # type: ignore[no-untyped-def]
    import duckdb
    import pyarrow as pa

    from huiqi.models.enterprise import enterprises

    ids = [i.id for i in items]
    order = {item_id: k for k, item_id in enumerate(ids)}  # the items' order, as --input writes
    with db.connect() as conn:
        found = conn.execute(
            select(enterprises.c.uscc, MatchResult.item_id, MatchResult.eligible,
                   MatchResult.amount, MatchResult.failed, MatchResult.missing,
                   MatchResult.enterprise_id)
            .join(enterprises, enterprises.c.id == MatchResult.enterprise_id)
            .where(MatchResult.item_id.in_(ids))).all()
    rows = sorted(found, key=lambda r: (r[6], order[r[1]]))
    table = pa.table({
        "uscc": [r[0] for r in rows], "item": [r[1] for r in rows],
        "eligible": [{True: "true", False: "false"}.get(r[2], "unknown") for r in rows],
        "amount": pa.array([r[3] if r[2] else None for r in rows], pa.decimal128(18, 2)),
        "failed": [r[4] for r in rows], "missing": [r[5] for r in rows]})
    con = duckdb.connect()
    con.register("t", table)
    fmt = "FORMAT PARQUET" if out.suffix.lower() == ".parquet" else "FORMAT CSV, HEADER"
    con.execute(f"COPY t TO '{str(out).replace(chr(39), chr(39) * 2)}' ({fmt})").fetchall()


def explain_for_cli(
    uscc: str, item_id: str, items: Sequence[Item], catalog: Catalog, as_of: date
) -> str | None:
    from huiqi.kit.db import default_engine, unit_of_work
    from huiqi.kit.db_schema import ensure_schema

    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        return None
    db = default_engine()
    ensure_schema(db)
    with unit_of_work(db) as session:
        row = session.execute(text("SELECT id, name FROM enterprises WHERE uscc = :u"),
                              {"u": uscc.strip().upper()}).first()
        if row is None:
            return None
        facts = enterprise_facts(session, catalog, int(row[0]))
    header = f"{row[1]}（{uscc}） × {item.title}（{item.id}），按 {as_of} 有效的政策"
    return header + "\n" + explain(item, facts, as_of, catalog).to_text()
