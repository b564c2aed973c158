"""All SQL for notifications and their outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from huiqi.models.notification import Notification, OutboxMessage


def visible(user_id: int) -> Select[tuple[Notification]]:
    """A user's delivered notifications, newest first."""
    return (
        select(Notification)
        .where(Notification.user_id == user_id, Notification.delivered_at.is_not(None))
        .order_by(Notification.id.desc())
    )


def unread_count(db: Session, user_id: int) -> int:
    stmt = select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.delivered_at.is_not(None),
        Notification.read_at.is_(None),
    )
    return int(db.scalar(stmt) or 0)


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


def pending(db: Session, ids: Sequence[int] | None, limit: int = 500) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.status == "pending")
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(ids))
    stmt = stmt.order_by(OutboxMessage.id).limit(limit)
    if db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # concurrent deliverers never double-send
    return list(db.scalars(stmt))
