"""Notify users: rows written in the caller's transaction, delivered once it commits.

    notify(session, [user.id], "申报已受理", "您的申报……已受理。", "/grants/applications/12")

`link` must be a path inside the app. Channels: "inapp" (the bell and the list) now; an SMS or
e-mail sender is added later with `register_channel("sms", sender)` — the outbox already keeps
one row per channel with status, attempts and the last error, so nothing else changes.

Delivery, after commit:
- in-app: the notification row *is* the message, so delivering is making it visible: two
  UPDATEs per 500 messages, right after commit (the user sees it at once; 2,500 messages cost
  tens of milliseconds, not seconds);
- other channels (slow, remote): handed to the process's background deliverer
  (`huiqi.notify.worker`, started by the app), or sent after commit where none runs (CLI).
Nothing is lost: a pending message (a crash, a failed send) is retried by the worker's periodic
pass, at start-up, and by `huiqi notify deliver`; every send claims its message first, so two
deliverers never send one message twice.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from huiqi.kit.db import unit_of_work
from huiqi.kit.errors import HuiqiError, NotFound, ValidationFailed
from huiqi.kit.oncommit import on_commit
from huiqi.kit.settings import get_settings
from huiqi.kit.web import safe_next
from huiqi.models.notification import Notification, OutboxMessage
from huiqi.notify import repository as repo
from huiqi.notify import sms, worker

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BATCH = 500
LEASE = timedelta(minutes=10)  # a send claimed longer ago than this died with its process

Sender = Callable[[Session, OutboxMessage, Notification], None]
BulkSender = Callable[[Session, Sequence[int], datetime], int]  # outbox ids → how many sent
CHANNELS: dict[str, Sender] = {}
BULK: dict[str, BulkSender] = {}  # channels delivered a batch at a time, in the database
INLINE = frozenset({"inapp"})  # delivered right after commit, even when a worker runs


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
    if not rows:
        return rows
    session.add_all(rows)
    session.flush()
    outbox = [
        OutboxMessage(notification_id=n.id, channel=c, status="pending", attempts=0,
                      created_at=now)
        for n in rows for c in channels
    ]
    session.add_all(outbox)
    session.flush()
    _batch_for(session).add(min(m.id for m in outbox), max(m.id for m in outbox), channels)
    return rows


class _CommitBatch:
    """Every notification of one transaction (level), delivered in one pass after commit:
    a seeding script or a re-match that notifies hundreds of users pays one delivery, not one
    per notify() call."""

    def __init__(self, session: Session) -> None:
        self.key = (session.get_transaction(), session.get_nested_transaction())
        self.lo, self.hi, self.channels = 0, -1, dict[str, None]()
        on_commit(session, self._deliver)

    def add(self, lo: int, hi: int, channels: Sequence[str]) -> None:
        self.lo = lo if self.hi < self.lo else min(self.lo, lo)
        self.hi = max(self.hi, hi)
        self.channels.update(dict.fromkeys(channels))

    def _deliver(self, engine: Engine) -> None:
        self.key = (None, None)  # done: a later notify() starts a new batch
        _after_commit(engine, (self.lo, self.hi), tuple(self.channels))


def _batch_for(session: Session) -> _CommitBatch:
    # Reused only within the same transaction and savepoint it registered in: a rolled-back
    # savepoint or transaction dropped its callback, so a new batch registers a new one.
    batch = session.info.get(_BATCH_KEY)
    key = (session.get_transaction(), session.get_nested_transaction())
    if not isinstance(batch, _CommitBatch) or batch.key[0] is not key[0] \
            or batch.key[1] is not key[1]:
        batch = session.info[_BATCH_KEY] = _CommitBatch(session)
    return batch


_BATCH_KEY = "huiqi.notify.batch"


def _after_commit(engine: Engine, span: tuple[int, int], channels: tuple[str, ...]) -> None:
    now = [c for c in channels if c in INLINE]
    later = [c for c in channels if c not in INLINE]
    if now:
        deliver(engine, span, channels=now)
    if later and not worker.wake(engine):
        deliver(engine, span, channels=later)


def deliver(engine: Engine, span: tuple[int, int] | Sequence[int] | None = None, *,
            channels: Sequence[str] | None = None, batch: int = BATCH) -> int:
    """Send pending outbox messages (ids within `span`, or all), one pass over each; returns
    how many were sent. Bulk channels go a batch at a time; others one by one, claimed first,
    each send outside any open transaction."""
    id_range = None if span is None else (min(span), max(span))
    sent, after = 0, 0
    while True:
        with unit_of_work(engine) as db:
            found = repo.pending(db, id_range, stale_before=datetime.now(UTC) - LEASE,
                                 after=after, channels=channels, limit=batch)
            if not found:
                break
            after = found[-1].id
            by_channel: dict[str, list[int]] = {}
            for m in found:
                by_channel.setdefault(m.channel, []).append(m.id)
            for channel, ids in by_channel.items():
                if channel in BULK:
                    sent += BULK[channel](db, ids, datetime.now(UTC))
            one_by_one = [(m.id, m.attempts) for m in found if m.channel not in BULK]
        sent += sum(_send_one(engine, mid, attempts) for mid, attempts in one_by_one)
        if len(found) < batch:
            break
    return sent


def _send_one(engine: Engine, message_id: int, attempts: int) -> int:
    now = datetime.now(UTC)
    with unit_of_work(engine) as db:
        if not repo.claim(db, message_id, attempts, now, now - LEASE):
            return 0  # another deliverer has it
    error: str | None = None
    try:  # the send runs in its own transaction: no lock is held while a gateway answers
        with unit_of_work(engine) as db:
            message = db.get(OutboxMessage, message_id)
            notification = db.get(Notification, message.notification_id) if message else None
            if message is not None and notification is not None:
                CHANNELS[message.channel](db, message, notification)
    except Exception as exc:
        log.warning("outbox %s failed: %s", message_id, exc)
        error = str(exc) or type(exc).__name__
    with unit_of_work(engine) as db:
        repo.finish(db, message_id, attempts + 1, at=datetime.now(UTC), error=error,
                    give_up=attempts + 1 >= MAX_ATTEMPTS)
    return 1 if error is None else 0


def _deliver_inapp(db: Session, message: OutboxMessage, notification: Notification) -> None:
    notification.delivered_at = datetime.now(UTC)


register_channel("inapp", _deliver_inapp)
BULK["inapp"] = repo.deliver_inapp
register_channel("sms", sms.send)


normalise_phone = sms.normalise_phone


class SmsLimited(HuiqiError):
    status_code = 429
    code = "sms_rate_limited"


def send_sms(session: Session, phone: str, text: str, *, at: datetime | None = None,
             link: str | None = None) -> OutboxMessage:
    """Queue one SMS to `phone` (delivered after commit, retried like every outbox message).
    Refused (429) beyond HUIQI_SMS_PER_PHONE_DAY messages to one phone in 24 h or
    HUIQI_SMS_PER_HOUR in all; a number that is not a mainland mobile is 422."""
    number = sms.normalise_phone(phone)
    if number is None:
        raise ValidationFailed(f"手机号“{phone}”格式不正确（应为 11 位手机号）。",
                               details={"field": "phone"})
    now = at or datetime.now(UTC)
    digest = hmac.new(get_settings().secret_key.encode(), f"sms:{number}".encode(),
                      hashlib.sha256).hexdigest()  # keyed: the table does not reveal numbers
    if repo.sms_count(session, digest, now - timedelta(days=1)) >= sms.per_phone_per_day():
        raise SmsLimited("该手机号 24 小时内已收到多条短信，请稍后再发。")
    if repo.sms_count(session, None, now - timedelta(hours=1)) >= sms.per_hour():
        raise SmsLimited("短信发送已达每小时上限，请稍后再发。")
    note = Notification(user_id=None, title="短信", body=text, link=link, created_at=now)
    session.add(note)
    session.flush()
    message = OutboxMessage(notification_id=note.id, channel="sms", status="pending",
                            attempts=0, created_at=now, recipient=number,
                            recipient_digest=digest)
    session.add(message)
    session.flush()
    _batch_for(session).add(message.id, message.id, ("sms",))
    return message


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
