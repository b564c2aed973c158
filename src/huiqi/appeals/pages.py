"""Read-only look-ups the appeals pages need besides the service: the liaison's enterprises, the
office's sentinel list, recent imports and meetings, and the figures on each role's home page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from huiqi.appeals import pages_repository as repo
from huiqi.appeals.access import visible_appeals
from huiqi.appeals.vocab import AppealStatus
from huiqi.auth.actor import Actor
from huiqi.models.appeal_intake import AppealImportBatch, AppealMeeting, AppealSentinel
from huiqi.models.user import Role, User

S = AppealStatus


@dataclass(frozen=True)
class EnterpriseRef:
    uscc: str
    name: str


def liaison_enterprises(session: Session, actor: Actor) -> list[EnterpriseRef]:
    """The enterprises on this liaison officer's 包联 list."""
    usccs = repo.liaison_usccs(session, actor.user_id)
    names = repo.enterprise_names(session, usccs)
    return [EnterpriseRef(u, names.get(u, u)) for u in usccs]


def sentinels(session: Session) -> list[tuple[AppealSentinel, str]]:
    rows = repo.sentinels(session)
    names = repo.enterprise_names(session, [r.enterprise_uscc for r in rows])
    return [(r, names.get(r.enterprise_uscc, "（未在企业库中）")) for r in rows]


def liaison_links(session: Session) -> list[tuple[str, str, str]]:
    """(liaison name, USCC, enterprise name) of every 包联 link."""
    rows = repo.liaison_links(session)
    names = repo.enterprise_names(session, [u for _, u in rows])
    return [(who, u, names.get(u, u)) for who, u in rows]


def liaison_users(session: Session) -> list[User]:
    return repo.liaison_users(session)


def import_batches(session: Session, limit: int = 10) -> list[AppealImportBatch]:
    return repo.import_batches(session, limit)


def import_batch(session: Session, batch_id: int) -> AppealImportBatch | None:
    return repo.import_batch(session, batch_id)


def meetings(session: Session, limit: int = 20) -> list[tuple[AppealMeeting, int]]:
    return repo.meetings(session, limit)


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
    counts, overdue = repo.status_counts(session, visible_appeals(actor))
    open_n = sum(n for s, n in counts.items() if s != S.CLOSED.value)
    cards = [(key, label, open_n if key == "open" else int(counts.get(key, 0)))
             for key, label in CARDS.get(actor.role, [])] if actor.role else []
    out: dict[str, Any] = {"cards": cards, "overdue": overdue}
    if actor.role is Role.OFFICE:
        # appeals (not requests) awaiting a decision: what /appeals?pending_request=1 lists
        out["pending_requests"] = repo.appeals_awaiting_decision(session)
    return out
