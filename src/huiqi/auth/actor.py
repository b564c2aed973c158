"""Who is acting: a snapshot of the account plus where the request came from.

Routes receive an `Actor` (through the aliases in dependencies.py), services take one, and
`audit.record` writes it. It is a plain value, so templates and services never lazy-load.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from huiqi.models.user import ROLE_LABELS, Role


class Account(Protocol):
    """What an Actor is made of: a User, or a plain row of its columns (the per-request lookup)."""

    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def department_id(self) -> int | None: ...
    @property
    def enterprise_uscc(self) -> str | None: ...


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    display_name: str
    role: Role | None  # None: the system itself (CLI, scheduled tasks)
    department_id: int | None = None
    enterprise_uscc: str | None = None
    ip: str | None = None
    via: str = "session"  # session | token | cli | system

    @classmethod
    def of(cls, user: Account, *, ip: str | None = None, via: str = "session") -> Actor:
        return cls(
            user_id=user.id, username=user.username, display_name=user.display_name,
            role=Role(user.role), department_id=user.department_id,
            enterprise_uscc=user.enterprise_uscc, ip=ip, via=via,
        )

    @classmethod
    def system(cls, name: str = "system", via: str = "system") -> Actor:
        return cls(user_id=None, username=name, display_name="系统", role=None, via=via)

    def is_(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role] if self.role else "系统"

    def with_ip(self, ip: str | None) -> Actor:
        return replace(self, ip=ip)


def actor_label(actor: Actor, department_name: str | None = None) -> str:
    """How a case's history names who acted: "东宝区商务局 张三", "企业（…）", "系统"."""
    if actor.role is Role.DEPARTMENT:
        return f"{department_name or '部门'} {actor.display_name}"
    if actor.role is Role.ENTERPRISE:
        return f"企业（{actor.display_name}）"
    if actor.role is Role.LIAISON:
        return f"服务专员 {actor.display_name}"
    if actor.role is Role.OFFICE:
        return f"营商办 {actor.display_name}"
    return "系统"

