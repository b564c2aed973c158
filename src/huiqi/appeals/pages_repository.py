"""SQL of the appeals pages' read-only look-ups (huiqi.appeals.pages): names of enterprises,
the 包联 links, sentinels, imports, meetings and the counts on the home panels."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from huiqi.appeals.vocab import AppealStatus
from huiqi.models.appeal import Appeal
from huiqi.models.appeal_followup import AppealRequest
from huiqi.models.appeal_intake import AppealImportBatch, AppealMeeting, AppealSentinel
from huiqi.models.enterprise import enterprises
from huiqi.models.liaison_assignment import LiaisonAssignment
from huiqi.models.user import Role, User


def enterprise_names(session: Session, usccs: list[str]) -> dict[str, str]:
    if not usccs:
        return {}
    rows = session.execute(select(enterprises.c.uscc, enterprises.c.name)
                           .where(enterprises.c.uscc.in_(usccs)))
    return {u: n for u, n in rows}


def liaison_usccs(session: Session, user_id: int | None) -> list[str]:
    """The USCCs on this liaison officer's 包联 list, in the order they were added."""
    return list(session.scalars(select(LiaisonAssignment.enterprise_uscc)
                                .where(LiaisonAssignment.user_id == user_id)
                                .order_by(LiaisonAssignment.id)))


def sentinels(session: Session) -> list[AppealSentinel]:
    return list(session.scalars(select(AppealSentinel).order_by(AppealSentinel.id)))


def liaison_links(session: Session) -> list[tuple[str, str]]:
    """(liaison name, USCC) of every 包联 link."""
    rows = session.execute(select(User.display_name, LiaisonAssignment.enterprise_uscc)
                           .join(User, User.id == LiaisonAssignment.user_id)
                           .order_by(User.display_name, LiaisonAssignment.id)).all()
    return [(who, u) for who, u in rows]


def liaison_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role == Role.LIAISON.value,
                                                   User.is_active.is_(True))
                                .order_by(User.display_name)))


def import_batches(session: Session, limit: int) -> list[AppealImportBatch]:
    return list(session.scalars(select(AppealImportBatch)
                                .order_by(AppealImportBatch.id.desc()).limit(limit)))


def import_batch(session: Session, batch_id: int) -> AppealImportBatch | None:
    return session.get(AppealImportBatch, batch_id)


def meetings(session: Session, limit: int) -> list[tuple[AppealMeeting, int]]:
    """The latest meetings with the number of appeals raised at each."""
    count = select(func.count()).where(Appeal.meeting_id == AppealMeeting.id).scalar_subquery()
    return [(m, n) for m, n in session.execute(
        select(AppealMeeting, count).order_by(AppealMeeting.held_on.desc(),
                                              AppealMeeting.id.desc()).limit(limit))]


def status_counts(session: Session, visible: Select[Appeal]) -> tuple[dict[str, int], int]:
    """Of the visible appeals not merged into another: the number per status, and the number
    open and overdue (to sign or to resolve)."""
    sub = visible.where(Appeal.merged_into_id.is_(None)).subquery()
    counts = session.execute(select(sub.c.status, func.count()).group_by(sub.c.status)).all()
    overdue = session.scalar(select(func.count()).select_from(sub).where(
        sub.c.status != AppealStatus.CLOSED.value,
        or_(sub.c.sign_overdue.is_(True), sub.c.resolve_overdue.is_(True)))) or 0
    return {str(s): int(n) for s, n in counts}, overdue


def appeals_awaiting_decision(session: Session) -> int:
    """Appeals (not requests) with a 退单 or 延期 request awaiting the office's decision."""
    return session.scalar(select(func.count(AppealRequest.appeal_id.distinct()))
                          .where(AppealRequest.status == "pending")) or 0
