"""Read-only look-ups the appeals pages need besides the service: the liaison's enterprises, the
office's sentinel list, recent imports and meetings, and the figures on each role's home page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from huiqi.appeals.access import visible_appeals
from huiqi.appeals.vocab import AppealStatus
from huiqi.auth.actor import Actor
from huiqi.models.appeal import Appeal
from huiqi.models.appeal_followup import AppealRequest
from huiqi.models.appeal_intake import AppealImportBatch, AppealMeeting, AppealSentinel
from huiqi.models.enterprise import enterprises
from huiqi.models.liaison_assignment import LiaisonAssignment
from huiqi.models.user import Role, User

S = AppealStatus


@dataclass(frozen=True)
class EnterpriseRef:
    uscc: str
    name: str


def _names(session: Session, usccs: list[str]) -> dict[str, str]:
    if not usccs:
        return {}
    rows = session.execute(select(enterprises.c.uscc, enterprises.c.name)
                           .where(enterprises.c.uscc.in_(usccs)))
    return {u: n for u, n in rows}


def liaison_enterprises(session: Session, actor: Actor) -> list[EnterpriseRef]:
    """The enterprises on this liaison officer's 包联 list."""
    usccs = list(session.scalars(select(LiaisonAssignment.enterprise_uscc)
                                 .where(LiaisonAssignment.user_id == actor.user_id)
                                 .order_by(LiaisonAssignment.id)))
    names = _names(session, usccs)
    return [EnterpriseRef(u, names.get(u, u)) for u in usccs]


def sentinels(session: Session) -> list[tuple[AppealSentinel, str]]:
    rows = list(session.scalars(select(AppealSentinel).order_by(AppealSentinel.id)))
    names = _names(session, [r.enterprise_uscc for r in rows])
    return [(r, names.get(r.enterprise_uscc, "（未在企业库中）")) for r in rows]


def liaison_links(session: Session) -> list[tuple[str, str, str]]:
    """(liaison name, USCC, enterprise name) of every 包联 link."""
    rows = session.execute(select(User.display_name, LiaisonAssignment.enterprise_uscc)
                           .join(User, User.id == LiaisonAssignment.user_id)
                           .order_by(User.display_name, LiaisonAssignment.id)).all()
    names = _names(session, [u for _, u in rows])
    return [(who, u, names.get(u, u)) for who, u in rows]


def liaison_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role == Role.LIAISON.value,
                                                   User.is_active.is_(True))
                                .order_by(User.display_name)))


def import_batches(session: Session, limit: int = 10) -> list[AppealImportBatch]:
    return list(session.scalars(select(AppealImportBatch)
                                .order_by(AppealImportBatch.id.desc()).limit(limit)))


def import_batch(session: Session, batch_id: int) -> AppealImportBatch | None:
    return session.get(AppealImportBatch, batch_id)


def meetings(session: Session, limit: int = 20) -> list[tuple[AppealMeeting, int]]:
    count = select(func.count()).where(Appeal.meeting_id == AppealMeeting.id).scalar_subquery()
    return [(m, n) for m, n in session.execute(
        select(AppealMeeting, count).order_by(AppealMeeting.held_on.desc(),
                                              AppealMeeting.id.desc()).limit(limit))]


# --- home panels ------------------------------------------------------------------------------

CARDS: dict[Role, list[tuple[str, str]]] = {
    Role.ENTERPRISE: [("open", "办理中的诉求"), (S.REPLIED.value, "待我确认")],
    Role.LIAISON: [("open", "包联企业未销号诉求"), (S.REPLIED.value, "待企业确认"),
                   (S.CONFIRMED.value, "待回访")],
    Role.DEPARTMENT: [(S.DISPATCHED.value, "待签收"), (S.SIGNED.value, "已签收待办理"),
                      (S.IN_PROGRESS.value, "办理中")],
    Role.OFFICE: [(S.SUBMITTED.value, "待交办"), (S.CONFIRMED.value, "待回访"),
                  (S.VISITED.value, "待销号")],
}


def home_context(session: Session, actor: Actor) -> dict[str, Any]:
    sub = visible_appeals(actor).where(Appeal.merged_into_id.is_(None)).subquery()
    counts = dict(session.execute(select(sub.c.status, func.count())
                                  .group_by(sub.c.status)).all())
    open_n = sum(n for s, n in counts.items() if s != S.CLOSED.value)
    cards = [(key, label, open_n if key == "open" else int(counts.get(key, 0)))
             for key, label in CARDS.get(actor.role, [])] if actor.role else []
    overdue = session.scalar(select(func.count()).select_from(sub).where(
        sub.c.status != S.CLOSED.value,
        or_(sub.c.sign_overdue.is_(True), sub.c.resolve_overdue.is_(True)))) or 0
    out: dict[str, Any] = {"cards": cards, "overdue": overdue}
    if actor.role is Role.OFFICE:
        # appeals (not requests) awaiting a decision: what /appeals?pending_request=1 lists
        out["pending_requests"] = session.scalar(
            select(func.count(AppealRequest.appeal_id.distinct()))
            .where(AppealRequest.status == "pending")) or 0
    return out
