"""The grants panel on each role's home page: what is waiting for this person, with links."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.grants import access
from huiqi.grants.states import Status
from huiqi.models.application import Application
from huiqi.models.grant import Grant
from huiqi.models.payout_line import PayoutLine
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
    sub = access.visible_applications(db, actor).subquery()
    counts = dict(db.execute(select(sub.c.status, func.count()).group_by(sub.c.status)).all())
    rows = [(s, int(counts.get(s.value, 0))) for s in ROWS.get(actor.role, [])]
    out: dict[str, Any] = {"rows": rows}
    if actor.role is Role.OFFICE:
        pending = select(func.count(), func.sum(Grant.amount)).select_from(Grant).outerjoin(
            PayoutLine, PayoutLine.grant_id == Grant.id).where(
            Grant.status == "approved", PayoutLine.id.is_(None))
        n, total = db.execute(pending).one()
        out["unpaid"] = (int(n), total or ZERO)
    if actor.role is Role.ENTERPRISE:
        paid = select(func.sum(Grant.amount)).where(
            Grant.enterprise_uscc == (actor.enterprise_uscc or ""), Grant.status == "paid")
        out["paid_total"] = db.scalar(paid) or ZERO
    out["due_soon"] = [a for a in db.scalars(
        access.visible_applications(db, actor).where(
            Application.status == Status.PENDING_MATERIALS.value)
        .order_by(Application.materials_due).limit(5))]
    return out


def register() -> None:
    for role in ROWS:
        register_panel(Panel(role, "grants/_home_panel.html", context, order=20))
