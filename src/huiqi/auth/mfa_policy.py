"""Which roles must use a second factor (等保 8.1.4.1d: administrators and those who move money):
the office, finance, and the three administrators. Others may enrol."""

from __future__ import annotations

from huiqi.models.user import Role

_REQUIRED = {"office", "finance", "security", "sysadmin", "auditor"}  # finance: when it exists
MFA_ROLES = frozenset(r for r in Role if r.value in _REQUIRED)


def required_for(role: str | Role) -> bool:
    return str(getattr(role, "value", role)) in _REQUIRED
