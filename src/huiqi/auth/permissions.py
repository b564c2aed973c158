"""三权分立 (GB/T 22239 8.1.4.2d, 8.1.5.1–3): what each role may administer, as one matrix.

- 系统管理员 (sysadmin): accounts, departments, backups. Cannot grant roles or read the audit log.
- 安全管理员 (security): role assignment, lockouts, security settings. Cannot create accounts or
  read the audit log.
- 审计管理员 (auditor): the audit log, read only (the request guard refuses its writes).
- 营商办 (office) keeps its business work and the accounts of enterprises, departments and
  liaisons; it administers no administrator and no other office account.

An account has exactly one role, and an administrator's role is never changed into another one
(that would give one person two of the three powers over time): create a new account instead.
The three administrator accounts are first made on the server (`huiqi user create`).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Request

from huiqi.auth.actor import Actor
from huiqi.auth.dependencies import MaybeAuth, _logged_in
from huiqi.kit.errors import NotFound
from huiqi.models.user import Role


class Perm(StrEnum):
    MANAGE_ACCOUNTS = "accounts.manage"  # create, deactivate, issue set-password links
    MANAGE_DEPARTMENTS = "departments.manage"
    ASSIGN_ROLES = "roles.assign"
    UNLOCK = "accounts.unlock"
    SECURITY_SETTINGS = "security.settings"
    AUDIT_READ = "audit.read"
    BACKUP = "backup.run"


ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECURITY, Role.AUDITOR})
BUSINESS_ROLES = frozenset(Role) - ADMIN_ROLES

MATRIX: dict[Role, frozenset[Perm]] = {
    Role.SYSADMIN: frozenset({Perm.MANAGE_ACCOUNTS, Perm.MANAGE_DEPARTMENTS, Perm.BACKUP}),
    Role.SECURITY: frozenset({Perm.ASSIGN_ROLES, Perm.UNLOCK, Perm.SECURITY_SETTINGS}),
    Role.AUDITOR: frozenset({Perm.AUDIT_READ}),
    Role.OFFICE: frozenset({Perm.MANAGE_ACCOUNTS, Perm.MANAGE_DEPARTMENTS, Perm.UNLOCK}),
}

# Whose accounts a role with MANAGE_ACCOUNTS may create and administer.
MANAGES: dict[Role, frozenset[Role]] = {
    Role.SYSADMIN: BUSINESS_ROLES,
    Role.OFFICE: frozenset({Role.ENTERPRISE, Role.DEPARTMENT, Role.LIAISON}
                           | {Role.AGENT, Role.PROJECT_LEAD}
                           | {Role.INSPECTOR, Role.SUPERVISOR}),
}


def may(role: Role | None, perm: Perm) -> bool:
    return role is not None and perm in MATRIX.get(role, frozenset())


def manageable(actor: Actor) -> frozenset[Role]:
    return MANAGES.get(actor.role, frozenset()) if actor.role else frozenset()


def may_manage(actor: Actor, target_role: str | Role) -> bool:
    try:
        return Role(target_role) in manageable(actor)
    except ValueError:
        return False


def role_change_allowed(actor: Actor, user_id: int, current: Role, new: Role) -> str | None:
    """Why the security administrator may not make this change (a Chinese message), or None."""
    if actor.user_id == user_id:
        return "不能修改自己的角色。"
    if current in ADMIN_ROLES and new != current:
        return "管理员账号（系统、安全、审计）的角色不能改为其他角色；请另建账号。"
    if new in ADMIN_ROLES and current not in ADMIN_ROLES:
        return None  # a business account becomes one administrator: still one role
    return None


def require(perm: Perm) -> Callable[..., Any]:
    async def dependency(request: Request, auth: MaybeAuth) -> Actor:
        actor = _logged_in(request, auth).actor
        if not may(actor.role, perm):
            raise NotFound("页面不存在，或您没有访问权限。")
        return actor

    dependency.__name__ = f"require_{perm.name.lower()}"
    return dependency


AccountAdmin = Annotated[Actor, Depends(require(Perm.MANAGE_ACCOUNTS))]
DepartmentAdmin = Annotated[Actor, Depends(require(Perm.MANAGE_DEPARTMENTS))]
RoleAdmin = Annotated[Actor, Depends(require(Perm.ASSIGN_ROLES))]
Unlocker = Annotated[Actor, Depends(require(Perm.UNLOCK))]
