"""The bank account number of an application, in full: shown masked everywhere (except in the
bank file the office hands to the bank), revealed on an explicit, audited request (显示完整号码)
by the staff who handle the payout or review the application."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.grants.access import NOT_FOUND, access_application
from huiqi.kit.errors import NotFound
from huiqi.models.user import Role

REVEAL_ROLES = frozenset({Role.OFFICE, Role.DEPARTMENT})


def reveal_bank_account(session: Session, actor: Actor, application_id: int) -> str:
    if actor.role not in REVEAL_ROLES:
        raise NotFound(NOT_FOUND)
    application = access_application(session, actor, application_id)
    audit.record(session, actor, "pii.reveal", application,
                 after={"field": "银行账号"})  # never the number itself
    return application.bank_account or ""
