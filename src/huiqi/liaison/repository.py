"""All SQL of liaison (包联). Tier membership is the tier's rule compiled by `rules` to SQL over
`enterprises AS e` (see tiers.py); the rates read the flags of every enterprise set-based, with
IN (subquery) semi-joins, so 100,000 enterprises take one pass per grouping."""

from __future__ import annotations

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
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from huiqi.models.department import Department
from huiqi.models.enterprise import enterprises
from huiqi.models.grant import Grant
from huiqi.models.liaison import (
    LiaisonCampaign,
    LiaisonCampaignTarget,
    LiaisonContact,
    LiaisonHandover,
    LiaisonPhoto,
    LiaisonPlan,
    LiaisonSetting,
    LiaisonTier,
)
from huiqi.models.liaison_assignment import LiaisonAssignment as A
from huiqi.models.match_result import MatchResult
from huiqi.models.user import User

E = enterprises.alias("e")
C = LiaisonContact


def member(rule_sql: str) -> ColumnElement[bool]:
    """The compiled rule (over "e") as a condition: only a known true is a member."""
    # compiled by rules from a checked expression, never text typed by a person
    return literal_column(f"(({rule_sql}) = 1)", Boolean())


# --- tiers, settings --------------------------------------------------------------------------

def tiers(session: Session) -> list[LiaisonTier]:
    return list(session.scalars(select(LiaisonTier).order_by(LiaisonTier.position,
                                                             LiaisonTier.id)))


def tier(session: Session, tier_id: int) -> LiaisonTier | None:
    return session.get(LiaisonTier, tier_id)


def tier_by_code(session: Session, code: str) -> LiaisonTier | None:
    return session.scalar(select(LiaisonTier).where(LiaisonTier.code == code))


def settings(session: Session) -> LiaisonSetting | None:
    return session.get(LiaisonSetting, 1)


# --- officials, enterprises -------------------------------------------------------------------

def officials(session: Session) -> list[Any]:
    return list(session.execute(
        select(User.id, User.username, User.display_name, Department.name.label("department"))
        .outerjoin(Department, Department.id == User.department_id)
        .where(User.role == "liaison", User.is_active.is_(True)).order_by(User.display_name)))


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def enterprise_row(session: Session, uscc: str) -> Any | None:
    return session.execute(select(E.c.id, E.c.uscc, E.c.name, E.c.street, E.c.region)
                           .where(E.c.uscc == uscc)).first()


def existing_usccs(session: Session, usccs: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(usccs), 500):
        found.update(session.scalars(select(E.c.uscc).where(E.c.uscc.in_(usccs[i:i + 500]))))
    return found


# --- assignments ------------------------------------------------------------------------------

def assignment(session: Session, user_id: int, uscc: str) -> A | None:
    return session.scalar(select(A).where(A.user_id == user_id, A.enterprise_uscc == uscc))


def assignments_at(session: Session, uscc: str, tier_id: int | None) -> list[A]:
    stmt = select(A).where(A.enterprise_uscc == uscc)
    stmt = stmt.where(A.tier_id == tier_id) if tier_id is not None else stmt
    return list(session.scalars(stmt.order_by(A.id)))


def assignments_of(session: Session, uscc: str) -> list[Any]:
    return list(session.execute(
        select(A.id, A.tier_id, A.user_id, User.display_name, LiaisonTier.name.label("tier"))
        .join(User, User.id == A.user_id).outerjoin(LiaisonTier, LiaisonTier.id == A.tier_id)
        .where(A.enterprise_uscc == uscc).order_by(LiaisonTier.position, A.id)))


def is_assigned(session: Session, user_id: int, uscc: str) -> bool:
    return assignment(session, user_id, uscc) is not None


def handovers(session: Session, uscc: str | None = None, limit: int = 200) -> list[Any]:
    frm, to = User.__table__.alias("frm"), User.__table__.alias("to_")
    stmt = (select(LiaisonHandover, frm.c.display_name.label("from_name"),
                   to.c.display_name.label("to_name"), LiaisonTier.name.label("tier"))
            .outerjoin(frm, frm.c.id == LiaisonHandover.from_user_id)
            .outerjoin(to, to.c.id == LiaisonHandover.to_user_id)
            .outerjoin(LiaisonTier, LiaisonTier.id == LiaisonHandover.tier_id)
            .order_by(LiaisonHandover.at.desc(), LiaisonHandover.id.desc()).limit(limit))
    if uscc:
        stmt = stmt.where(LiaisonHandover.enterprise_uscc == uscc)
    return list(session.execute(stmt))


def portfolio(session: Session, user_id: int) -> list[Any]:
    """The official's enterprises with their tier, last contact and its stale threshold."""
    last = (select(C.enterprise_uscc, func.max(C.contacted_on).label("last"))
            .group_by(C.enterprise_uscc).subquery())
    return list(session.execute(
        select(E.c.id, E.c.uscc, E.c.name, E.c.street, A.tier_id,
               LiaisonTier.name.label("tier"), LiaisonTier.stale_days, last.c.last)
        .select_from(A).join(E, E.c.uscc == A.enterprise_uscc)
        .outerjoin(LiaisonTier, LiaisonTier.id == A.tier_id)
        .outerjoin(last, last.c.enterprise_uscc == A.enterprise_uscc)
        .where(A.user_id == user_id).order_by(last.c.last.is_not(None), last.c.last, E.c.name)))


def delete_assignment(session: Session, row: A) -> None:
    session.execute(delete(A).where(A.id == row.id))


# --- coverage ---------------------------------------------------------------------------------

def uncovered(session: Session, tier_id: int, rule_sql: str, offset: int, limit: int
              ) -> tuple[list[Any], int]:
    """Members of the tier with no official assigned at the tier; (a page of them, how many)."""
    assigned = select(A.enterprise_uscc).where(A.tier_id == tier_id)
    cond = and_(member(rule_sql), E.c.uscc.not_in(assigned))
    total = session.scalar(select(func.count()).select_from(E).where(cond)) or 0
    rows = session.execute(select(E.c.uscc, E.c.name, E.c.street).where(cond)
                           .order_by(E.c.id).offset(offset).limit(limit)).all()
    return list(rows), int(total)


def tier_counts(session: Session, tier_id: int, rule_sql: str) -> tuple[int, int]:
    """(members, members with an official assigned at the tier)."""
    assigned = select(A.enterprise_uscc).where(A.tier_id == tier_id)
    row = session.execute(select(func.count(), func.count().filter(E.c.uscc.in_(assigned)))
                          .select_from(E).where(member(rule_sql))).one()
    return int(row[0]), int(row[1])


# --- contacts, plans --------------------------------------------------------------------------

def contacts_of(session: Session, uscc: str, limit: int = 200) -> list[Any]:
    return list(session.execute(
        select(C, User.display_name).outerjoin(User, User.id == C.user_id)
        .where(C.enterprise_uscc == uscc)
        .order_by(C.contacted_on.desc(), C.id.desc()).limit(limit)))


def contact(session: Session, contact_id: int) -> LiaisonContact | None:
    return session.get(LiaisonContact, contact_id)


def contacts_between(session: Session, uscc: str, start: date, end: date) -> int:
    return int(session.scalar(select(func.count()).where(
        C.enterprise_uscc == uscc, C.contacted_on >= start, C.contacted_on <= end)) or 0)


def photos(session: Session, contact_ids: Sequence[int]) -> list[LiaisonPhoto]:
    if not contact_ids:
        return []
    return list(session.scalars(select(LiaisonPhoto).where(
        LiaisonPhoto.contact_id.in_(list(contact_ids))).order_by(LiaisonPhoto.id)))


def photo(session: Session, photo_id: int) -> LiaisonPhoto | None:
    return session.get(LiaisonPhoto, photo_id)


def open_plans(session: Session, user_id: int | None = None, uscc: str | None = None
               ) -> list[Any]:
    stmt = (select(LiaisonPlan, E.c.name).outerjoin(E, E.c.uscc == LiaisonPlan.enterprise_uscc)
            .where(LiaisonPlan.contact_id.is_(None)).order_by(LiaisonPlan.planned_on))
    if user_id is not None:
        stmt = stmt.where(LiaisonPlan.user_id == user_id)
    if uscc is not None:
        stmt = stmt.where(LiaisonPlan.enterprise_uscc == uscc)
    return list(session.execute(stmt))


def plans_due(session: Session, until: date) -> list[LiaisonPlan]:
    return list(session.scalars(
        select(LiaisonPlan).where(LiaisonPlan.contact_id.is_(None),
                                  LiaisonPlan.reminded_at.is_(None),
                                  LiaisonPlan.planned_on <= until)
        .order_by(LiaisonPlan.id).with_for_update(skip_locked=True)))


def open_plan_for(session: Session, user_id: int, uscc: str) -> LiaisonPlan | None:
    return session.scalar(select(LiaisonPlan).where(
        LiaisonPlan.user_id == user_id, LiaisonPlan.enterprise_uscc == uscc,
        LiaisonPlan.contact_id.is_(None)).order_by(LiaisonPlan.planned_on).limit(1))


def stale_count(session: Session, rule_sql: str, tier_id: int, since: date) -> int:
    """Members of a tier assigned at the tier whose last contact is before `since` (or none)."""
    recent = select(C.enterprise_uscc).where(C.contacted_on >= since)
    assigned = select(A.enterprise_uscc).where(A.tier_id == tier_id)
    return int(session.scalar(select(func.count()).select_from(E).where(
        member(rule_sql), E.c.uscc.in_(assigned), E.c.uscc.not_in(recent))) or 0)


# --- rates ------------------------------------------------------------------------------------

FLAGS = "liaison_flags"  # a temporary table: one row of 0/1 flags per enterprise


@dataclass(frozen=True)
class TierSql:
    id: int
    rule_sql: str
    since: date  # contacts on or after this day reset the tier's "no contact for N days" flag


def build_flags(session: Session, start: date, end: date, start_at: datetime,
                tiers: Sequence[TierSql], *, rates: bool = True) -> None:
    """One pass over the enterprises into a temporary table of flags (membership, assignment
    and recent contact per tier; contacted, aware, eligible, benefited in the period), so the
    groupings that follow scan it instead of probing five tables each. Each source table is
    first reduced to one row per enterprise and joined once (100,000 enterprises: one
    statement with five joins, then light scans)."""
    per_tier = [func.max(case((A.tier_id == t.id, 1), else_=0)).label(f"a{t.id}")
                for t in tiers]
    a = select(A.enterprise_uscc.label("uscc"), *per_tier).group_by(A.enterprise_uscc) \
        .subquery("a")
    inside = and_(C.contacted_on >= start, C.contacted_on <= end)
    c = select(C.enterprise_uscc.label("uscc"), func.max(C.contacted_on).label("last"),
               func.max(case((inside, 1), else_=0)).label("contacted"),
               func.max(case((and_(inside, C.policy_count > 0), 1), else_=0)).label("told")) \
        .group_by(C.enterprise_uscc).subquery("c")
    o = select(User.enterprise_uscc.label("uscc")).where(
        User.role == "enterprise", User.last_login_at >= start_at).distinct().subquery("o")
    m = select(MatchResult.enterprise_id.label("id")).where(
        MatchResult.eligible.is_(True)).distinct().subquery("m")
    g = select(Grant.enterprise_uscc.label("uscc")).distinct().subquery("g")

    def flag(cond: ColumnElement[bool]) -> ColumnElement[Any]:
        return case((cond, 1), else_=0)

    cols: list[Any] = [E.c.id.label("id"), E.c.uscc.label("uscc"),
                       func.coalesce(E.c.street, "（未填镇街）").label("street"),
                       flag(a.c.uscc.is_not(None)).label("assigned")]
    for t in tiers:
        cols += [flag(member(t.rule_sql)).label(f"m{t.id}"),
                 func.coalesce(a.c[f"a{t.id}"], 0).label(f"a{t.id}"),
                 flag(c.c.last >= t.since).label(f"r{t.id}")]
    stmt = select(*cols).select_from(E).outerjoin(a, a.c.uscc == E.c.uscc) \
        .outerjoin(c, c.c.uscc == E.c.uscc)
    if rates:
        stmt = stmt.add_columns(
            func.coalesce(c.c.contacted, 0).label("contacted"),
            flag(or_(c.c.told == 1, o.c.uscc.is_not(None))).label("aware"),
            flag(m.c.id.is_not(None)).label("eligible"),
            flag(and_(m.c.id.is_not(None), g.c.uscc.is_not(None))).label("benefited")
        ).outerjoin(o, o.c.uscc == E.c.uscc).outerjoin(m, m.c.id == E.c.id) \
            .outerjoin(g, g.c.uscc == E.c.uscc)
    else:  # the coverage check: membership, assignment and recent contact only
        stmt = stmt.add_columns(*(literal(0).label(k) for k in
                                  ("contacted", "aware", "eligible", "benefited")))
    bind = session.get_bind()
    sql = str(stmt.compile(bind, compile_kwargs={"literal_binds": True}))
    session.execute(text(f"DROP TABLE IF EXISTS {FLAGS}"))
    suffix = " ON COMMIT DROP" if bind.dialect.name == "postgresql" else ""
    session.execute(text(f"CREATE TEMPORARY TABLE {FLAGS}{suffix} AS {sql}"))
    if rates:  # joined by the official and department groupings
        session.execute(text(f"CREATE INDEX ix_{FLAGS}_uscc ON {FLAGS} (uscc)"))


def drop_flags(session: Session) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {FLAGS}"))


def _sums(member_col: str | None, assigned_col: str) -> str:
    m = f"{member_col} = 1" if member_col else "1 = 1"
    return (f"SUM(CASE WHEN {m} THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {m} AND {assigned_col} = 1 THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {m} AND {assigned_col} = 1 AND contacted = 1 THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {m} AND aware = 1 THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {m} AND eligible = 1 THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {m} AND benefited = 1 THEN 1 ELSE 0 END)")


_FIELDS = ("members", "assigned", "covered", "aware", "eligible", "benefited")


@dataclass(frozen=True)
class Sums:
    key: Any
    label: str
    members: int
    assigned: int
    covered: int
    aware: int
    eligible: int
    benefited: int
    stale: int = 0


def _row(key: Any, label: str, values: Sequence[Any], stale: int = 0) -> Sums:
    members, assigned, covered, aware, eligible, benefited = (int(v or 0) for v in values[:6])
    return Sums(key, label, members, assigned, covered, aware, eligible, benefited, stale)


def flag_totals(session: Session, tiers: Sequence[TierSql]) -> tuple[Sums, dict[int, Sums]]:
    """(every enterprise, per tier) from the flags: one scan."""
    parts = [_sums(None, "assigned")]
    for t in tiers:
        parts.append(_sums(f"m{t.id}", f"a{t.id}"))
        parts.append(f"SUM(CASE WHEN m{t.id} = 1 AND a{t.id} = 1 AND r{t.id} = 0 "
                     "THEN 1 ELSE 0 END)")
    # columns named by tier ids (integers) and this module's constants: no outside text
    row = session.execute(text(f"SELECT {', '.join(parts)} FROM {FLAGS}")).one()  # noqa: S608
    overall = _row("all", "全部", row[:6])
    found = {}
    for i, t in enumerate(tiers):
        base = 6 + i * 7
        found[t.id] = _row(t.id, "", row[base:base + 6], int(row[base + 6] or 0))
    return overall, found


def flag_groups(session: Session, by: str) -> list[Sums]:
    """Per street (every enterprise of it), or per official / department (the enterprises
    assigned to it, counted once; any contact counts)."""
    sums = _sums(None, "1")
    if by == "street":
        rows = session.execute(text(
            f"SELECT street, {sums} FROM {FLAGS} GROUP BY street ORDER BY street"))  # noqa: S608
        return [_row(r[0], str(r[0]), r[1:]) for r in rows]
    if by == "official":
        rows = session.execute(text(
            f"SELECT u.id, u.display_name, {sums} FROM liaison_assignments a "  # noqa: S608
            f"JOIN {FLAGS} f ON f.uscc = a.enterprise_uscc JOIN users u ON u.id = a.user_id "
            "GROUP BY u.id, u.display_name"))
        return [_row(r[0], str(r[1]), r[2:]) for r in rows]
    rows = session.execute(text(
        f"SELECT COALESCE(d.name, '（未设部门）') AS dept, {sums} FROM (SELECT DISTINCT "  # noqa: S608
        "u.department_id, a.enterprise_uscc FROM liaison_assignments a JOIN users u ON "
        f"u.id = a.user_id) x JOIN {FLAGS} f ON f.uscc = x.enterprise_uscc "
        "LEFT JOIN departments d ON d.id = x.department_id "
        "GROUP BY COALESCE(d.name, '（未设部门）') ORDER BY 1"))
    return [_row(r[0], str(r[0]), r[1:]) for r in rows]


# --- campaigns --------------------------------------------------------------------------------

def campaigns(session: Session) -> list[LiaisonCampaign]:
    return list(session.scalars(select(LiaisonCampaign).order_by(LiaisonCampaign.starts_on.desc(),
                                                                 LiaisonCampaign.id.desc())))


def campaign(session: Session, campaign_id: int) -> LiaisonCampaign | None:
    return session.get(LiaisonCampaign, campaign_id)


def campaign_targets(session: Session, campaign_id: int) -> list[str]:
    return list(session.scalars(select(LiaisonCampaignTarget.enterprise_uscc).where(
        LiaisonCampaignTarget.campaign_id == campaign_id)))


def campaign_figures(session: Session, campaign: LiaisonCampaign) -> Any:
    """Contacts, enterprises reached, officials, materials, cards, problems raised, appeals
    raised and those closed — from the contacts logged in the campaign's dates."""
    from huiqi.models.appeal import Appeal

    targets = select(LiaisonCampaignTarget.enterprise_uscc).where(
        LiaisonCampaignTarget.campaign_id == campaign.id)
    inside = and_(C.contacted_on >= campaign.starts_on, C.contacted_on <= campaign.ends_on,
                  or_(C.campaign_id == campaign.id, C.enterprise_uscc.in_(targets)))
    closed = select(Appeal.id).where(Appeal.status == "closed")
    return session.execute(select(
        func.count().label("contacts"),
        func.count(func.distinct(C.enterprise_uscc)).label("enterprises"),
        func.count(func.distinct(C.user_id)).label("officials"),
        func.coalesce(func.sum(C.materials), 0).label("materials"),
        func.coalesce(func.sum(C.cards), 0).label("cards"),
        func.count().filter(C.problems != "").label("problems"),
        func.count(C.appeal_id).label("appeals"),
        func.count().filter(C.appeal_id.in_(closed)).label("solved"),
        func.count(func.distinct(C.enterprise_uscc)).filter(C.enterprise_uscc.in_(targets))
        .label("targets_reached"),
    ).where(inside)).one()


def open_appeals(session: Session, usccs: Sequence[str]) -> dict[str, int]:
    from huiqi.models.appeal import Appeal

    if not usccs:
        return {}
    rows = session.execute(select(Appeal.enterprise_uscc, func.count())
                           .where(Appeal.enterprise_uscc.in_(list(usccs)),
                                  Appeal.status != "closed")
                           .group_by(Appeal.enterprise_uscc))
    return {u: int(n) for u, n in rows}


def tier_members(session: Session, rule_sql: str, limit: int = 200000) -> list[str]:
    return list(session.scalars(select(E.c.uscc).where(member(rule_sql)).order_by(E.c.id)
                                .limit(limit)))


def pack_summaries(session: Session, enterprise_ids: Sequence[int]) -> dict[int, Any]:
    """Per enterprise: eligible items, their estimated total, and the missing facts of the
    still-unknown items (';'-joined per row; the caller splits and dedupes)."""
    if not enterprise_ids:
        return {}
    m = MatchResult
    rows = session.execute(
        select(m.enterprise_id, func.count().filter(m.eligible.is_(True)).label("eligible"),
               func.coalesce(func.sum(m.amount).filter(m.eligible.is_(True)), 0).label("total"))
        .where(m.enterprise_id.in_(list(enterprise_ids))).group_by(m.enterprise_id))
    return {r.enterprise_id: r for r in rows}


def missing_by_enterprise(session: Session, enterprise_ids: Sequence[int]
                          ) -> dict[int, list[str]]:
    if not enterprise_ids:
        return {}
    m = MatchResult
    found: dict[int, list[str]] = {}
    for eid, missing in session.execute(
            select(m.enterprise_id, m.missing).where(m.enterprise_id.in_(list(enterprise_ids)),
                                                     m.eligible.is_(None), m.missing != "")):
        found.setdefault(eid, []).extend(p for p in missing.split(";") if p)
    return found


# --- demo data (liaison/demo.py) --------------------------------------------------------------

def demo_set_streets(session: Session, streets: Sequence[str]) -> None:
    """Give every enterprise without one a street, spread by id (demo data only)."""
    n = len(streets)
    session.execute(enterprises.update().where(enterprises.c.street.is_(None))
                    .values(street=case(*[(enterprises.c.id % n == i, s)
                                          for i, s in enumerate(streets)])))


def demo_untiered(session: Session, user_id: int) -> list[A]:
    return list(session.scalars(select(A).where(A.user_id == user_id, A.tier_id.is_(None))))


def demo_eligible_items(session: Session, uscc: str) -> list[str]:
    return list(session.scalars(
        select(MatchResult.item_id).join(E, E.c.id == MatchResult.enterprise_id)
        .where(E.c.uscc == uscc, MatchResult.eligible.is_(True)).limit(3)))


def has_tiers(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(LiaisonTier)) != 0


def department_exists(session: Session, code: str) -> bool:
    return session.scalar(select(Department.id).where(Department.code == code)) is not None
