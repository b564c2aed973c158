"""SQL of the appeals domain that is not an access decision: look-ups and who to tell."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from huiqi.models.appeal import Appeal, AppealAssignment, AppealEvent
from huiqi.models.appeal_category import AppealCategory, HolidayOverride
from huiqi.models.appeal_followup import AppealRequest
from huiqi.models.appeal_intake import AppealAttachment, AppealSentinel
from huiqi.models.department import Department
from huiqi.models.liaison_assignment import LiaisonAssignment
from huiqi.models.user import Role, User


def category_by_key(session: Session, key: str) -> AppealCategory | None:
    """A category by code or name."""
    return session.scalar(select(AppealCategory).where(
        or_(AppealCategory.code == key, AppealCategory.name == key)))


def categories(session: Session, *, active_only: bool = True) -> list[AppealCategory]:
    stmt = select(AppealCategory).order_by(AppealCategory.code)
    if active_only:
        stmt = stmt.where(AppealCategory.active.is_(True))
    return list(session.scalars(stmt))


def department_by_key(session: Session, key: str) -> Department | None:
    """A department by code or name."""
    return session.scalar(select(Department).where(
        or_(Department.code == key, Department.name == key)))


def active_assignments(session: Session, appeal_id: int) -> list[AppealAssignment]:
    stmt = select(AppealAssignment).where(AppealAssignment.appeal_id == appeal_id,
                                          AppealAssignment.active.is_(True)) \
        .order_by(AppealAssignment.id)
    return list(session.scalars(stmt))


def assignments(session: Session, appeal_id: int) -> list[AppealAssignment]:
    stmt = select(AppealAssignment).where(AppealAssignment.appeal_id == appeal_id) \
        .order_by(AppealAssignment.id)
    return list(session.scalars(stmt))


def pending_request(session: Session, appeal_id: int, kind: str) -> AppealRequest | None:
    return session.scalar(select(AppealRequest).where(
        AppealRequest.appeal_id == appeal_id, AppealRequest.kind == kind,
        AppealRequest.status == "pending"))


def requests(session: Session, appeal_id: int) -> list[AppealRequest]:
    stmt = select(AppealRequest).where(AppealRequest.appeal_id == appeal_id) \
        .order_by(AppealRequest.id)
    return list(session.scalars(stmt))


def events(session: Session, appeal_id: int) -> list[AppealEvent]:
    stmt = select(AppealEvent).where(AppealEvent.appeal_id == appeal_id) \
        .order_by(AppealEvent.at, AppealEvent.id)
    return list(session.scalars(stmt))


def attachments(session: Session, appeal_id: int) -> list[AppealAttachment]:
    stmt = select(AppealAttachment).where(AppealAttachment.appeal_id == appeal_id) \
        .order_by(AppealAttachment.id)
    return list(session.scalars(stmt))


def holiday_overrides(session: Session) -> list[HolidayOverride]:
    return list(session.scalars(select(HolidayOverride).order_by(HolidayOverride.day)))


def is_sentinel(session: Session, uscc: str) -> bool:
    stmt = select(AppealSentinel.id).where(AppealSentinel.enterprise_uscc == uscc)
    return session.scalar(stmt) is not None


def existing_tickets(session: Session, tickets: Iterable[str]) -> set[str]:
    wanted = sorted(set(tickets))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        stmt = select(Appeal.hotline_ticket).where(Appeal.hotline_ticket.in_(wanted[i:i + 500]))
        found.update(t for t in session.scalars(stmt) if t)
    return found


# --- who to tell ------------------------------------------------------------------------------

def _active_users(session: Session, *conditions: object) -> list[int]:
    stmt = select(User.id).where(User.is_active.is_(True), *conditions).order_by(User.id)  # type: ignore[arg-type]
    return list(session.scalars(stmt))


def office_user_ids(session: Session) -> list[int]:
    return _active_users(session, User.role == Role.OFFICE.value)


def department_user_ids(session: Session, department_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(department_ids))
    if not ids:
        return []
    return _active_users(session, User.role == Role.DEPARTMENT.value,
                         User.department_id.in_(ids))


def enterprise_user_ids(session: Session, uscc: str) -> list[int]:
    """The enterprise's accounts and the liaison officers who look after it."""
    own = _active_users(session, User.role == Role.ENTERPRISE.value, User.enterprise_uscc == uscc)
    liaisons = select(LiaisonAssignment.user_id).where(LiaisonAssignment.enterprise_uscc == uscc)
    return own + _active_users(session, User.id.in_(liaisons))
