"""Lockout after failed logins, per account and source address (等保: 5 failures in 15 minutes
lock for 30 minutes), built so that it cannot be turned against the account's owner:

- a lock holds for one (account, source) pair: the owner at their usual address is not locked out
  by someone else's guesses, and a lock never ends a session or an API token already in use;
- repeated locks from the same source double (progressive: 30 min, 1 h, 2 h … at most 24 h);
- at most ACCOUNT_HOURLY_CAP failures per account per hour from everywhere: past that, only
  sources the account has logged in from before may try (no password is checked for the rest);
- the office or the security administrator can unlock; every lock, refusal and unlock is audited.

Functions flush at most; the caller's unit of work commits (also when the login is refused).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth import repository as repo
from huiqi.auth.actor import Actor
from huiqi.models.login_lock import ACCOUNT_WIDE, LoginLock
from huiqi.models.user import User

LOCK_AFTER = int(os.environ.get("HUIQI_LOCK_AFTER") or 5)
FAILURE_WINDOW = timedelta(minutes=int(os.environ.get("HUIQI_LOCK_WINDOW_MINUTES") or 15))
LOCK_FOR = timedelta(minutes=int(os.environ.get("HUIQI_LOCK_MINUTES") or 30))
LOCK_MAX = timedelta(hours=24)
ACCOUNT_HOURLY_CAP = int(os.environ.get("HUIQI_ACCOUNT_FAILURES_PER_HOUR") or 100)
KNOWN_SOURCE_DAYS = 90


@dataclass(frozen=True)
class Refusal:
    reason: str  # locked | account_cap
    until: datetime | None


def _row(db: Session, user: User, source: str) -> LoginLock:
    row = repo.login_lock_locked(db, user.id, source)
    if row is None:
        try:  # concurrent first failures from one source: one insert wins, the others read it
            with db.begin_nested():
                row = LoginLock(user_id=user.id, source=source, failures=[], lock_count=0)
                db.add(row)
        except IntegrityError:
            row = repo.login_lock_locked(db, user.id, source)
            assert row is not None
    return row


def _recent(row: LoginLock, since: datetime) -> list[str]:
    return [t for t in (row.failures or []) if datetime.fromisoformat(t) > since]


def refused(db: Session, who: Actor, user: User, source: str, now: datetime) -> Refusal | None:
    """Why this source may not try a password for this account now (audited), or None."""
    row = _row(db, user, source)
    if row.locked_until and row.locked_until > now:
        audit.record(db, who, "auth.login_refused_locked", user,
                     after={"source": source, "locked_until": row.locked_until}, at=now)
        return Refusal("locked", row.locked_until)
    wide = _row(db, user, ACCOUNT_WIDE)
    known = row.last_success_at and now - row.last_success_at < timedelta(days=KNOWN_SOURCE_DAYS)
    if len(_recent(wide, now - timedelta(hours=1))) >= ACCOUNT_HOURLY_CAP and not known:
        audit.record(db, who, "auth.login_refused_account_cap", user,
                     after={"source": source, "cap_per_hour": ACCOUNT_HOURLY_CAP}, at=now)
        return Refusal("account_cap", None)
    return None


def failed(db: Session, who: Actor, user: User, source: str, now: datetime, reason: str) -> None:
    """Count a failure (wrong password or second factor); lock the source at the LOCK_AFTER-th."""
    row, wide = _row(db, user, source), _row(db, user, ACCOUNT_WIDE)
    recent = [*_recent(row, now - FAILURE_WINDOW), now.isoformat()]
    wide.failures = [*_recent(wide, now - timedelta(hours=1)), now.isoformat()]
    audit.record(db, who, "auth.login_failed", user,
                 after={"reason": reason, "source": source, "failures_window": len(recent)}, at=now)
    if len(recent) >= LOCK_AFTER:
        span = min(LOCK_FOR * (2 ** min(row.lock_count or 0, 16)), LOCK_MAX)
        row.locked_until, row.failures, row.lock_count = now + span, [], (row.lock_count or 0) + 1
        audit.record(db, who, "auth.lockout", user,
                     after={"source": source, "locked_until": row.locked_until,
                            "minutes": int(span.total_seconds() // 60),
                            "lock_count": row.lock_count}, at=now)
    else:
        row.failures = recent


def succeeded(db: Session, user: User, source: str, now: datetime) -> None:
    row = _row(db, user, source)
    row.failures, row.locked_until, row.lock_count, row.last_success_at = [], None, 0, now


def locks_of(db: Session, user_ids: list[int], now: datetime) -> dict[int, datetime]:
    """The latest lock end of each user with a live lock (for the account list)."""
    rows = repo.live_locks(db, user_ids, now)
    out: dict[int, datetime] = {}
    for user_id, until in rows:
        if until is not None:
            out[user_id] = max(until, out.get(user_id, until))
    return out


def unlock(db: Session, actor: Actor, user: User, now: datetime) -> bool:
    """Lift every lock and failure count of the account (audited). False if there was none."""
    rows = repo.login_locks(db, user.id)
    live = [r for r in rows if (r.locked_until and r.locked_until > now) or r.failures]
    if not live:
        return False
    before = {r.source: r.locked_until for r in live}
    for r in rows:
        r.failures, r.locked_until, r.lock_count = [], None, 0
    audit.record(db, actor, "user.unlock", user, before={"locks": before},
                 after={"locks": {}}, at=now)
    return True


def forget(db: Session, user: User) -> None:
    repo.delete_login_locks(db, user.id)
