"""All SQL of the matching domain: the enterprise source relation, the results table and the
per-enterprise match versions (raised by every write of results, in the same transaction)."""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Row,
    String,
    bindparam,
    case,
    delete,
    func,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from huiqi.matching.engines.sql import union_sql
from huiqi.matching.stored import StoredRows
from huiqi.models.enterprise import enterprises
from huiqi.models.match_result import MatchResult, MatchVersion
from huiqi.rules import Catalog, FieldSpec, FieldType, Item, compile_items


def _fact_cast(spec: FieldSpec, dialect: str) -> str:
    value = f"MAX(CASE WHEN f.field = '{spec.name}' THEN f.value END)"
    t = spec.type
    if t is FieldType.BOOL:
        if dialect == "postgresql":
            return f"CAST({value} AS BOOLEAN)"
        return f"CASE {value} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END"
    if t.is_numeric:
        return f"CAST({value} AS NUMERIC)"
    if t is FieldType.DATE and dialect == "postgresql":
        return f"CAST({value} AS DATE)"
    return value


def source_sql(catalog: Catalog, dialect: str, enterprise_ids: Sequence[int] | None,
               fields: Collection[str] | None = None) -> str:
    """Enterprises with their supplied facts pivoted into catalog-named columns (only the
    catalog fields `fields`, when given)."""
    wanted = [s for s in catalog if fields is None or s.name in fields]
    profile = [s for s in wanted if s.kind == "profile"]
    facts = [s for s in wanted if s.kind != "profile"]
    cols = ["e.id AS __row"] + [f'e."{s.name}" AS "{s.name}"' for s in profile]
    where = inner = ""
    if enterprise_ids is not None:
        ids = ", ".join(str(int(i)) for i in enterprise_ids)
        where, inner = f" WHERE e.id IN ({ids})", f" AND f.enterprise_id IN ({ids})"
    if not facts:
        return f"SELECT {', '.join(cols)} FROM enterprises e{where}"
    cols += [f'fx."{s.name}" AS "{s.name}"' for s in facts]
    pivot = ", ".join(f'{_fact_cast(s, dialect)} AS "{s.name}"' for s in facts)
    names = ", ".join(f"'{s.name}'" for s in facts)  # catalog names, not user text
    # The filters are repeated inside the pivot: SQLite does not push them through the join
    # into the GROUP BY subquery, so one enterprise's read (a 礼包 re-match, facts_row) pivoted
    # every supplied fact of the registry: 193 ms of CPU at 10,000 enterprises, 0.4 ms with it;
    # and a list over a few fields (targeting) pivoted every field of the catalog.
    return (
        f"SELECT {', '.join(cols)} FROM enterprises e LEFT JOIN ("
        f"SELECT f.enterprise_id, {pivot} FROM enterprise_facts f WHERE f.field IN ({names})"
        f"{inner} GROUP BY f.enterprise_id) fx ON fx.enterprise_id = e.id{where}"
    )


def stamp_and_clear(session: Session, item_ids: Sequence[str], as_of: date,
                    keys: Mapping[str | None, str], enterprise_ids: Sequence[int] | None) -> None:
    """Before writing results: raise each enterprise's match version and stamp it (policy date,
    `keys[its region]`, now), then delete its stored results of `item_ids`. The version row is
    written first, so on PostgreSQL a second writer of the same enterprise waits on it."""
    ids = None if enterprise_ids is None else list(enterprise_ids)
    _bump_versions(session, None if ids is None else enterprises.c.id.in_(ids), as_of, keys)
    stmt = delete(MatchResult).where(MatchResult.item_id.in_(list(item_ids)))
    if ids is not None:
        stmt = stmt.where(MatchResult.enterprise_id.in_(ids))
    session.execute(stmt)


def regions_of(session: Session, enterprise_ids: Sequence[int] | None
               ) -> dict[str | None, list[int]]:
    """The enterprises (all, or these) by region."""
    q = select(enterprises.c.region, enterprises.c.id)
    if enterprise_ids is not None:
        q = q.where(enterprises.c.id.in_(list(enterprise_ids)))
    found: dict[str | None, list[int]] = {}
    for region, eid in session.execute(q):
        found.setdefault(region, []).append(int(eid))
    return found


def insert_matched(session: Session, catalog: Catalog, items: Sequence[Item], as_of: date,
                   enterprise_ids: Sequence[int]) -> None:
    """Match a few enterprises in the database itself (INSERT … SELECT from the compiled
    rules), storing only the pairs matching/stored.py keeps."""
    if not items or not enterprise_ids:
        return
    dialect = session.get_bind().dialect.name
    engine_dialect = "postgres" if dialect == "postgresql" else "sqlite"
    compiled = compile_items(items, as_of, engine_dialect, table="src", columns="natural")
    union = union_sql(compiled, items)
    fields = {f for item in items for f in item.fields}
    true, false = ("TRUE", "FALSE") if dialect == "postgresql" else ("1", "0")
    day = f"DATE '{as_of.isoformat()}'" if dialect == "postgresql" else f"'{as_of.isoformat()}'"
    insert = (
        f"WITH src AS ({source_sql(catalog, dialect, enterprise_ids, fields)}), r AS ({union}) "
        "INSERT INTO match_results (enterprise_id, item_id, eligible, amount_fen, failed, missing, "
        "near_miss, as_of, computed_at) "
        f"SELECT __row, item, CASE eligible WHEN 1 THEN {true} WHEN 0 THEN {false} END, "
        "CASE WHEN eligible = 1 THEN amount_fen END, failed, missing, "
        f"CASE WHEN eligible = 0 THEN {true} ELSE {false} END, {day}, CURRENT_TIMESTAMP FROM r "
        "WHERE eligible IS NULL OR eligible = 1 OR failed NOT LIKE '%;%'"
    )
    # Through the raw driver cursor, without parameters, so no driver rewrites `%` in the SQL;
    # it is the session's own connection, hence the same transaction.
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(insert)
    finally:
        cursor.close()


_COLUMNS = ("enterprise_id", "item_id", "eligible", "amount_fen", "failed", "missing",
            "near_miss", "as_of", "computed_at")


def insert_rows(session: Session, rows: StoredRows, as_of: date) -> None:
    """Store result rows (matching/stored.py) in bulk on the session's connection (its
    transaction): SQLite's executemany (date and time written by SQL, not bound per row),
    PostgreSQL's COPY of CSV text that Arrow writes (no Python value per cell)."""
    if not len(rows):
        return
    driver = session.connection().connection.driver_connection
    if session.get_bind().dialect.name == "postgresql":
        table = rows.arrow()
        n = table.num_rows
        table = table.append_column("as_of", pa.array(np.full(n, as_of, "datetime64[D]")))
        now = np.full(n, datetime.now(UTC).replace(tzinfo=None), "datetime64[us]")
        table = table.append_column("computed_at", pa.array(now, pa.timestamp("us", "UTC")))
        options = pacsv.WriteOptions(include_header=False)
        with driver.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                f"COPY match_results ({', '.join(_COLUMNS)}) FROM STDIN (FORMAT csv)") as copy:
            for batch in table.to_batches(100_000):
                buffer = io.BytesIO()
                pacsv.write_csv(batch, buffer, options)
                copy.write(buffer.getvalue())
        return
    cursor = driver.cursor()  # type: ignore[union-attr]
    # A page cache of 256 MB while loading (the default is 2 MB): a district's millions of rows
    # otherwise spill index pages to the WAL and read them back (24 s → 16 s at 2.3M rows).
    cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
    try:
        cursor.execute("PRAGMA cache_size = -262144")
        cursor.executemany(
            f"INSERT INTO match_results ({', '.join(_COLUMNS)}) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?, '{as_of.isoformat()}', CURRENT_TIMESTAMP)",
            rows.rows())
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(cache)}")
        cursor.close()


def stamp(session: Session, enterprise_id: int) -> tuple[date | None, str | None, str | None]:
    """(policy date, items key) of the enterprise's stored results, and its region."""
    v = MatchVersion.__table__.c
    row = session.execute(
        select(v.as_of, v.items_key, enterprises.c.region)
        .select_from(enterprises)
        .outerjoin(MatchVersion.__table__, v.enterprise_id == enterprises.c.id)
        .where(enterprises.c.id == enterprise_id)).first()
    return (None, None, None) if row is None else (row[0], row[1], row[2])


def enterprise_total(session: Session, enterprise_ids: Sequence[int] | None) -> int:
    if enterprise_ids is not None:
        return len(set(enterprise_ids))
    return int(session.scalar(select(func.count()).select_from(enterprises)) or 0)


def registry_rows(session: Session, catalog: Catalog, names: Sequence[str],
                  enterprise_ids: Sequence[int] | None = None) -> list[tuple[Any, ...]]:
    """(id, *the fields `names`) of every enterprise (or these), profile and supplied facts,
    by id."""
    sql = source_sql(catalog, session.get_bind().dialect.name, enterprise_ids, names)
    cols = ", ".join(['__row'] + [f'"{n}"' for n in names])
    query = f"SELECT {cols} FROM ({sql}) AS src ORDER BY __row"  # names are catalog fields
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(query)
        return [tuple(r) for r in cursor.fetchall()]
    finally:
        cursor.close()


def forget_items(session: Session, item_ids: Sequence[str]) -> int:
    """Delete the stored results of `item_ids`, raising the versions of the enterprises that
    had any; the number of rows deleted."""
    if not item_ids:
        return 0
    ids = list(item_ids)
    _bump_versions(session, enterprises.c.id.in_(
        select(MatchResult.enterprise_id).where(MatchResult.item_id.in_(ids))))
    result = session.execute(delete(MatchResult).where(MatchResult.item_id.in_(ids)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _bump_versions(session: Session, which: ColumnElement[bool] | None,
                   as_of: date | None = None, keys: Mapping[str | None, str] | None = None
                   ) -> None:
    """version + 1 (or 1, the first time) for each enterprise `which` selects (None: all), with
    the stamp: policy date, `keys[its region]` and the time (`as_of` None: results removed, so
    the stamp is cleared and the next 政策礼包 re-matches). One upsert.

    Run before the results are written, so on PostgreSQL a second writer of the same enterprise
    waits here on the version row (until the first commits) rather than failing on the results'
    primary key; ids in ascending order, so concurrent writers lock rows in the same order.
    SQLite parses `INSERT … SELECT … ON CONFLICT` only with a WHERE in the SELECT (`1 = 1`).
    """
    region = enterprises.c.region
    key: ColumnElement[Any] = literal(None, String())
    if keys:
        key = case(*[(region.is_(None) if r is None else region == r, literal(k))
                     for r, k in keys.items()], else_=literal(None, String()))
    rows = (select(enterprises.c.id, literal(1), literal(as_of, Date()),
                   literal(datetime.now(UTC), DateTime(timezone=True)), key)
            .where(true() if which is None else which).order_by(enterprises.c.id))
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    base = insert(MatchVersion).from_select(
        ["enterprise_id", "version", "as_of", "matched_at", "items_key"], rows)
    excluded = base.excluded
    session.execute(base.on_conflict_do_update(
        index_elements=[MatchVersion.enterprise_id],
        set_={"version": MatchVersion.version + 1, "as_of": excluded.as_of,
              "matched_at": excluded.matched_at, "items_key": excluded.items_key}))




OwnerRow = tuple[int, str, str | None, str | None, int]


# The 政策礼包's per-request reads, built once: building a statement and its cache key cost
# SQLAlchemy several times more than SQLite takes to run it.
_versions = MatchVersion.__table__.c
_OWNER_BY_USCC = (
    select(enterprises.c.id, enterprises.c.uscc, enterprises.c.name, enterprises.c.region,
           func.coalesce(_versions.version, 0))
    .outerjoin(MatchVersion.__table__, _versions.enterprise_id == enterprises.c.id)
    .where(enterprises.c.uscc == bindparam("uscc")))
_MATCH_VERSION = select(_versions.version).where(_versions.enterprise_id == bindparam("id"))


def owner_by_uscc(session: Session, uscc: str) -> OwnerRow | None:
    """(id, uscc, name, region, match version) of the enterprise, in one query (the 政策礼包 asks
    on every request): whose pack it is, and whether its stored results changed."""
    row = session.execute(_OWNER_BY_USCC, {"uscc": uscc}).first()
    return None if row is None else (row[0], row[1], row[2], row[3], int(row[4]))


def match_version(session: Session, enterprise_id: int) -> int:
    """The enterprise's match version (0 before its results were first written)."""
    found = session.scalar(_MATCH_VERSION, {"id": enterprise_id})
    return int(found or 0)


def result_rows(session: Session, enterprise_id: int) -> tuple[Row[Any], ...]:
    """The enterprise's stored results as plain rows (no ORM objects)."""
    rows = session.execute(
        select(MatchResult.item_id, MatchResult.eligible, MatchResult.amount,
               MatchResult.failed, MatchResult.missing, MatchResult.near_miss, MatchResult.as_of)
        .where(MatchResult.enterprise_id == enterprise_id)).all()
    return tuple(cast("Sequence[Row[Any]]", rows))


def results_for(session: Session, enterprise_id: int) -> list[MatchResult]:
    return list(session.scalars(
        select(MatchResult).where(MatchResult.enterprise_id == enterprise_id)
        .order_by(MatchResult.item_id)))


def result_totals(session: Session, item_ids: Sequence[str],
                  enterprise_ids: Sequence[int] | None) -> tuple[int, int, Any]:
    """Over the stored results of these items (and enterprises, if given): eligible pairs,
    undecided pairs and the sum of amounts."""
    q = select(
        func.count().filter(MatchResult.eligible.is_(True)),
        func.count().filter(MatchResult.eligible.is_(None)),
        func.coalesce(func.sum(MatchResult.amount), 0),
    ).where(MatchResult.item_id.in_(list(item_ids)))
    if enterprise_ids is not None:
        q = q.where(MatchResult.enterprise_id.in_(list(enterprise_ids)))
    eligible, unknown, total = session.execute(q).one()
    return int(eligible), int(unknown), total


def facts_row(session: Session, catalog: Catalog, enterprise_id: int) -> dict[str, Any] | None:
    """One enterprise's profile and supplied facts as source_sql reads them (None: no such
    enterprise)."""
    sql = source_sql(catalog, session.get_bind().dialect.name, [enterprise_id])
    row = session.execute(text(sql.replace(":", r"\:"))).mappings().first()
    return dict(row) if row is not None else None


def most_eligible_uscc(session: Session, region: str) -> str | None:
    """The enterprise of `region` eligible for the most items (the demo's enterprise)."""
    found = session.execute(
        select(enterprises.c.uscc)
        .join(MatchResult, MatchResult.enterprise_id == enterprises.c.id)
        .where(MatchResult.eligible.is_(True), enterprises.c.region == region)
        .group_by(enterprises.c.uscc).order_by(func.count().desc()).limit(1)).scalar()
    return str(found) if found is not None else None


def record_opening(session: Session, uscc: str, day: date) -> bool:
    """Note that the enterprise opened its 礼包 on `day` (知晓 evidence for 包联): one row per
    enterprise and day, inserted if missing, in its own short transaction so a read request
    stays a read (as auth's touch_session). Inside a test's outer transaction: there."""
    from sqlalchemy import Engine

    from huiqi.models.pack_opening import PackOpening

    bind = session.get_bind()
    dialect = postgresql if bind.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(PackOpening).values(enterprise_uscc=uscc, day=day) \
        .on_conflict_do_nothing(index_elements=["enterprise_uscc", "day"])
    if isinstance(bind, Engine) and not _writing(session):
        with bind.begin() as conn:
            conn.execute(stmt)
    else:  # a test's outer transaction, or this request wrote already (e.g. it re-matched)
        session.execute(stmt)
    return True


def _writing(session: Session) -> bool:
    """Whether the session holds SQLite's write lock (a write apart would wait for it)."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    raw = session.connection().connection.dbapi_connection
    return bool(getattr(raw, "in_transaction", False))
