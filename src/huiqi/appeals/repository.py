"""SQL of the appeals domain that is not an access decision: look-ups and who to tell."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from huiqi.models.appeal import Appeal, AppealAssignment, AppealEvent, AppealReminder
from huiqi.models.appeal_category import AppealCategory, HolidayOverride
from huiqi.models.appeal_followup import AppealRequest, AppealVisit
from huiqi.models.appeal_intake import AppealAttachment, AppealSentinel
from huiqi.models.department import Department
from huiqi.models.enterprise import enterprises
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


# --- appeals as the actor may see them (`where`: access.appeal_filter) -----------------------

def liaison_enterprises(user_id: int) -> Select[tuple[str]]:
    """The USCCs a liaison officer looks after, as a subquery."""
    return select(LiaisonAssignment.enterprise_uscc).where(LiaisonAssignment.user_id == user_id)


def appeals_where(where: ColumnElement[bool]) -> Select[Appeal]:
    return select(Appeal).where(where)


def appeal(session: Session, appeal_id: int) -> Appeal | None:
    return session.get(Appeal, appeal_id)


def looks_after(session: Session, liaison_user_id: int, uscc: str) -> bool:
    stmt = select(LiaisonAssignment.id).where(LiaisonAssignment.user_id == liaison_user_id,
                                              LiaisonAssignment.enterprise_uscc == uscc)
    return session.scalar(stmt) is not None


def visible_records(session: Session, visible: Select[Appeal], *, sentinel_only: bool,
                    category: str | None) -> list[Appeal]:
    """The visible appeals not merged into another, by id (the rates' input)."""
    stmt = visible.where(Appeal.merged_into_id.is_(None))
    if sentinel_only:
        stmt = stmt.where(Appeal.sentinel.is_(True))
    if category:
        stmt = stmt.where(Appeal.category_name == category)
    return list(session.scalars(stmt.order_by(Appeal.id)))


def same_enterprise_near(session: Session, visible: Select[Appeal], appeal: Appeal,
                         window: timedelta) -> list[Appeal]:
    """Other unmerged visible appeals of the enterprise submitted within `window`, newest
    first (duplicate candidates)."""
    stmt = visible.where(
        Appeal.enterprise_uscc == appeal.enterprise_uscc, Appeal.id != appeal.id,
        Appeal.merged_into_id.is_(None),
        Appeal.submitted_at.between(appeal.submitted_at - window, appeal.submitted_at + window))
    return list(session.scalars(stmt.order_by(Appeal.submitted_at.desc())))


def merged_into(session: Session, appeal_id: int) -> list[Appeal]:
    """The appeals merged into this one."""
    return list(session.scalars(select(Appeal).where(Appeal.merged_into_id == appeal_id)
                                .order_by(Appeal.id)))


def first_rows(session: Session, stmt: Select[Appeal], limit: int) -> list[Appeal]:
    return list(session.scalars(stmt.limit(limit)))


def with_pending_request() -> ColumnElement[bool]:
    """Appeal.id is one with a 退单 or 延期 request awaiting the office's decision."""
    return Appeal.id.in_(select(AppealRequest.appeal_id).where(AppealRequest.status == "pending"))


def resolving_locked(session: Session, statuses: Iterable[str]) -> list[Appeal]:
    """Appeals in these statuses, locked (rows another worker holds are skipped)."""
    stmt = select(Appeal).where(Appeal.status.in_(list(statuses))).order_by(Appeal.id) \
        .with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def reminder_sent(session: Session, appeal_id: int, kind: str, due: date) -> bool:
    stmt = select(AppealReminder.id).where(AppealReminder.appeal_id == appeal_id,
                                           AppealReminder.kind == kind,
                                           AppealReminder.due == due)
    return session.scalar(stmt) is not None


# --- attachments ------------------------------------------------------------------------------

def attachment_count(session: Session, appeal_id: int) -> int:
    count = session.scalar(select(func.count()).where(AppealAttachment.appeal_id == appeal_id))
    return count or 0


def visible_attachment(session: Session, where: ColumnElement[bool], attachment_id: int
                       ) -> AppealAttachment | None:
    stmt = select(AppealAttachment).join(Appeal, Appeal.id == AppealAttachment.appeal_id) \
        .where(AppealAttachment.id == attachment_id, where)
    return session.scalar(stmt)


# --- for the lists (Excel) -------------------------------------------------------------------

def active_assignments_of(session: Session, appeal_ids: list[int]
                          ) -> dict[int, list[AppealAssignment]]:
    """Each appeal's active assignments, the lead department first."""
    out: dict[int, list[AppealAssignment]] = {}
    for i in range(0, len(appeal_ids), 500):
        stmt = select(AppealAssignment).where(
            AppealAssignment.appeal_id.in_(appeal_ids[i:i + 500]),
            AppealAssignment.active.is_(True)) \
            .order_by(AppealAssignment.appeal_id, AppealAssignment.lead.desc(),
                      AppealAssignment.id)
        for row in session.scalars(stmt):
            out.setdefault(row.appeal_id, []).append(row)
    return out


def latest_visits(session: Session, appeal_ids: list[int]) -> dict[int, AppealVisit]:
    out: dict[int, AppealVisit] = {}
    for i in range(0, len(appeal_ids), 500):
        stmt = select(AppealVisit).where(AppealVisit.appeal_id.in_(appeal_ids[i:i + 500])) \
            .order_by(AppealVisit.id)
        for v in session.scalars(stmt):
            out[v.appeal_id] = v  # the latest visit
    return out


# --- configuration and registrations ----------------------------------------------------------

def category(session: Session, category_id: int) -> AppealCategory | None:
    return session.get(AppealCategory, category_id)


def department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def department_names(session: Session) -> list[str]:
    return list(session.scalars(select(Department.name).order_by(Department.code)))


def department_options(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(select(Department.id, Department.name).order_by(Department.code))
    return [(i, n) for i, n in rows]


def department_codes(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(select(Department.code, Department.name).order_by(Department.code))
    return [(c, n) for c, n in rows]


def enterprise_name(session: Session, uscc: str) -> str | None:
    return session.scalar(select(enterprises.c.name).where(enterprises.c.uscc == uscc))


def usccs_named(session: Session, name: str, limit: int) -> list[str]:
    """The USCCs of enterprises with exactly this name (at most `limit`)."""
    return [str(u) for u in session.scalars(
        select(enterprises.c.uscc).where(enterprises.c.name == name).limit(limit))]


def sentinel_of(session: Session, uscc: str) -> AppealSentinel | None:
    return session.scalar(select(AppealSentinel).where(AppealSentinel.enterprise_uscc == uscc))


def user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def liaison_assignment(session: Session, user_id: int, uscc: str) -> LiaisonAssignment | None:
    return session.scalar(select(LiaisonAssignment).where(
        LiaisonAssignment.user_id == user_id, LiaisonAssignment.enterprise_uscc == uscc))


# --- Open311 (huiqi.appeals.open311) ----------------------------------------------------------

def newest_first() -> Select[Appeal]:
    """All appeals, newest first (Open311 adds its filters)."""
    return select(Appeal).order_by(Appeal.submitted_at.desc(), Appeal.id.desc())


def visible_ids(session: Session, where: ColumnElement[bool], ids: list[int]) -> set[int]:
    return set(session.scalars(select(Appeal.id).where(Appeal.id.in_(ids), where)))


def category_codes(session: Session) -> dict[int, str]:
    return {c.id: c.code for c in session.scalars(select(AppealCategory))}


def events_of(session: Session, appeal_ids: set[int]) -> dict[int, list[AppealEvent]]:
    """Each appeal's timeline, in one query."""
    grouped: dict[int, list[AppealEvent]] = {}
    if appeal_ids:
        stmt = select(AppealEvent).where(AppealEvent.appeal_id.in_(appeal_ids)) \
            .order_by(AppealEvent.at, AppealEvent.id)
        for row in session.scalars(stmt):
            grouped.setdefault(row.appeal_id, []).append(row)
    return grouped


def attachments_of(session: Session, appeal_ids: set[int]) -> dict[int, list[AppealAttachment]]:
    """Each appeal's attachments, in one query."""
    grouped: dict[int, list[AppealAttachment]] = {}
    if appeal_ids:
        stmt = select(AppealAttachment).where(AppealAttachment.appeal_id.in_(appeal_ids)) \
            .order_by(AppealAttachment.id)
        for row in session.scalars(stmt):
            grouped.setdefault(row.appeal_id, []).append(row)
    return grouped


def regions(session: Session, usccs: set[str]) -> list[tuple[str, str | None]]:
    """(USCC, registered region code) of these enterprises."""
    rows = session.execute(select(enterprises.c.uscc, enterprises.c.region)
                           .where(enterprises.c.uscc.in_(usccs)))
    return [(u, r) for u, r in rows]


def first_visits(session: Session, after_visit_id: int, limit: int
                 ) -> list[tuple[AppealVisit, Appeal]]:
    """The first return visit of each dispatched appeal, by visit id, after `after_visit_id`."""
    first = select(func.min(AppealVisit.id)).group_by(AppealVisit.appeal_id).scalar_subquery()
    stmt = (select(AppealVisit, Appeal).join(Appeal, Appeal.id == AppealVisit.appeal_id)
            .where(AppealVisit.id.in_(first), AppealVisit.id > after_visit_id,
                   Appeal.lead_department_id.is_not(None))
            .order_by(AppealVisit.id).limit(limit))
    return [(v, a) for v, a in session.execute(stmt).all()]
