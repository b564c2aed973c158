"""Administration under 三权分立: set-password links (the administrator never sees a password)
and role changes (the security administrator's). Flushes at most; every change is audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth import permissions, throttle
from huiqi.auth import repository as repo
from huiqi.auth.actor import Actor
from huiqi.auth.service import _check_password
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, PermissionDenied, ValidationFailed
from huiqi.kit.security import generate_password, hash_password, new_token, token_digest
from huiqi.models.password_reset import PasswordReset
from huiqi.models.user import Role, User

LINK_VALID = timedelta(hours=24)
LINK_PATH = "/account/set-password/"


def check_manages(actor: Actor, user: User) -> None:
    """The administrator may administer this account (else the 404 of a missing one)."""
    if not permissions.may_manage(actor, user.role):
        raise NotFound("账号不存在，或不在您的管理范围内。")


def issue_link(db: Session, actor: Actor, clock: Clock, user: User) -> str:
    """A one-time link for the owner to set a password; the old password stops working now and
    every session of the account ends. Returns the link's token (shown once, stored hashed)."""
    now = clock.now()
    repo.retire_links(db, user.id, now)  # an earlier link dies with the new one
    token = new_token(32)
    db.add(PasswordReset(user_id=user.id, token_digest=token_digest(token), created_at=now,
                         created_by=actor.user_id, expires_at=now + LINK_VALID))
    user.password_hash = hash_password(generate_password(24))  # nobody knows it
    user.password_changed_at = now
    repo.delete_user_sessions(db, user.id)
    audit.record(db, actor, "auth.password_link_issue", user,
                 after={"expires_at": now + LINK_VALID}, at=now)
    return token


def link_user(db: Session, clock: Clock, token: str) -> tuple[PasswordReset, User]:
    row = repo.link_locked(db, token_digest(token))
    if row is None or row.used_at is not None or row.expires_at <= clock.now():
        raise NotFound("链接无效、已使用或已过期，请联系管理员重新发送。")
    user = repo.user_by_id(db, row.user_id)
    if user is None or not user.is_active:
        raise NotFound("链接无效、已使用或已过期，请联系管理员重新发送。")
    return row, user


def use_link(db: Session, clock: Clock, token: str, password: str, ip: str | None) -> User:
    row, user = link_user(db, clock, token)
    _check_password(password, user.username)
    now = clock.now()
    row.used_at = now
    user.password_hash, user.password_changed_at = hash_password(password), now
    throttle.forget(db, user)
    repo.delete_user_sessions(db, user.id)
    audit.record(db, Actor.of(user, ip=ip), "auth.password_set", user,
                 after={"via": "link"}, at=now)
    return user


def change_role(db: Session, actor: Actor, user: User, new_role: str) -> None:
    if not permissions.may(actor.role, permissions.Perm.ASSIGN_ROLES):
        raise PermissionDenied("只有安全管理员可以分配角色。")
    try:
        new = Role(new_role)
    except ValueError:
        raise ValidationFailed(f"角色“{new_role}”不存在。") from None
    current = Role(user.role)
    if new == current:
        return
    why = permissions.role_change_allowed(actor, user.id, current, new)
    if why:
        raise PermissionDenied(why)
    if new is Role.DEPARTMENT and user.department_id is None:
        raise ValidationFailed("部门经办人须有所属部门：请由系统管理员新建部门经办人账号。")
    if new is Role.ENTERPRISE and not user.enterprise_uscc:
        raise ValidationFailed("企业账号须关联统一社会信用代码：请由系统管理员新建企业账号。")
    if new in (Role.INSPECTOR, Role.SUPERVISOR) and user.department_id is None:
        raise ValidationFailed(f"{new.label}须有所属部门：请由系统管理员新建该角色的账号。")
    if new not in (Role.DEPARTMENT, Role.INSPECTOR, Role.SUPERVISOR):
        user.department_id = None
    if new is not Role.ENTERPRISE:
        user.enterprise_uscc = None
    user.role = new.value
    repo.delete_user_sessions(db, user.id)  # the new role applies from the next login
    audit.record(db, actor, "user.role_change", user, before={"role": current.value},
                 after={"role": new.value})
