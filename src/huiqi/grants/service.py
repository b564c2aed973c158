"""The grants closed loop (申报—审核—兑现—公示—评估): what other domains, views and the CLI call.

Every function takes the session and the acting `Actor`, checks object-level access through
`grants.access`, writes its audit rows in the caller's transaction and flushes at most; the
caller's unit of work commits. Errors are `HuiqiError`s with Chinese messages (404 for missing
or forbidden alike, 409 for an invalid step, 422 for bad input, 413 for an oversized upload).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.grants.access import access_application, access_grant, visible_applications
from huiqi.grants.applications import (
    BankInfo,
    UploadIn,
    materials,
    open_material,
    submit,
    timeline,
    upload_material,
    withdraw,
)
from huiqi.grants.autogrant import (
    Candidate,
    ConfirmResult,
    confirm,
    decline,
    eligible_in_registry,
    finance_confirm,
    generate,
)
from huiqi.grants.budget import BudgetView, set_total
from huiqi.grants.evaluations import record as evaluate_grant
from huiqi.grants.ledgers import LedgerFilter
from huiqi.grants.payouts import cancel as cancel_batch
from huiqi.grants.payouts import create_batch, mark_paid
from huiqi.grants.payouts import export as export_batch
from huiqi.grants.publicity import public_list, public_name
from huiqi.grants.review import accept, accept_with_gaps, approve, finance_approve, reject
from huiqi.grants.standing import Standing, standings
from huiqi.grants.states import Action, Status
from huiqi.grants.tasks import tick

__all__ = [
    "Action", "BankInfo", "BudgetView", "Candidate", "ConfirmResult",
    "LedgerFilter", "Standing", "Status", "UploadIn", "accept", "accept_with_gaps",
    "access_application",
    "access_grant", "approve", "cancel_batch", "confirm", "create_batch", "decline",
    "eligible_in_registry", "evaluate_grant", "export_batch", "finance_approve",
    "finance_confirm", "generate", "mark_paid", "materials", "open_material",
    "public_list", "public_name", "reject", "set_total", "standings", "submit", "tick", "timeline",
    "upload_material", "visible_applications", "withdraw",
]


# --- the ledgers' queries for other domains (insights: dashboards, weekly report) -------------

def applications_query(session: Session, actor: Actor, flt: LedgerFilter) -> Select[Any]:
    """The 申报台账's statement (narrowed to what the actor may see, filtered)."""
    from huiqi.grants import ledgers

    return ledgers.applications_query(session, actor, flt)


def grants_query(session: Session, actor: Actor, flt: LedgerFilter) -> Select[Any]:
    """The 兑现台账's statement (narrowed to what the actor may see, filtered)."""
    from huiqi.grants import ledgers

    return ledgers.grants_query(session, actor, flt)


def budget_views(session: Session, actor: Actor, flt: LedgerFilter
                 ) -> list[tuple[str, BudgetView]]:
    """(item title, budget view) per item-year of the 预算台账."""
    from huiqi.grants import ledgers

    return ledgers.budget_views(session, actor, flt)
