"""Demo accounts, one per role, with fresh random passwords printed at start-up (demo only).

Nothing here runs outside `huiqi demo-up`: the platform has no default passwords.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_number

from huiqi.auth import mfa, mfa_policy, service
from huiqi.auth import repository as repo
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.db import unit_of_work
from huiqi.kit.security import generate_password
from huiqi.models.department import Department
from huiqi.models.user import ROLE_LABELS, Role

DEMO_DEPARTMENT = ("demo-commerce", "区商务委员会（演示）")
_USCC_BODY = "91500105MA60DEMX1"  # 江北区; completed with its check digit below


def demo_uscc() -> str:
    return _USCC_BODY + uscc_number.calc_check_digit(_USCC_BODY)


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    username: str
    password: str
    display_name: str
    totp_secret: str | None = None  # roles that need a second factor: enrolled at start-up

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


DEMO_USERS = {
    Role.ENTERPRISE: ("demo-enterprise", "演示企业用户"),
    Role.DEPARTMENT: ("demo-department", "演示部门经办人"),
    Role.LIAISON: ("demo-liaison", "演示服务专员"),
    Role.OFFICE: ("demo-office", "演示营商办管理员"),
    Role.AUDITOR: ("demo-auditor", "演示审计管理员"),
    Role.SYSADMIN: ("demo-sysadmin", "演示系统管理员"),
    Role.SECURITY: ("demo-security", "演示安全管理员"),
}


def ensure_demo_accounts(
    engine: Engine, *, enterprise_uscc: str | None = None, department_code: str | None = None,
) -> list[DemoLogin]:
    """Create the demo accounts, or give existing ones a new password; returns the logins."""
    actor, clock = Actor.system("demo-up", via="cli"), Clock()
    logins = []
    with unit_of_work(engine) as db:
        code = department_code or _demo_department(db, actor)
        for role, (username, display_name) in DEMO_USERS.items():
            password = generate_password(12)
            user = repo.user_by_username(db, username)
            if user is None:
                user = service.create_user(
                    db, actor, clock, username=username, display_name=display_name, role=role,
                    password=password,
                    department_code=code if role is Role.DEPARTMENT else None,
                    enterprise_uscc=(enterprise_uscc or demo_uscc())
                    if role is Role.ENTERPRISE else None,
                )
            else:
                service.set_password(db, actor, clock, user, password)
            secret = None
            if mfa_policy.required_for(role):  # a fresh authenticator secret, printed at start
                secret = mfa.new_secret()
                mfa.enrol_directly(user, secret, clock.now())
            logins.append(DemoLogin(role, username, password, display_name, secret))
    return logins


def _demo_department(db: Session, actor: Actor) -> str:
    first = db.scalar(select(Department.code).order_by(Department.id).limit(1))
    if first:
        return first
    service.create_department(db, actor, *DEMO_DEPARTMENT)
    return DEMO_DEPARTMENT[0]
