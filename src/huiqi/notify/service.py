"""Notify users: rows written in the caller's transaction, delivered once it commits.

    notify(session, [user.id], "申报已受理", "您的申报……已受理。", "/grants/applications/12")

`link` must be a path inside the app. Channels: "inapp" (the bell and the list) now; an SMS or
e-mail sender is added later with `register_channel("sms", sender)` — the outbox already keeps
one row per channel with status, attempts and the last error, so nothing else changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import NotFound
from huiqi.kit.oncommit import on_commit
from huiqi.kit.web import safe_next
from huiqi.models.notification import Notification, OutboxMessage
from huiqi.notify import repository as repo

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

Sender = Callable[[Session, OutboxMessage, Notification], None]
CHANNELS: dict[str, Sender] = {}


def register_channel(name: str, sender: Sender) -> None:
    CHANNELS[name] = sender


def notify(
    session: Session, user_ids: Iterable[int], title: str, body: str = "",
    link: str | None = None, *, channels: Sequence[str] = ("inapp",), at: datetime | None = None,
) -> list[Notification]:
    if link is not None and safe_next(link, default="") != link:
        raise ValueError(f"notification link must be a path inside the app, got {link!r}")
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise ValueError(f"unknown notification channel(s): {unknown}")
    now = at or datetime.now(UTC)
    rows = [
        Notification(user_id=uid, title=title[:200], body=body, link=link, created_at=now)
        for uid in dict.fromkeys(user_ids)  # once per user, order kept
    ]
    session.add_all(rows)
    session.flush()
    outbox = [
        OutboxMessage(notification_id=n.id, channel=c, status="pending", attempts=0,
                      created_at=now)
        for n in rows for c in channels
    ]
    session.add_all(outbox)
    session.flush()
    ids = [m.id for m in outbox]
    on_commit(session, lambda engine: deliver(engine, ids))
    return rows


def deliver(engine: Engine, ids: Sequence[int] | None = None) -> int:
    """Send pending outbox messages (the given ones, or all); returns how many were sent."""
    sent = 0
    with unit_of_work(engine) as db:
        for message in repo.pending(db, ids):
            notification = db.get(Notification, message.notification_id)
            if notification is None:
                continue
            message.attempts += 1
            try:
                with db.begin_nested():
                    CHANNELS[message.channel](db, message, notification)
            except Exception as exc:
                log.warning("outbox %s (%s) failed: %s", message.id, message.channel, exc)
                message.last_error = str(exc)[:500]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = "failed"
                continue
            message.status, message.sent_at = "sent", datetime.now(UTC)
            sent += 1
    return sent


def _deliver_inapp(db: Session, message: OutboxMessage, notification: Notification) -> None:
    notification.delivered_at = datetime.now(UTC)


register_channel("inapp", _deliver_inapp)


def unread_count(db: Session, user_id: int) -> int:
    return repo.unread_count(db, user_id)


def mark_read(db: Session, user_id: int, notification_id: int, at: datetime) -> Notification:
    row = repo.own(db, user_id, notification_id)
    if row is None or row.delivered_at is None:
        raise NotFound("通知不存在。")
    if row.read_at is None:
        row.read_at = at
    return row


def mark_all_read(db: Session, user_id: int, at: datetime) -> int:
    return repo.mark_all_read(db, user_id, at)
