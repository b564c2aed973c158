"""All SQL of liaison (包联). Tier membership is the tier's rule compiled by `rules` to SQL over
`enterprises AS e` (see tiers.py); the coverage check and the rates are in rates_repository."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    and_,
    case,
    delete,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from huiqi.models.department import Department
from huiqi.models.enterprise import enterprises
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


def assignment_by_id(session: Session, assignment_id: int) -> A | None:
    return session.get(A, assignment_id)


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


# --- for other domains (insights' targeting) --------------------------------------------------

def all_assignments(session: Session) -> list[Any]:
    """Every live assignment: (enterprise_uscc, user_id, tier_id)."""
    return list(session.execute(select(A.enterprise_uscc, A.user_id, A.tier_id)
                                .order_by(A.enterprise_uscc, A.id)))


def users_with_department(session: Session, ids: Sequence[int]) -> list[Any]:
    if not ids:
        return []
    return list(session.execute(
        select(User.id, User.username, User.display_name, Department.name.label("department"))
        .outerjoin(Department, Department.id == User.department_id)
        .where(User.id.in_(list(ids)))))


def open_plan_pairs(session: Session, user_ids: Sequence[int]) -> set[tuple[int, str]]:
    """(official, enterprise) pairs with a visit plan still open."""
    if not user_ids:
        return set()
    return {(int(u), str(e)) for u, e in session.execute(
        select(LiaisonPlan.user_id, LiaisonPlan.enterprise_uscc).where(
            LiaisonPlan.contact_id.is_(None), LiaisonPlan.user_id.in_(list(user_ids))))}
