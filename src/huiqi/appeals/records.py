"""Bridging rows and the pure state machine: an appeal's `AppealState` from its rows, the readable
timeline entry, and the audit snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.appeals import repository as repo
from huiqi.appeals.state import AppealState, PendingRequest
from huiqi.appeals.vocab import AppealAction, AppealStatus, Source
from huiqi.auth.actor import Actor, actor_label
from huiqi.models.appeal import Appeal, AppealEvent
from huiqi.models.user import Role

SNAPSHOT = ("status", "lead_department", "sign_due", "resolve_due", "escalated_to",
            "satisfaction", "force_closed", "merged_into_id", "reopen_count", "return_count",
            "extension_count")

EXTRA_KINDS = {"submitted": "提交诉求", "request_cancelled": "申请自动撤销",
               "resolve_due_changed": "办结时限调整", "merged_into": "合并至其他诉求",
               "merged_from": "合并重复诉求", "attachment": "上传附件",
               "attachments_moved": "附件随合并转移", "remind": "到期提醒",
               "overdue": "标记超期"}


def kind_label(kind: str) -> str:
    try:
        return AppealAction(kind).label
    except ValueError:
        return EXTRA_KINDS.get(kind, kind)


def state_of(session: Session, appeal: Appeal) -> AppealState:
    rows = repo.active_assignments(session, appeal.id)
    co = [r for r in rows if not r.lead]
    pending = repo.pending_requests(session, appeal.id)
    ret, ext = pending.get("return"), pending.get("extension")
    return AppealState(
        status=AppealStatus(appeal.status),
        source=Source(appeal.source),
        lead_department=appeal.lead_department,
        co_departments=tuple(r.department_name for r in co),
        responsibilities=tuple((r.department_name, r.responsibility) for r in rows
                               if r.responsibility),
        co_signed=frozenset(r.department_name for r in co if r.signed_at is not None),
        sign_due=appeal.sign_due,
        resolve_due=appeal.resolve_due,
        pending_return=PendingRequest(ret.reason) if ret else None,
        pending_extension=PendingRequest(ext.reason, ext.extra_workdays) if ext else None,
        escalated_to=appeal.escalated_to,
        reopen_count=appeal.reopen_count,
        return_count=appeal.return_count,
        extension_count=appeal.extension_count,
        satisfaction=appeal.satisfaction,
        force_closed=appeal.force_closed,
    )


def snapshot(appeal: Appeal) -> dict[str, Any]:
    return audit.snapshot(appeal, *SNAPSHOT)


def label_of(session: Session, actor: Actor) -> str:
    """`auth.actor.actor_label`, with the department's name for a department's handler."""
    from huiqi.appeals.access import department_name

    dept = department_name(session, actor) if actor.role is Role.DEPARTMENT else None
    return actor_label(actor, dept)


NOTE_KEYS = ("reason", "reply", "note", "comment")


def add_event(session: Session, appeal: Appeal, actor: Actor, kind: str, at: datetime, *,
              from_status: str | None = None, data: Mapping[str, Any] | None = None,
              note: str | None = None) -> AppealEvent:
    data = dict(data or {})
    if note is None:
        note = next((str(data[k]) for k in NOTE_KEYS if data.get(k)), None)
    row = AppealEvent(appeal_id=appeal.id, at=at, kind=kind, from_status=from_status,
                      to_status=appeal.status, actor_id=actor.user_id,
                      actor_label=label_of(session, actor), note=note,
                      data=audit.jsonable(data) if data else None)
    session.add(row)
    return row


def link(appeal: Appeal) -> str:
    return f"/appeals/{appeal.id}"
