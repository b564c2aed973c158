"""Appeals referred by another domain: a blocked step of an investment project (项目代办).

The projects domain decides who may raise it (the project's agent or the office) and for which
department (the step's responsible one); here the appeal is raised with source 项目代办 and
dispatched at once to that department, as the office's standing instruction for project steps —
the department signs and answers it like any other appeal, on the category's deadlines.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from huiqi.appeals import lifecycle
from huiqi.appeals.access import require_writer
from huiqi.appeals.intake import AppealIn, create
from huiqi.appeals.state import ActionNotAllowed
from huiqi.appeals.vocab import AppealAction, Source
from huiqi.appeals.vocab import Role as AppealRole
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import ValidationFailed
from huiqi.models.appeal import Appeal
from huiqi.models.user import Role
from huiqi.registry.service import InvalidUSCC, validate_uscc

REFERRERS = (Role.AGENT, Role.OFFICE)


def refer(session: Session, actor: Actor, clock: Clock, data: AppealIn, department: str
          ) -> Appeal:
    """Raise a 项目代办 appeal and dispatch it to `department` (code or name)."""
    require_writer(actor)
    if actor.role not in REFERRERS:
        raise ActionNotAllowed(f"「{actor.role_label}」不能为项目环节提出诉求。")
    try:
        uscc = validate_uscc(data.enterprise_uscc or "")
    except InvalidUSCC:
        raise ValidationFailed("项目尚未登记有效的企业统一社会信用代码，请先补充后再提出诉求。",
                               details={"field": "enterprise_uscc"}) from None
    appeal = create(session, actor, clock, replace(data, source=Source.PROJECT),
                    AppealRole.OFFICE, Source.PROJECT, uscc)
    return lifecycle.apply(session, actor, clock, appeal, AppealAction.DISPATCH,
                           {"lead_department": department, "note": "项目代办环节受阻，直接交办"},
                           as_role=AppealRole.OFFICE)
