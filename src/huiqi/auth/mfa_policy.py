"""Who must use a second factor (等保 8.1.4.1d: administrators and those who move money): the
office, the three administrators, and the finance bureau's handlers (财政局经办人: department
accounts of a 财政局, who do the 财政复核 of grants and confirm 免申即享 lists). Others may enrol.

Finance is not a role: it is a department account whose department is the finance bureau, so
the decision is per account (`required_for`), not per role."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huiqi.auth import repository as repo
from huiqi.models.user import ROLE_LABELS, Role, User

MFA_ROLES = (Role.OFFICE, Role.AUDITOR, Role.SYSADMIN, Role.SECURITY)  # whatever the department
FINANCE_HANDLERS = "财政局经办人"


def role_requires(role: str | Role) -> bool:
    """The role alone requires it (a department account may still: see `required_for`)."""
    return str(getattr(role, "value", role)) in {r.value for r in MFA_ROLES}


def required_for(db: Session, user: User) -> bool:
    """Whether this account must pass a second factor to log in."""
    if role_requires(user.role):
        return True
    if user.role != Role.DEPARTMENT.value or user.department_id is None:
        return False
    department = repo.department_by_id(db, user.department_id)
    return department is not None and department.is_finance_bureau


def described() -> str:
    """For the security settings page: "营商办、…，以及财政局经办人（…）"."""
    roles = "、".join(ROLE_LABELS[r] for r in MFA_ROLES)
    return f"{roles}，以及{FINANCE_HANDLERS}（所属部门为财政局的部门经办人）"
