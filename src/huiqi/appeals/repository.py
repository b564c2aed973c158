"""SQL of the appeals domain that is not an access decision: look-ups and who to tell."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from huiqi.models.appeal import Appeal, AppealAssignment, AppealEvent
from huiqi.models.appeal_category import AppealCategory, HolidayOverride
from huiqi.models.appeal_followup import AppealRequest, AppealVisit
from huiqi.models.appeal_intake import AppealAttachment, AppealSentinel
from huiqi.models.department import Department
from huiqi.models.liaison_assignment import LiaisonAssignment
from huiqi.models.user import Role, User

T = TypeVar("T")
_MEMO = "huiqi.appeals.lookups"


@contextmanager
def cached_lookups(session: Session) -> Iterator[None]:
    """Remember the configuration and recipient look-ups below for the rest of the block.
    Only for batches that change no category, department, user, 包联, 营商前哨 or holiday
    override while it runs (the demo seed); requests never use it."""
    session.info[_MEMO] = {}
    try:
        yield
    finally:
        session.info.pop(_MEMO, None)


def _memo(session: Session, key: tuple[Any, ...], load: Callable[[], T]) -> T:
    memo = session.info.get(_MEMO)
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]  # type: ignore[no-any-return]


def category_by_key(session: Session, key: str) -> AppealCategory | None:
    """A category by code or name."""
    return _memo(session, ("category", key), lambda: session.scalar(select(AppealCategory).where(
        or_(AppealCategory.code == key, AppealCategory.name == key))))


def categories(session: Session, *, active_only: bool = True) -> list[AppealCategory]:
    stmt = select(AppealCategory).order_by(AppealCategory.code)
    if active_only:
        stmt = stmt.where(AppealCategory.active.is_(True))
    return list(session.scalars(stmt))


def department_by_key(session: Session, key: str) -> Department | None:
    """A department by code or name."""
    return _memo(session, ("department", key), lambda: session.scalar(select(Department).where(
        or_(Department.code == key, Department.name == key))))


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


def pending_requests(session: Session, appeal_id: int) -> dict[str, AppealRequest]:
    """The pending 退单 / 延期 request of an appeal by kind (at most one of each)."""
    stmt = select(AppealRequest).where(AppealRequest.appeal_id == appeal_id,
                                       AppealRequest.status == "pending")
    return {r.kind: r for r in session.scalars(stmt)}


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
    return _memo(session, ("holidays",), lambda: list(session.scalars(
        select(HolidayOverride).order_by(HolidayOverride.day))))


def is_sentinel(session: Session, uscc: str) -> bool:
    stmt = select(AppealSentinel.id).where(AppealSentinel.enterprise_uscc == uscc)
    return _memo(session, ("sentinel", uscc), lambda: session.scalar(stmt) is not None)


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
    return _memo(session, ("office",),
                 lambda: _active_users(session, User.role == Role.OFFICE.value))


def department_user_ids(session: Session, department_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(department_ids))
    if not ids:
        return []
    return _memo(session, ("department_users", *ids), lambda: _active_users(
        session, User.role == Role.DEPARTMENT.value, User.department_id.in_(ids)))


def enterprise_user_ids(session: Session, uscc: str) -> list[int]:
    """The enterprise's accounts and the liaison officers who look after it."""
    return _memo(session, ("enterprise_users", uscc), lambda: _enterprise_users(session, uscc))


def _enterprise_users(session: Session, uscc: str) -> list[int]:
    own = _active_users(session, User.role == Role.ENTERPRISE.value, User.enterprise_uscc == uscc)
    liaisons = select(LiaisonAssignment.user_id).where(LiaisonAssignment.enterprise_uscc == uscc)
    return own + _active_users(session, User.id.in_(liaisons))


def statuses(session: Session, appeal_ids: list[int]
             ) -> list[tuple[int, str, str | None, int | None]]:
    rows = session.execute(select(Appeal.id, Appeal.status, Appeal.lead_department,
                                  Appeal.submitted_by).where(Appeal.id.in_(appeal_ids)))
    return [(i, st, dept, by) for i, st, dept, by in rows]


def first_visits(session: Session, after_visit_id: int, limit: int
                 ) -> list[tuple[AppealVisit, Appeal]]:
    """The first return visit of each dispatched appeal, by visit id, after `after_visit_id`."""
    first = select(func.min(AppealVisit.id)).group_by(AppealVisit.appeal_id).scalar_subquery()
    stmt = (select(AppealVisit, Appeal).join(Appeal, Appeal.id == AppealVisit.appeal_id)
            .where(AppealVisit.id.in_(first), AppealVisit.id > after_visit_id,
                   Appeal.lead_department_id.is_not(None))
            .order_by(AppealVisit.id).limit(limit))
    return [(v, a) for v, a in session.execute(stmt).all()]
