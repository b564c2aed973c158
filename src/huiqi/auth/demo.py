"""Demo accounts for every role (a handler per department), with fresh random passwords
printed at start-up (demo only).

Nothing here runs outside `huiqi demo-up`: the platform has no default passwords.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_number

from huiqi.auth import mfa, mfa_policy, service
from huiqi.auth import repository as repo
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.db import unit_of_work
from huiqi.kit.security import generate_password
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
    note: str = ""  # what the account is for, printed beside it
    totp_secret: str | None = None  # accounts that need a second factor: enrolled at start-up

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
    Role.AGENT: ("demo-agent", "演示项目代办员"),
    Role.PROJECT_LEAD: ("demo-lead", "演示项目牵头领导"),
    Role.INSPECTOR: ("demo-inspector", "演示执法检查人员"),
    Role.SUPERVISOR: ("demo-supervisor", "演示部门监管负责人"),
    Role.LEADER: ("demo-leader", "演示区领导"),
}
IN_MAIN_DEPARTMENT = (Role.INSPECTOR, Role.SUPERVISOR)  # supervision roles: the main department
ROLE_ORDER = list(DEMO_USERS)


@dataclass(frozen=True)
class _Account:
    role: Role
    username: str
    display_name: str
    note: str = ""
    department_code: str | None = None


def ensure_demo_accounts(
    engine: Engine, *, enterprise_uscc: str | None = None, department_code: str | None = None,
) -> list[DemoLogin]:
    """Create the demo accounts, or give existing ones a new password; returns the logins in
    role order. Every department gets a handler (`department_code`'s is demo-department), so
    each seed item has someone to review it; a 财政局 gets a second one, so an item it owns can
    be approved by one person and finance-reviewed by another, and the office a second one, so
    a payout batch is made by one person and marked paid by another."""
    actor, clock = Actor.system("demo-up", via="cli"), Clock()
    logins = []
    with unit_of_work(engine) as db:
        code = department_code or _demo_department(db, actor)
        for account in _accounts(db, code):
            password = generate_password(12)
            user = repo.user_by_username(db, account.username)
            if user is None:
                user = service.create_user(
                    db, actor, clock, username=account.username,
                    display_name=account.display_name, role=account.role, password=password,
                    department_code=account.department_code,
                    enterprise_uscc=(enterprise_uscc or demo_uscc())
                    if account.role is Role.ENTERPRISE else None,
                )
            else:
                service.set_password(db, actor, clock, user, password)
            secret = None
            if mfa_policy.required_for(db, user):  # a fresh authenticator secret, printed
                secret = mfa.new_secret()
                mfa.enrol_directly(user, secret, clock.now())
            logins.append(DemoLogin(account.role, account.username, password,
                                    account.display_name, account.note, secret))
    return sorted(logins, key=lambda x: ROLE_ORDER.index(x.role))


def _accounts(db: Session, main_code: str) -> list[_Account]:
    accounts = []
    for role, (username, display_name) in DEMO_USERS.items():
        if role in IN_MAIN_DEPARTMENT:
            accounts.append(_Account(role, username, display_name, department_code=main_code))
        elif role is not Role.DEPARTMENT:
            accounts.append(_Account(role, username, display_name))
        if role is Role.OFFICE:  # a payout batch is made and marked paid by different people
            accounts.append(_Account(role, f"{username}-b", "演示营商办复核人",
                                     "营商办（第二人：兑付批次制作与标记已兑付分人办理）"))
    for dept in repo.departments_by_id(db):
        main = dept.code == main_code
        username = "demo-department" if main else f"demo-{dept.code}"
        accounts.append(_Account(Role.DEPARTMENT, username, f"{dept.name}经办人", dept.name,
                                 dept.code))
        if dept.is_finance_bureau:
            accounts.append(_Account(Role.DEPARTMENT, f"{username}-b", f"{dept.name}复核人",
                                     f"{dept.name}（第二人：审核与财政复核分人办理）", dept.code))
    return accounts


def _demo_department(db: Session, actor: Actor) -> str:
    first = repo.first_department_code(db)
    if first:
        return first
    service.create_department(db, actor, *DEMO_DEPARTMENT)
    return DEMO_DEPARTMENT[0]
