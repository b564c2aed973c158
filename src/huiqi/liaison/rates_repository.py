"""SQL of the coverage check and the three rates: tier membership kept in `liaison_members`
(caught up from `enterprises.updated_at`, rebuilt for a tier when its rule changes) with each
member's flags (assigned, last contact / told / opened days, eligible, benefited), then the rates
in two GROUP BYs over covering indexes (`figures`) and the coverage counts in one.
Nothing evaluates a tier rule over every enterprise on a read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    union,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from huiqi.models.department import Department
from huiqi.models.enterprise import enterprises
from huiqi.models.grant import Grant
from huiqi.models.liaison import LiaisonContact, LiaisonMember, LiaisonMemberSync
from huiqi.models.liaison import LiaisonHandover as H
from huiqi.models.liaison_assignment import LiaisonAssignment as A
from huiqi.models.match_result import MatchResult, MatchVersion
from huiqi.models.pack_opening import PackOpening
from huiqi.models.user import User

E = enterprises.alias("e")
C = LiaisonContact
M = LiaisonMember
EVERYONE = 0  # the tier id of the rows that hold every enterprise
NO_STREET = "（未填镇街）"
_LOCK = 160_116  # PostgreSQL advisory lock of the membership catch-up


@dataclass(frozen=True)
class TierSql:
    id: int
    rule: str  # the rule as the office wrote it (a change rebuilds the tier's rows)
    rule_sql: str  # compiled by rules over "e": 1 / 0 / NULL
    since: date  # contacts on or after this day reset the tier's "no contact for N days" flag


def _member(rule_sql: str) -> ColumnElement[bool]:
    # compiled by rules from a checked expression, never text typed by a person
    return literal_column(f"(({rule_sql}) = 1)", Boolean())


# --- catch-up --------------------------------------------------------------------------------

def _flags(tier: Any = M.tier_id, uscc: Any = M.enterprise_uscc,
           enterprise_id: Any = M.enterprise_id) -> dict[str, Any]:
    """Each kept flag as SQL over a member row (`liaison_members`, or the enterprise `e` being
    inserted at a tier): sets as uncorrelated IN (built once per statement), last days as a
    max over the (enterprise, day) index."""
    def flag(cond: Any) -> Any:
        return case((cond, 1), else_=0)

    def last(*where: Any) -> Any:
        return select(func.max(C.contacted_on)).where(
            C.enterprise_uscc == uscc, *where).scalar_subquery()

    return {
        "assigned": flag(or_(
            and_(tier == EVERYONE, uscc.in_(select(A.enterprise_uscc))),
            tuple_(tier, uscc).in_(select(A.tier_id, A.enterprise_uscc)))),
        "user_id": case((tier == EVERYONE, None), else_=select(A.user_id).where(
            A.enterprise_uscc == uscc, A.tier_id == tier)
            .order_by(A.id).limit(1).scalar_subquery()),
        "last_contact": last(),
        "last_told": last(C.policy_count > 0),
        "last_opened": select(func.max(PackOpening.day))
        .where(PackOpening.enterprise_uscc == uscc).scalar_subquery(),
        "eligible": flag(enterprise_id.in_(
            select(MatchResult.enterprise_id).where(MatchResult.eligible.is_(True)))),
        "benefited": flag(uscc.in_(select(Grant.enterprise_uscc))),
    }


def _stamps(session: Session) -> tuple[Any, dict[str, str]]:
    """The newest `enterprises.updated_at` and the marks of the flag sources (a change means
    new or removed rows), in one statement: each an index read or a count."""
    def top(col: Any) -> Any:
        return select(func.max(col)).scalar_subquery()

    def count(table: Any) -> Any:
        return select(func.count()).select_from(table).scalar_subquery()

    stamp, *v = session.execute(select(
        top(E.c.updated_at), top(C.id), top(A.id), count(A), top(H.id), top(PackOpening.day),
        count(PackOpening), top(MatchVersion.matched_at), count(MatchVersion), top(Grant.id),
        count(Grant))).one()
    marks = [str(x) for x in v]
    return stamp, {"contacts": marks[0], "assignments": "/".join(marks[1:4]),
                   "openings": "/".join(marks[4:6]), "matches": "/".join(marks[6:8]),
                   "grants": "/".join(marks[8:10])}


def _changed(source: str, old: str, new: str) -> Any | None:
    """The USCCs (a subquery) whose flags `source` changed between its marks; None: all of
    them (first time, or rows were removed)."""
    was, now = old.split("/"), new.split("/")
    if was[0] == "None" or (len(was) > 1 and int(now[1]) < int(was[1])):
        return None
    if source == "contacts":
        return select(C.enterprise_uscc).where(C.id > int(was[0]))
    if source == "assignments":
        if was[2] == "None":
            return None
        return union(select(A.enterprise_uscc).where(A.id > int(was[0])),
                     select(H.enterprise_uscc).where(H.id > int(was[2])))
    if source == "grants":
        return select(Grant.enterprise_uscc).where(Grant.id > int(was[0]))
    if source == "openings":
        return select(PackOpening.enterprise_uscc).where(
            PackOpening.day >= date.fromisoformat(was[0]))
    since = datetime.fromisoformat(was[0])  # matches: re-matched since (a re-match may leave
    # an enterprise no row at all, so the stamp's time, not the rows', says who changed)
    return select(M.enterprise_uscc).where(M.enterprise_id.in_(
        select(MatchVersion.enterprise_id).where(MatchVersion.matched_at >= since)))


_COLUMNS = {"contacts": ("last_contact", "last_told"), "assignments": ("assigned", "user_id"),
            "openings": ("last_opened",), "matches": ("eligible",), "grants": ("benefited",)}


def _update(session: Session, columns: Sequence[str], where: Any | None) -> None:
    flags = _flags()
    stmt = update(M).values({c: flags[c] for c in columns})
    if where is not None:
        stmt = stmt.where(M.enterprise_uscc.in_(where))
    session.execute(stmt.execution_options(synchronize_session=False))


def sync(session: Session, tiers: Sequence[TierSql], *, full: bool = False) -> int:
    """Bring `liaison_members` up to date: membership for every enterprise (tier 0) and
    `tiers` — rebuild a tier whose rule changed, else redo the enterprises changed since the
    last catch-up — then the flags of the enterprises whose sources changed. Returns the parts
    redone; when nothing changed it costs a few index reads."""
    stamp, stamps = _stamps(session)
    wanted = [TierSql(EVERYONE, "TRUE", "1", date.min), *tiers]

    def state() -> dict[int, tuple[str, Any, str]]:
        return {s.tier_id: (s.rule, s.synced_to, s.stamps)
                for s in session.scalars(select(LiaisonMemberSync))}

    done = state()
    marks = json.dumps(stamps, sort_keys=True)
    if not full and set(done) == {t.id for t in wanted} and all(
            done[t.id][:2] == (t.rule, stamp) for t in wanted) and done[EVERYONE][2] == marks:
        return 0
    if session.get_bind().dialect.name == "postgresql":  # one catch-up at a time
        session.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK})"))
        done = state()
    gone = [t for t in done if t not in {w.id for w in wanted}]
    if gone:
        session.execute(delete(M).where(M.tier_id.in_(gone)))
        session.execute(delete(LiaisonMemberSync).where(LiaisonMemberSync.tier_id.in_(gone)))
    redone = rebuilt = 0
    for t in wanted:
        rule, synced_to, _ = done.get(t.id, (None, None, ""))
        if not full and (rule, synced_to) == (t.rule, stamp):
            continue
        since = None if full or rule != t.rule or synced_to is None else synced_to
        _refresh(session, t, since)
        redone += 1
        rebuilt += since is None
    old = {} if full else json.loads(done.get(EVERYONE, ("", None, ""))[2] or "{}")
    for source, mark in stamps.items():
        if rebuilt == len(wanted) or (source in old and old[source] == mark):
            continue  # every row was just computed from the sources as they are now
        where = _changed(source, old[source], mark) if source in old else None
        _update(session, _COLUMNS[source], where)
        redone += 1
    for t in wanted:
        row = session.get(LiaisonMemberSync, t.id)
        if row is None:
            session.add(LiaisonMemberSync(tier_id=t.id, rule=t.rule, synced_to=stamp,
                                          stamps=""))
            row = None
        else:
            row.rule, row.synced_to = t.rule, stamp
    session.flush()
    zero = session.get(LiaisonMemberSync, EVERYONE)
    assert zero is not None
    zero.stamps = marks
    session.flush()
    return redone


def _refresh(session: Session, t: TierSql, since: datetime | None) -> None:
    """Recompute the tier's rows (all, or those of the enterprises changed `since`) with their
    flags, in one INSERT … SELECT (no second pass over the new rows)."""
    stmt = delete(M).where(M.tier_id == t.id)
    flags = _flags(literal(t.id), E.c.uscc, E.c.id)
    rows = select(literal(t.id), E.c.id, E.c.uscc, func.coalesce(E.c.street, NO_STREET),
                  *flags.values())
    if t.rule_sql != "1":
        rows = rows.where(_member(t.rule_sql))
    if since is not None:
        stmt = stmt.where(M.enterprise_uscc.in_(select(E.c.uscc).where(E.c.updated_at >= since)))
        rows = rows.where(E.c.updated_at >= since)
    session.execute(stmt)
    session.execute(insert(M).from_select(["tier_id", "enterprise_id", "enterprise_uscc",
                                           "street", *flags], rows))


# --- figures ----------------------------------------------------------------------------------

@dataclass
class Counts:
    label: str = ""
    members: int = 0
    assigned: int = 0
    covered: int = 0
    aware: int = 0
    eligible: int = 0
    benefited: int = 0
    stale: int = 0

    def add(self, other: Counts) -> None:
        self.members += other.members
        self.assigned += other.assigned
        self.covered += other.covered
        self.aware += other.aware
        self.eligible += other.eligible
        self.benefited += other.benefited
        self.stale += other.stale


def _period(start: date, end: date, *, kept: bool) -> tuple[Any, Any]:
    """(contacted, aware) in [start, end] as SQL over a member row: from the kept last dates
    when the period runs to today (no later event can hide one in it), else from the period's
    events (each set built once per statement)."""
    m = M
    contacted: Any
    if kept:
        contacted = m.last_contact.between(start, end)
        aware = or_(m.last_told.between(start, end), m.last_opened.between(start, end))
        return contacted, aware
    contacted = m.enterprise_uscc.in_(
        select(C.enterprise_uscc).where(C.contacted_on.between(start, end)))
    told = m.enterprise_uscc.in_(select(C.enterprise_uscc).where(
        C.contacted_on.between(start, end), C.policy_count > 0))
    opened = m.enterprise_uscc.in_(select(PackOpening.enterprise_uscc).where(
        PackOpening.day.between(start, end)))
    return contacted, or_(told, opened)


def _n(cond: Any) -> Any:
    return func.sum(case((cond, 1), else_=0))


def _sums(start: date | None, end: date | None, *, kept: bool, assigned: Any,
          stale: Any | None = None) -> list[Any]:
    cols: list[Any] = [func.count(), func.sum(assigned)]
    if start is not None and end is not None:
        contacted, aware = _period(start, end, kept=kept)
        cols += [_n(and_(assigned == 1, contacted)), _n(aware), func.sum(M.eligible),
                 _n(and_(M.eligible == 1, M.benefited == 1))]
    else:
        cols += [literal(0)] * 4
    cols.append(_n(stale) if stale is not None else literal(0))
    return cols


def _counts(rows: Any) -> dict[Any, Counts]:
    return {key: Counts(str(label or ""), *(int(v or 0) for v in values))
            for key, label, *values in rows}


def _stale(since: dict[int, date]) -> Any:
    threshold = case(*[(M.tier_id == t, d) for t, d in since.items()], else_=None)
    return and_(M.assigned == 1, M.tier_id != EVERYONE,
                or_(M.last_contact.is_(None), M.last_contact < threshold))


def by_tier(session: Session, start: date | None, end: date | None, *, kept: bool = True,
            since: dict[int, date] | None = None) -> dict[int, Counts]:
    """Per tier (0: every enterprise): members, assigned at the tier, covered, aware,
    eligible, benefited and — with `since` (tier → day) — assigned but not contacted since.
    The plain GROUP BY `figures` must agree with (the tests compare them)."""
    return _counts(session.execute(
        select(M.tier_id, literal(""), *_sums(start, end, kept=kept, assigned=M.assigned,
                                               stale=_stale(since) if since else None))
        .group_by(M.tier_id)))


def coverage_counts(session: Session, since: dict[int, date]) -> dict[int, Counts]:
    """Per tier (not 0): members, assigned at the tier and assigned but not contacted since
    the tier's day — read from the index by official (ix_liaison_members_official)."""
    return _counts(session.execute(
        select(M.tier_id, literal(""), *_sums(None, None, kept=True, assigned=M.assigned,
                                               stale=_stale(since) if since else None))
        .where(M.tier_id > EVERYONE).group_by(M.tier_id)))


@dataclass(frozen=True)
class Figures:
    per_tier: dict[int, Counts]  # EVERYONE (0): every enterprise
    by_street: dict[str, Counts]
    by_official: dict[int, Counts]  # user id → the members of the tiers it serves them at


def _events(start: date, end: date) -> Any:
    """The enterprises with an event in [start, end]: contacted (1/0) and aware (told of a
    policy in a contact, or opened its 礼包: 1/0)."""
    rows = union_all(
        select(C.enterprise_uscc.label("uscc"), literal(1).label("contacted"),
               case((C.policy_count > 0, 1), else_=0).label("aware"))
        .where(C.contacted_on.between(start, end)),
        select(PackOpening.enterprise_uscc, literal(0), literal(1))
        .where(PackOpening.day.between(start, end))).subquery()
    return select(rows.c.uscc, func.max(rows.c.contacted).label("contacted"),
                  func.max(rows.c.aware).label("aware")).group_by(rows.c.uscc).subquery("ev")


def _grouped(session: Session, keys: Sequence[Any], where: Any, start: date, end: date,
             kept: bool) -> dict[tuple[Any, ...], list[int]]:
    """key → [members, assigned, covered (assigned and contacted), aware, eligible, benefited,
    contacted] over the member rows `where`, grouped by `keys`. Kept days (and a past period
    on PostgreSQL, whose hashed IN sets beat a join it misestimates): one GROUP BY over a
    covering index. A past period on SQLite: the same without the period's columns, plus one
    GROUP BY driven from the period's events (far fewer rows than the members)."""
    population = [func.count(), func.sum(M.assigned), func.sum(M.eligible),
                  _n(and_(M.eligible == 1, M.benefited == 1))]
    by_events = not kept and session.get_bind().dialect.name != "postgresql"
    if by_events:
        period = [literal(0)] * 3
    else:
        contacted, aware = _period(start, end, kept=kept)
        period = [_n(and_(M.assigned == 1, contacted)), _n(aware), _n(contacted)]
    rows = session.execute(select(*keys, *population, *period).where(where).group_by(*keys))
    found: dict[tuple[Any, ...], list[int]] = {}
    for row in rows:
        m, a, e, b, cov, aw, con = (int(v or 0) for v in row[len(keys):])
        found[tuple(row[:len(keys)])] = [m, a, cov, aw, e, b, con]
    if by_events:
        ev = _events(start, end)
        for row in session.execute(
                select(*keys, _n(and_(M.assigned == 1, ev.c.contacted == 1)),
                       _n(ev.c.aware == 1), _n(ev.c.contacted == 1))
                .select_from(ev).join(M, M.enterprise_uscc == ev.c.uscc).where(where)
                .group_by(*keys)):
            v = found[tuple(row[:len(keys)])]
            v[2], v[3], v[6] = (int(x or 0) for x in row[len(keys):])
    return found


def figures(session: Session, start: date, end: date, *, kept: bool = True) -> Figures:
    """Every figure of the rates from two groupings, each read in the order of a covering
    index (no sort, no row lookups): every enterprise (tier 0) by street, and the tiers'
    members by (tier, official). Every enterprise is the sum of the streets; a tier the sum of
    its officials and its unassigned members; an official the sum of its tiers, where any
    contact covers (it serves the enterprise)."""
    streets: dict[str, Counts] = {}
    everyone = Counts()
    for (street,), v in _grouped(session, [M.street], M.tier_id == EVERYONE, start, end,
                                 kept).items():
        streets[street] = Counts(street, *v[:6])
        everyone.add(streets[street])
    per_tier: dict[int, Counts] = {EVERYONE: everyone}
    per_official: dict[int, Counts] = {}
    for (tier_id, user_id), v in _grouped(session, [M.tier_id, M.user_id],
                                          M.tier_id > EVERYONE, start, end, kept).items():
        per_tier.setdefault(tier_id, Counts()).add(Counts("", *v[:6]))
        if user_id is not None:  # its members are its assigned; any contact covers
            m, _, _, aware, eligible, benefited, contacted = v
            per_official.setdefault(user_id, Counts()).add(
                Counts("", m, m, contacted, aware, eligible, benefited))
    return Figures(per_tier, streets, per_official)


def officials(session: Session, user_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """user id → (name, department) of the officials in the league table."""
    if not user_ids:
        return {}
    return {uid: (str(name or uid), str(dept or "（未设部门）")) for uid, name, dept in
            session.execute(select(User.id, User.display_name, Department.name)
                            .outerjoin(Department, Department.id == User.department_id)
                            .where(User.id.in_(list(user_ids))))}


def uncovered(session: Session, tier_id: int, offset: int, limit: int) -> list[Any]:
    """A page of the tier's members with no official assigned at the tier."""
    return list(session.execute(
        select(E.c.uscc, E.c.name, E.c.street).select_from(M)
        .join(E, E.c.id == M.enterprise_id)
        .where(M.tier_id == tier_id, M.assigned == 0)
        .order_by(M.enterprise_uscc).offset(offset).limit(limit)))
