"""All SQL of the ratings domain: who may see which rating (the access decision, narrowed in the
query: not yours looks like missing), look-ups, the figures' rows, and who to tell."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, false, func, or_, select, true
from sqlalchemy.orm import Session

from huiqi.appeals import service as appeals
from huiqi.auth.actor import Actor
from huiqi.grants import service as grants
from huiqi.kit.errors import NotFound
from huiqi.kit.workdays import HolidayOverrides
from huiqi.models.appeal import Appeal
from huiqi.models.application import Application
from huiqi.models.department import Department
from huiqi.models.rating import Rating, RatingDispute, RatingInvite, RatingWindow
from huiqi.models.user import Role, User

NOT_FOUND = "评价不存在，或您没有查看权限。"
READ_ALL = (Role.OFFICE, Role.AUDITOR)


def rating_filter(actor: Actor) -> Any:
    """Office and auditor: all; a department: its own; an enterprise: its own ratings."""
    if actor.role in READ_ALL:
        return true()
    if actor.role is Role.DEPARTMENT and actor.department_id is not None:
        return Rating.department_id == actor.department_id
    if actor.role is Role.ENTERPRISE and actor.enterprise_uscc:
        return Rating.enterprise_uscc == actor.enterprise_uscc
    return false()


def visible(actor: Actor) -> Select[Rating]:
    return select(Rating).where(rating_filter(actor))


def access(session: Session, actor: Actor, rating_id: int, *, for_update: bool = False
           ) -> Rating:
    stmt = visible(actor).where(Rating.id == rating_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


def by_case(session: Session, case_key: str) -> Rating | None:
    return session.scalar(select(Rating).where(Rating.case_key == case_key))


def rating_count(session: Session) -> int:
    """How many ratings there are, of every actor (the demo seeds only a near-empty table)."""
    return session.scalar(select(func.count()).select_from(Rating)) or 0


def first_ratings(session: Session, stmt: Select[Rating], limit: int) -> list[Rating]:
    """The first `limit` ratings of a list query (`service.list_query`: the ledger export)."""
    return list(session.scalars(stmt.limit(limit)))


def rated_keys(session: Session, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    return set(session.scalars(select(Rating.case_key).where(Rating.case_key.in_(list(keys)))))


def department(session: Session, key: int | str) -> Department | None:
    if isinstance(key, int):
        return session.get(Department, key)
    return session.scalar(select(Department).where(
        or_(Department.code == key, Department.name == key)))


def departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.name)))


def departments_by_id(session: Session) -> list[Department]:
    """Every department in the order they were created (the demo spreads windows over them)."""
    return list(session.scalars(select(Department).order_by(Department.id)))


def overrides(session: Session) -> HolidayOverrides:
    """The office's holiday overrides: the one working-day calendar, kept by appeals."""
    return appeals.holiday_overrides(session)


# --- cases an enterprise may rate (read through the owning domains' visibility) -------------

def visible_appeals(session: Session, actor: Actor, limit: int) -> list[Appeal]:
    """Up to `limit` appeals the actor sees, in appeals' list order (newest first)."""
    return list(session.scalars(appeals.list_query(actor).limit(limit)))


def visible_applications(session: Session, actor: Actor, limit: int) -> list[Application]:
    """Up to `limit` grant applications the actor sees, in grants' list order."""
    return list(session.scalars(grants.visible_applications(session, actor).limit(limit)))


# --- windows and invites ------------------------------------------------------------------------

def window(session: Session, key: int | str) -> RatingWindow | None:
    if isinstance(key, int):
        return session.get(RatingWindow, key)
    return session.scalar(select(RatingWindow).where(RatingWindow.code == key))


def windows(session: Session, actor: Actor | None = None) -> list[RatingWindow]:
    stmt = select(RatingWindow).order_by(RatingWindow.code)
    if actor is not None and actor.role is Role.DEPARTMENT:
        stmt = stmt.where(RatingWindow.department_id == actor.department_id)
    return list(session.scalars(stmt))


def open_invite_for(session: Session, case_kind: str, case_ref: str, now: datetime) -> bool:
    """An unused, unexpired invitation for this 办件 exists."""
    return session.scalar(select(RatingInvite.id).where(
        RatingInvite.case_kind == case_kind, RatingInvite.case_ref == case_ref,
        RatingInvite.used_at.is_(None), RatingInvite.expires_at > now).limit(1)) is not None


def invite_by_digest(session: Session, digest: str, *, for_update: bool = False
                     ) -> RatingInvite | None:
    stmt = select(RatingInvite).where(RatingInvite.token_digest == digest)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


# --- disputes -----------------------------------------------------------------------------------

def disputes(session: Session, rating_id: int) -> list[RatingDispute]:
    return list(session.scalars(select(RatingDispute).where(RatingDispute.rating_id == rating_id)
                                .order_by(RatingDispute.id)))


def dispute(session: Session, dispute_id: int) -> RatingDispute | None:
    return session.get(RatingDispute, dispute_id)


def pending_disputes(session: Session, actor: Actor) -> list[tuple[RatingDispute, Rating]]:
    stmt = select(RatingDispute, Rating).join(Rating, Rating.id == RatingDispute.rating_id) \
        .where(RatingDispute.status == "pending", rating_filter(actor)) \
        .order_by(RatingDispute.filed_at)
    return [(d, r) for d, r in session.execute(stmt).all()]


# --- figures ------------------------------------------------------------------------------------

def for_figures(session: Session, actor: Actor, start: datetime, end: datetime
                ) -> list[Rating]:
    """Ratings the actor may see, rated in [start, end) (UTC instants)."""
    stmt = visible(actor).where(Rating.rated_at >= start, Rating.rated_at < end) \
        .order_by(Rating.rated_at, Rating.id)
    return list(session.scalars(stmt))


def count_open_tasks(session: Session, actor: Actor) -> dict[str, int]:
    stmt = select(Rating.stage, func.count()).where(
        rating_filter(actor), Rating.negative.is_(True), Rating.excluded.is_(False),
        Rating.stage.in_(("verify", "rectify", "revisit"))).group_by(Rating.stage)
    return {stage: n for stage, n in session.execute(stmt).all()}


# --- who to tell --------------------------------------------------------------------------------

def _active(session: Session, *conditions: Any) -> list[int]:
    return list(session.scalars(select(User.id).where(User.is_active.is_(True), *conditions)
                                .order_by(User.id)))


def department_user_ids(session: Session, department_id: int) -> list[int]:
    return _active(session, User.role == Role.DEPARTMENT.value,
                   User.department_id == department_id)


def office_user_ids(session: Session) -> list[int]:
    return _active(session, User.role == Role.OFFICE.value)


def enterprise_user_ids(session: Session, uscc: str) -> list[int]:
    return _active(session, User.role == Role.ENTERPRISE.value, User.enterprise_uscc == uscc)


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {uid: name for uid, name in rows}


def overdue_tasks(session: Session, today: date) -> list[Rating]:
    """差评 whose current step is past its due date (Beijing `today`), not excluded."""
    stmt = select(Rating).where(Rating.negative.is_(True), Rating.excluded.is_(False), or_(
        (Rating.stage == "verify") & (Rating.verify_due < today),
        (Rating.stage == "rectify") & (Rating.rectify_due < today),
        (Rating.stage == "revisit") & (Rating.revisit_due < today))) \
        .order_by(Rating.id).with_for_update(skip_locked=True)
    return list(session.scalars(stmt))
