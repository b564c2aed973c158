"""An appeal's contact phone, in full: masked on pages and in the 四单 exports, revealed on an
explicit, audited request (显示完整号码) by the staff working on the appeal."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.appeals.access import NOT_FOUND, access_appeal
from huiqi.auth.actor import Actor
from huiqi.kit.errors import NotFound
from huiqi.models.user import Role

REVEAL_ROLES = frozenset({Role.OFFICE, Role.DEPARTMENT, Role.LIAISON})


def reveal_contact_phone(session: Session, actor: Actor, appeal_id: int) -> str:
    if actor.role not in REVEAL_ROLES:
        raise NotFound(NOT_FOUND)
    appeal = access_appeal(session, actor, appeal_id)
    audit.record(session, actor, "pii.reveal", appeal, after={"field": "联系电话"})
    return appeal.contact_phone or ""
