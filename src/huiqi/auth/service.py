"""Accounts, login with lockout, server-side sessions, password changes, API tokens.

Functions flush at most; the caller's unit of work commits. A failed login is not an exception:
its counters and audit rows must be committed although the login is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_number

from huiqi import audit
from huiqi.auth import repository as repo
from huiqi.auth import throttle
from huiqi.auth.actor import Account, Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, NotFound, ValidationFailed
from huiqi.kit.security import (
    WeakPassword,
    check_password_policy,
    hash_password,
    needs_rehash,
    new_token,
    token_digest,
    verify_password,
)
from huiqi.models.api_token import ApiToken
from huiqi.models.department import Department
from huiqi.models.session import UserSession
from huiqi.models.user import Role, User

LOGIN_FAILED_MESSAGE = "用户名或密码错误"
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_LIFETIME = timedelta(hours=12)  # ASVS L2: a session ends 12 h after login, active or not
# last_seen / last_used are written at most this often, each in its own short transaction (see
# repository._apart). A session then times out up to a minute early, never late.
TOUCH_EVERY = timedelta(minutes=1)
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{2,63}$")
USER_FIELDS = ("username", "display_name", "role", "department_id", "enterprise_uscc", "is_active")


# -- accounts ---------------------------------------------------------------------------------

def create_user(
    db: Session, actor: Actor, clock: Clock, *, username: str, display_name: str, role: Role | str,
    password: str, department_code: str | None = None, enterprise_uscc: str | None = None,
) -> User:
    role = _role(role)
    if not USERNAME.match(username):
        raise ValidationFailed("用户名须为 3–64 位字母、数字或 _ . @ -，并以字母或数字开头。")
    if repo.user_by_username(db, username):
        raise Conflict(f"用户名“{username}”已存在。")
    department_id = _department_for(db, role, department_code)
    uscc = _uscc_for(role, enterprise_uscc)
    _check_password(password, username)
    user = User(
        username=username, display_name=display_name.strip() or username, role=role.value,
        department_id=department_id, enterprise_uscc=uscc, password_hash=hash_password(password),
        is_active=True, password_changed_at=clock.now(), created_at=clock.now(),
    )
    db.add(user)
    db.flush()
    audit.record(db, actor, "user.create", user, after=audit.snapshot(user, *USER_FIELDS),
                 at=clock.now())
    return user


def create_department(db: Session, actor: Actor, code: str, name: str) -> Department:
    if repo.department_by_code(db, code):
        raise Conflict(f"部门代码“{code}”已存在。")
    department = Department(code=code, name=name)
    db.add(department)
    db.flush()
    audit.record(db, actor, "department.create", department, after={"code": code, "name": name})
    return department


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        names = "、".join(r.value for r in Role)
        raise ValidationFailed(f"角色“{role}”不存在，可选：{names}。") from None


# Roles that belong to a department (the supervision roles too: 执法检查人员, 部门监管负责人).
DEPARTMENT_ROLES = frozenset({Role.DEPARTMENT, Role.INSPECTOR, Role.SUPERVISOR})


def _department_for(db: Session, role: Role, code: str | None) -> int | None:
    if role is Role.LIAISON and code:  # a 包联 official may belong to a department or street
        found = repo.department_by_code(db, code)
        if found is None:
            raise ValidationFailed(f"部门代码“{code}”不存在。")
        return found.id
    if role not in DEPARTMENT_ROLES:
        if code:
            raise ValidationFailed("只有部门经办人和服务专员账号可以指定所属部门。")
        return None
    if not code:
        raise ValidationFailed(f"{role.label}账号须指定所属部门（部门代码）。")
    department = repo.department_by_code(db, code)
    if department is None:
        raise ValidationFailed(f"部门代码“{code}”不存在。")
    return department.id


def _uscc_for(role: Role, value: str | None) -> str | None:
    if role is not Role.ENTERPRISE:
        if value:
            raise ValidationFailed("只有企业账号可以关联统一社会信用代码。")
        return None
    if not value:
        raise ValidationFailed("企业账号须关联企业的统一社会信用代码。")
    value = value.strip().upper()
    if not uscc_number.is_valid(value):
        raise ValidationFailed(f"统一社会信用代码“{value}”无效（应为 18 位，校验位正确）。")
    return value


def _check_password(password: str, username: str) -> None:
    try:
        check_password_policy(password, username)
    except WeakPassword as exc:
        raise ValidationFailed(str(exc)) from None


# -- login, lockout, sessions -----------------------------------------------------------------

@dataclass(frozen=True)
class SessionInfo:
    token: str  # goes into the cookie, never stored
    session: UserSession
    user: User


def authenticate(
    db: Session, clock: Clock, username: str, password: str, ip: str | None
) -> User | None:
    """The user when the password is right and the account usable; else None (and counted).
    A locked (account, source) pair is refused before any password is checked."""
    now = clock.now()
    user = repo.user_by_username(db, username.strip())
    who = Actor.of(user, ip=ip) if user else Actor(
        None, username[:64], "", None, ip=ip, via="anonymous")
    source = ip or "-"
    if user is None or not user.is_active:
        verify_password(None, password)  # the same time as a real check
        audit.record(db, who, "auth.login_failed", ("users", user.id if user else None),
                     after={"reason": "unknown_user" if user is None else "inactive"}, at=now)
        return None
    if throttle.refused(db, who, user, source, now):
        return None
    if not verify_password(user.password_hash, password):
        throttle.failed(db, who, user, source, now, "bad_password")
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.succeeded(db, user, source, now)
    user.last_login_at = now
    return user


def start_session(
    db: Session, clock: Clock, user: User, *, ip: str | None, user_agent: str | None,
    previous_token: str | None = None,
) -> SessionInfo:
    """A brand-new session id at every login (no fixation); any session the browser held dies."""
    if previous_token:
        repo.delete_session(db, token_digest(previous_token))
    token, now = new_token(32), clock.now()
    repo.delete_idle_sessions(db, now - IDLE_TIMEOUT)  # housekeeping: sessions nobody can resume
    row = UserSession(
        id=token_digest(token), user_id=user.id, csrf_token=new_token(32), created_at=now,
        last_seen_at=now, ip=ip, user_agent=user_agent,
    )
    db.add(row)
    audit.record(db, Actor.of(user, ip=ip), "auth.login", user,
                 after={"user_agent": user_agent}, at=now)
    return SessionInfo(token, row, user)


def _may_act(account: Any, now: datetime) -> bool:
    """An active account (a User or a caller row). A login lockout never ends a session or a
    token in use: it holds for new logins from the locked source only (huiqi.auth.throttle)."""
    return bool(account.is_active)


class SessionExpired(Exception):
    pass


def resolve_session(
    db: Session, clock: Clock, token: str, *, touch: bool = True
) -> Any | None:
    """The live session joined with its account: an `Account` that also has session_id,
    csrf_token, last_seen_at and flashes. None if unknown; raises SessionExpired after idling."""
    row = repo.caller_by_session(db, token_digest(token))
    if row is None:
        return None
    now = clock.now()
    if now - row.last_seen_at > IDLE_TIMEOUT or now - row.session_created_at > ABSOLUTE_LIFETIME:
        repo.end_dead_session(db, row.session_id)
        raise SessionExpired
    if not _may_act(row, now):
        repo.end_dead_session(db, row.session_id)
        return None
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        repo.touch_session(db, row.session_id, now)
    return row


def end_session(db: Session, actor: Actor, token: str) -> None:
    repo.delete_session(db, token_digest(token))
    audit.record(db, actor, "auth.logout", ("users", actor.user_id))


def change_password(
    db: Session, actor: Actor, clock: Clock, *, current: str, new: str, keep_session: str | None,
) -> None:
    user = repo.user_by_id(db, actor.user_id or 0)
    if user is None:
        raise NotFound("账号不存在。")
    if not verify_password(user.password_hash, current):
        raise ValidationFailed("当前密码不正确。")
    if current == new:
        raise ValidationFailed("新密码不能与当前密码相同。")
    _check_password(new, user.username)
    user.password_hash, user.password_changed_at = hash_password(new), clock.now()
    # Other browsers logged in with the old password are signed out.
    keep = token_digest(keep_session) if keep_session else None
    repo.delete_user_sessions(db, user.id, keep=keep)
    audit.record(db, actor, "auth.password_change", user, at=clock.now())


def set_password(db: Session, actor: Actor, clock: Clock, user: User, password: str) -> None:
    """Administrative reset (CLI, demo): policy checked, every session of the user ends."""
    _check_password(password, user.username)
    user.password_hash, user.password_changed_at = hash_password(password), clock.now()
    throttle.forget(db, user)
    repo.delete_user_sessions(db, user.id)
    audit.record(db, actor, "auth.password_reset", user, at=clock.now())


# -- API tokens -------------------------------------------------------------------------------

TOKEN_PREFIX = "hq_"  # noqa: S105 - a marker, not a secret


def create_api_token(
    db: Session, actor: Actor, clock: Clock, name: str, days: int | None = None
) -> tuple[ApiToken, str]:
    """The token row and the secret, which is shown once and never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("请填写令牌名称（不超过 100 字）。")
    if days is not None and not 1 <= days <= 366:
        raise ValidationFailed("有效期须在 1 到 366 天之间。")
    secret, now = TOKEN_PREFIX + new_token(32), clock.now()
    row = ApiToken(
        user_id=actor.user_id, name=name, token_digest=token_digest(secret), prefix=secret[:10],
        created_at=now, expires_at=now + timedelta(days=days) if days else None,
    )
    db.add(row)
    db.flush()
    audit.record(db, actor, "auth.token_create", row,
                 after={"name": name, "prefix": row.prefix, "expires_at": row.expires_at}, at=now)
    return row, secret


def revoke_api_token(db: Session, actor: Actor, clock: Clock, token_id: int) -> ApiToken:
    row = repo.own_token(db, actor.user_id or 0, token_id)
    if row is None:
        raise NotFound("令牌不存在。")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        audit.record(db, actor, "auth.token_revoke", row,
                     before={"revoked_at": None}, after={"revoked_at": row.revoked_at})
    return row


def resolve_api_token(db: Session, clock: Clock, secret: str) -> Account | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    row = repo.caller_by_token(db, token_digest(secret))
    now = clock.now()
    if row is None or row.revoked_at or (row.expires_at and row.expires_at <= now):
        return None
    if not _may_act(row, now):
        return None
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        repo.touch_token(db, row.token_id, now)
    return cast("Account", row)


# -- administration (营商办) --------------------------------------------------------------------

def set_active(db: Session, actor: Actor, user: User, active: bool) -> None:
    if user.id == actor.user_id and not active:
        raise ValidationFailed("不能停用自己的账号。")
    if user.is_active == active:
        return
    user.is_active = active
    if not active:
        repo.delete_user_sessions(db, user.id)  # signed out everywhere at once
    audit.record(db, actor, "user.activate" if active else "user.deactivate", user,
                 before={"is_active": not active}, after={"is_active": active})


def unlock(db: Session, actor: Actor, clock: Clock, user: User) -> bool:
    return throttle.unlock(db, actor, user, clock.now())
