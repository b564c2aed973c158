"""Timeline events, actor labels and the notifications every step sends."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor, actor_label
from huiqi.grants import access, enterprises
from huiqi.grants.repositories import applications as app_repo
from huiqi.models.application import Application
from huiqi.models.application_event import ApplicationEvent
from huiqi.models.user import Role
from huiqi.notify.service import notify

KIND_LABELS = {"submit": "提交申报", "accept": "受理", "accept_with_gaps": "容缺受理",
               "upload": "上传材料", "supply": "材料补齐", "approve": "审核通过",
               "finance_approve": "财政复核通过", "reject": "驳回", "withdraw": "撤回",
               "remind": "补齐提醒", "lapse": "逾期失效", "pay": "已兑现",
               "first_approve": "第一审批人通过（待第二审批人）", "objection": "公示异议",
               "objection_decide": "异议处理", "decline": "企业放弃"}
APP_FIELDS = ("status", "approved_amount", "proposed_amount", "missing_materials",
              "materials_due", "decision_reason", "amount_reason")


def label_of(session: Session, actor: Actor) -> str:
    """`auth.actor.actor_label`, with the department's name for a department's handler."""
    dept = access.scope(session, actor).department_name \
        if actor.role is Role.DEPARTMENT else None
    return actor_label(actor, dept)


def add_event(session: Session, app: Application, actor: Actor, kind: str, now: datetime, *,
              from_status: str | None = None, note: str | None = None,
              data: Mapping[str, Any] | None = None) -> ApplicationEvent:
    row = ApplicationEvent(
        application_id=app.id, at=now, kind=kind, from_status=from_status, to_status=app.status,
        actor_id=actor.user_id, actor_label=label_of(session, actor), note=note,
        data=audit.jsonable(dict(data)) if data else None)
    session.add(row)
    return row


def snapshot(app: Application) -> dict[str, Any]:
    return audit.snapshot(app, *APP_FIELDS)


def timeline(session: Session, application_id: int) -> list[ApplicationEvent]:
    return app_repo.timeline(session, application_id)


def link(app: Application) -> str:
    return f"/grants/applications/{app.id}"


def tell_enterprise(session: Session, app: Application, title: str, body: str, now: datetime
                    ) -> None:
    ids = enterprises.account_ids(session, app.enterprise_uscc)
    if ids:
        notify(session, ids, title, body, link(app), at=now)


def tell_department(session: Session, department: str | None, title: str, body: str,
                    target: str, now: datetime) -> None:
    if not department:
        return
    ids = app_repo.department_user_ids(session, department)
    if ids:
        notify(session, ids, title, body, target, at=now)
