"""The grants panel on each role's home page: what is waiting for this person, with links."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.grants import access
from huiqi.grants.repositories import awarded as awarded_repo
from huiqi.grants.states import Status
from huiqi.models.user import Role
from huiqi.ui.dashboard import Panel, register_panel

ZERO = Decimal("0.00")
ROWS = {
    Role.ENTERPRISE: [Status.PENDING_MATERIALS, Status.SUBMITTED, Status.UNDER_REVIEW,
                      Status.FINANCE_REVIEW, Status.APPROVED, Status.PAID],
    Role.DEPARTMENT: [Status.SUBMITTED, Status.UNDER_REVIEW, Status.PENDING_MATERIALS,
                      Status.FINANCE_REVIEW],
    Role.OFFICE: [Status.SUBMITTED, Status.UNDER_REVIEW, Status.PENDING_MATERIALS,
                  Status.FINANCE_REVIEW, Status.APPROVED],
}


def context(db: Session, actor: Actor) -> dict[str, Any]:
    counts = awarded_repo.status_counts(db, access.visible_applications(db, actor))
    rows = [(s, int(counts.get(s.value, 0))) for s in ROWS.get(actor.role, [])]
    out: dict[str, Any] = {"rows": rows}
    if actor.role is Role.OFFICE:
        n, total = awarded_repo.unpaid(db)
        out["unpaid"] = (n, total or ZERO)
    if actor.role is Role.ENTERPRISE:
        out["paid_total"] = awarded_repo.paid_total(db, actor.enterprise_uscc or "") or ZERO
    out["due_soon"] = awarded_repo.due_soonest(db, access.visible_applications(db, actor),
                                               Status.PENDING_MATERIALS.value, 5)
    return out


def register() -> None:
    for role in ROWS:
        register_panel(Panel(role, "grants/_home_panel.html", context, order=20))
