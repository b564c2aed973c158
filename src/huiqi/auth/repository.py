"""All SQL for accounts, sessions and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Engine,
    Executable,
    Select,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from huiqi.kit.db import apart
from huiqi.models.api_token import ApiToken
from huiqi.models.department import Department
from huiqi.models.login_lock import LoginLock
from huiqi.models.password_reset import PasswordReset
from huiqi.models.session import UserSession
from huiqi.models.user import User

# Who a request comes from: what an Actor holds plus what decides whether it may act.
# Core columns, not the ORM classes': an ORM-enabled statement takes SQLAlchemy's slower path.
_u, _s, _t = User.__table__.c, UserSession.__table__.c, ApiToken.__table__.c
_CALLER = (_u.id, _u.username, _u.display_name, _u.role, _u.department_id,
           _u.enterprise_uscc, _u.is_active)


# Built once: SQLAlchemy spends more building and adapting a statement than SQLite running it.
_CALLER_BY_SESSION = (
    select(_s.id.label("session_id"), _s.csrf_token, _s.last_seen_at,
           _s.created_at.label("session_created_at"), _s.flashes, *_CALLER)
    .join(User.__table__, _u.id == _s.user_id).where(_s.id == bindparam("digest")))
_CALLER_BY_TOKEN = (
    select(_t.id.label("token_id"), _t.revoked_at, _t.expires_at, _t.last_used_at, *_CALLER)
    .join(User.__table__, _u.id == _t.user_id).where(_t.token_digest == bindparam("digest")))


def caller_by_session(db: Session, digest: str) -> Any | None:
    """A login session's state and its account's, in one query (read on every page request: the
    ORM objects cost several times more, and nothing here is changed through them)."""
    return db.execute(_CALLER_BY_SESSION, {"digest": digest}).first()


def caller_by_token(db: Session, digest: str) -> Any | None:
    """An API token's state and its account's, in one query (read on every API request)."""
    return db.execute(_CALLER_BY_TOKEN, {"digest": digest}).first()


def user_by_username(db: Session, username: str) -> User | None:
    return db.scalar(select(User).where(func.lower(User.username) == username.lower()))


def user_by_id(db: Session, user_id: int) -> User | None:
    return db.get(User, user_id)


def users(db: Session, role: str | None = None) -> list[User]:
    stmt = select(User).order_by(User.role, User.username)
    if role:
        stmt = stmt.where(User.role == role)
    return list(db.scalars(stmt))


def users_query(role: str | None = None, text: str = "",
                among: list[str] | None = None) -> Select[tuple[User]]:
    """Accounts for an administrator's list: by role (within `among`, the roles the
    administrator manages), and username or name containing `text`."""
    stmt = select(User).order_by(User.role, User.username)
    if among is not None:
        stmt = stmt.where(User.role.in_(among))
    if role:
        stmt = stmt.where(User.role == role)
    if text:
        stmt = stmt.where(or_(func.lower(User.username).contains(text.lower(), autoescape=True),
                              User.display_name.contains(text, autoescape=True)))
    return stmt


def department_by_code(db: Session, code: str) -> Department | None:
    return db.scalar(select(Department).where(Department.code == code))


def department_by_id(db: Session, department_id: int) -> Department | None:
    return db.get(Department, department_id)


def departments(db: Session) -> list[Department]:
    return list(db.scalars(select(Department).order_by(Department.code)))


def departments_by_id(db: Session) -> list[Department]:
    """Every department in the order they were created (the demo's handler accounts)."""
    return list(db.scalars(select(Department).order_by(Department.id)))


def first_department_code(db: Session) -> str | None:
    """The code of the first department created, if there is one."""
    return db.scalar(select(Department.code).order_by(Department.id).limit(1))


def delete_session(db: Session, digest: str) -> None:
    db.execute(delete(UserSession).where(UserSession.id == digest))


def touch_session(db: Session, digest: str, now: datetime) -> None:
    _apart(db, update(UserSession).where(UserSession.id == digest, UserSession.last_seen_at < now)
           .values(last_seen_at=now))


def touch_token(db: Session, token_id: int, now: datetime) -> None:
    stale = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now)
    _apart(db, update(ApiToken).where(ApiToken.id == token_id, stale).values(last_used_at=now))


def end_dead_session(db: Session, digest: str) -> None:
    _apart(db, delete(UserSession).where(UserSession.id == digest))


def _apart(db: Session, stmt: Executable) -> None:
    """A bookkeeping write in its own short transaction, not the request's. Done inside a read
    request it would make the request a write transaction: on SQLite that holds the database's
    write lock until the request ends, so concurrent requests queue on it (and past the busy
    timeout fail with "database is locked")."""
    bind = db.get_bind()
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            conn.execute(stmt)
    else:  # a session bound to a connection (a test's outer transaction): stay in it
        db.execute(stmt)


def delete_user_sessions(db: Session, user_id: int, keep: str | None = None) -> None:
    stmt = delete(UserSession).where(UserSession.user_id == user_id)
    if keep:
        stmt = stmt.where(UserSession.id != keep)
    db.execute(stmt)


def delete_idle_sessions(db: Session, seen_before: datetime) -> int:
    result = db.execute(delete(UserSession).where(UserSession.last_seen_at < seen_before))
    return int(getattr(result, "rowcount", 0) or 0)


def tokens_of(db: Session, user_id: int) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    return list(db.scalars(stmt))


def own_token(db: Session, user_id: int, token_id: int) -> ApiToken | None:
    stmt = select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
    return db.scalar(stmt)


def session_row(db: Session, session_id: str) -> UserSession | None:
    return db.get(UserSession, session_id)


def pop_flashes(db: Session, session_id: str) -> list[dict[str, Any]]:
    """A session's pending messages, cleared in a short transaction of its own (the row locked
    while it is), for a read-only route's session (kit.db.apart), which may not write."""
    with apart(db) as own:
        row = own.get(UserSession, session_id, with_for_update=True)
        if row is None or not row.flashes:
            return []
        flashes, row.flashes = row.flashes, None
    return flashes


# --- set-password links (huiqi.auth.admin_service) ---------------------------------------------

def retire_links(db: Session, user_id: int, now: datetime) -> None:
    """Mark the account's unused set-password links used (a new one replaces them)."""
    db.execute(update(PasswordReset).where(PasswordReset.user_id == user_id,
                                           PasswordReset.used_at.is_(None))
               .values(used_at=now))


def link_locked(db: Session, digest: str) -> PasswordReset | None:
    """The set-password link with this token digest, row-locked."""
    return db.scalar(select(PasswordReset).where(
        PasswordReset.token_digest == digest).with_for_update())


# --- login throttling (huiqi.auth.throttle) ----------------------------------------------------

def login_lock_locked(db: Session, user_id: int, source: str) -> LoginLock | None:
    """The account's failure count and lock for one source, row-locked."""
    return db.scalar(select(LoginLock).where(LoginLock.user_id == user_id,
                                             LoginLock.source == source).with_for_update())


def live_locks(db: Session, user_ids: list[int], now: datetime) -> list[tuple[int, datetime]]:
    """(user id, lock end) of the locks of these accounts that last past `now`."""
    rows = db.execute(select(LoginLock.user_id, LoginLock.locked_until).where(
        LoginLock.user_id.in_(user_ids), LoginLock.locked_until > now))
    return [(u, t) for u, t in rows]


def login_locks(db: Session, user_id: int) -> list[LoginLock]:
    return list(db.scalars(select(LoginLock).where(LoginLock.user_id == user_id)))


def delete_login_locks(db: Session, user_id: int) -> None:
    db.execute(delete(LoginLock).where(LoginLock.user_id == user_id))
