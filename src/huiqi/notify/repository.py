"""All SQL for notifications and their outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from huiqi.models.notification import Notification, OutboxMessage


def visible(user_id: int) -> Select[tuple[Notification]]:
    """A user's delivered notifications, newest first."""
    return (
        select(Notification)
        .where(Notification.user_id == user_id, Notification.delivered_at.is_not(None))
        .order_by(Notification.id.desc())
    )


# Built once: the bell asks on every page (building a statement costs more than running it).
# (Core columns: an ORM-enabled statement takes SQLAlchemy's slower ORM path.)
_n = Notification.__table__.c
_delivered = (_n.user_id == bindparam("user_id"), _n.delivered_at.is_not(None))  # = visible()
_UNREAD = select(func.count()).select_from(Notification.__table__).where(
    *_delivered, _n.read_at.is_(None))


def unread_count(db: Session, user_id: int) -> int:
    return int(db.scalar(_UNREAD, {"user_id": user_id}) or 0)


# The API's list (polled by clients): both counts in one statement, the page as plain rows.
_COUNTS = select(func.count(), func.count().filter(_n.read_at.is_(None))).where(*_delivered)
_PAGE = (select(_n.id, _n.title, _n.body, _n.link, _n.created_at, _n.read_at).where(*_delivered)
         .order_by(_n.id.desc()).limit(bindparam("limit")).offset(bindparam("offset")))


def counts(db: Session, user_id: int) -> tuple[int, int]:
    """(delivered, of them unread) of a user's notifications."""
    total, unread = db.execute(_COUNTS, {"user_id": user_id}).one()
    return int(total), int(unread)


def page_rows(db: Session, user_id: int, limit: int, offset: int) -> Sequence[Any]:
    """A page of `visible(user_id)` as rows (id, title, body, link, created_at, read_at)."""
    return db.execute(_PAGE, {"user_id": user_id, "limit": limit, "offset": offset}).all()


def own(db: Session, user_id: int, notification_id: int) -> Notification | None:
    stmt = select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id
    )
    return db.scalar(stmt)


def mark_all_read(db: Session, user_id: int, at: datetime) -> int:
    result = db.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None),
               Notification.delivered_at.is_not(None))
        .values(read_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _due(stale_before: datetime) -> Any:
    """Pending, or claimed for sending so long ago that the sender must have died."""
    return or_(OutboxMessage.status == "pending",
               (OutboxMessage.status == "sending") & (OutboxMessage.sent_at < stale_before))


def pending(db: Session, id_range: tuple[int, int] | None, *, stale_before: datetime,
            after: int = 0, channels: Sequence[str] | None = None, limit: int = 500
            ) -> list[OutboxMessage]:
    """Messages due in id order after `after` (within `id_range`, of `channels`)."""
    stmt = select(OutboxMessage).where(_due(stale_before), OutboxMessage.id > after)
    if id_range is not None:  # a range, not a list: thousands of ids cost nothing to send
        stmt = stmt.where(OutboxMessage.id.between(*id_range))
    if channels is not None:
        stmt = stmt.where(OutboxMessage.channel.in_(list(channels)))
    stmt = stmt.order_by(OutboxMessage.id).limit(limit)
    if db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # concurrent deliverers never wait
    return list(db.scalars(stmt))


def deliver_inapp(db: Session, message_ids: Sequence[int], at: datetime) -> int:
    """Bulk in-app delivery: two UPDATEs for the whole batch. Only still-pending messages are
    taken (idempotent if two deliverers meet); returns how many this call delivered."""
    taken = list(db.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.status == "pending")
        .values(status="sent", sent_at=at, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.notification_id),
        execution_options={"synchronize_session": False}))
    if taken:
        db.execute(update(Notification)
                   .where(Notification.id.in_(taken), Notification.delivered_at.is_(None))
                   .values(delivered_at=at), execution_options={"synchronize_session": False})
    return len(taken)


def claim(db: Session, message_id: int, attempts: int, at: datetime,
          stale_before: datetime) -> bool:
    """Take a message for one send attempt (status `sending`, `sent_at` = when taken, as a
    lease): of two deliverers that read the same row, exactly one gets it."""
    result = db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.attempts == attempts,
               _due(stale_before))
        .values(status="sending", sent_at=at, attempts=attempts + 1),
        execution_options={"synchronize_session": False})
    return int(getattr(result, "rowcount", 0) or 0) == 1


def finish(db: Session, message_id: int, attempt: int, *, at: datetime, error: str | None,
           give_up: bool) -> None:
    """Record the outcome of attempt number `attempt` (if the claim is still ours)."""
    values: dict[str, object] = {"status": "sent", "sent_at": at, "last_error": None} \
        if error is None else {"last_error": error[:500], "sent_at": None,
                               "status": "failed" if give_up else "pending"}
    db.execute(update(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.status == "sending",
        OutboxMessage.attempts == attempt).values(**values),
        execution_options={"synchronize_session": False})


def message_with_notification(db: Session, message_id: int
                              ) -> tuple[OutboxMessage, Notification] | None:
    """An outbox message and the notification it delivers (None if either is gone)."""
    message = db.get(OutboxMessage, message_id)
    notification = db.get(Notification, message.notification_id) if message else None
    if message is None or notification is None:
        return None
    return message, notification


def sms_count(db: Session, digest: str | None, since: datetime) -> int:
    """SMS queued since `since`, to one phone (its digest) or to anyone."""
    stmt = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.channel == "sms", OutboxMessage.created_at >= since)
    if digest is not None:
        stmt = stmt.where(OutboxMessage.recipient_digest == digest)
    return int(db.scalar(stmt) or 0)
