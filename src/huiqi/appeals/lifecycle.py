"""Every lifecycle transition of an appeal, through the state machine, in one function:

    act(db, actor, clock, appeal_id, AppealAction.SIGN, {"note": "已签收"})

It loads the appeal through the access chokepoint (not yours → 404), derives the actor's role on
it, fills what the service knows (departments by code or name, deadlines from the category rule
and the working-day calendar, the co-handler's own department), runs `state.transition` (invalid
→ 409, wrong role → 403, bad payload → 422), then writes the rows, the timeline, the audit record
and the notifications, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.appeals import categories, notices, records
from huiqi.appeals import repository as repo
from huiqi.appeals.access import access_appeal, department_name, require_writer, role_on
from huiqi.appeals.deadlines import compute_deadlines, extend_resolve_due, local_date
from huiqi.appeals.payloads import InvalidPayload
from huiqi.appeals.state import ActionNotAllowed, AppealEvent, Transition, transition
from huiqi.appeals.vocab import AppealAction
from huiqi.appeals.vocab import Role as AppealRole
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.workdays import fallback_years
from huiqi.models.appeal import Appeal, AppealAssignment
from huiqi.models.appeal_followup import AppealEscalation, AppealRequest, AppealVisit
from huiqi.models.user import Role

A = AppealAction


def act(session: Session, actor: Actor, clock: Clock, appeal_id: int, action: AppealAction | str,
        payload: Mapping[str, object] | None = None) -> Appeal:
    require_writer(actor)
    action = _action(action)
    appeal = access_appeal(session, actor, appeal_id, for_update=True)
    return apply(session, actor, clock, appeal, action, payload)


def apply(session: Session, actor: Actor, clock: Clock, appeal: Appeal, action: AppealAction,
          payload: Mapping[str, object] | None = None, *, as_role: AppealRole | None = None
          ) -> Appeal:
    """`act` on an appeal already loaded (and locked) by the caller. `as_role`: the part the
    caller has decided the actor plays (a 项目代办 referral is dispatched as the office's
    standing instruction, referrals.py)."""
    state = records.state_of(session, appeal)
    role = as_role or role_on(session, actor, appeal, state)
    if role is None:
        raise ActionNotAllowed(_no_part(session, actor))
    now = clock.now()
    data = _prepare(session, appeal, action, role, dict(payload or {}), actor, now)
    tr = transition(state, action, role, data)
    before, previous = records.snapshot(appeal), appeal.status
    _persist(session, actor, appeal, action, tr, data, now)
    appeal.status = tr.state.status.value
    appeal.reopen_count, appeal.return_count = tr.state.reopen_count, tr.state.return_count
    appeal.extension_count = tr.state.extension_count
    appeal.updated_at = now
    for event in tr.events:
        extra = {k: v for k, v in event.data.items() if k not in ("role", "from", "to")}
        records.add_event(session, appeal, actor, event.kind, now, from_status=previous,
                          data=extra)
    audit.record(session, actor, f"appeal.{action.value}", appeal, before=before,
                 after={**records.snapshot(appeal), "role": role.value}, at=now)
    notices.after(session, appeal, action, data, now)
    return appeal


def _action(action: AppealAction | str) -> AppealAction:
    try:
        return AppealAction(action)
    except ValueError:
        known = "、".join(a.value for a in AppealAction)
        raise InvalidPayload(f"不认识的操作「{action}」，可选：{known}") from None


def _no_part(session: Session, actor: Actor) -> str:
    if actor.role is Role.DEPARTMENT:
        name = department_name(session, actor) or "贵部门"
        return f"该诉求当前未交办给「{name}」，不能办理。"
    return "您在该诉求中没有可办理的事项。"


# --- what the service fills in before the state machine checks the payload --------------------

def _prepare(session: Session, appeal: Appeal, action: AppealAction, role: AppealRole,
             data: dict[str, Any], actor: Actor, now: datetime) -> dict[str, Any]:
    if action is A.DISPATCH and role is AppealRole.OFFICE:
        return _prepare_dispatch(session, appeal, data, now)
    if action is A.CO_SIGN and role is AppealRole.CO_DEPARTMENT:
        data.setdefault("department", department_name(session, actor))
    if action is A.APPROVE_EXTENSION and role is AppealRole.OFFICE \
            and not data.get("resolve_due") and appeal.resolve_due is not None:
        pending = repo.pending_request(session, appeal.id, "extension")
        if pending and pending.extra_workdays:
            data["resolve_due"] = extend_resolve_due(
                appeal.resolve_due, pending.extra_workdays, categories.overrides(session))
    return data


def _department_name(session: Session, key: object, label: str) -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidPayload(f"请填写「{label}」")
    dept = repo.department_by_key(session, key.strip())
    if dept is None:
        raise InvalidPayload(f"{label}「{key}」不存在，请从部门列表中选择。",
                             details={"field": label, "value": key})
    return dept.name


def _prepare_dispatch(session: Session, appeal: Appeal, data: dict[str, Any], now: datetime
                      ) -> dict[str, Any]:
    data["lead_department"] = _department_name(session, data.get("lead_department"), "牵头部门")
    co = data.get("co_departments") or []
    if isinstance(co, list | tuple):
        data["co_departments"] = [_department_name(session, k, "协办部门") for k in co]
    duties = data.get("responsibilities") or {}
    if isinstance(duties, Mapping):
        data["responsibilities"] = {_department_name(session, k, "责任划分中的部门"): v
                                    for k, v in duties.items()}
    if not data.get("sign_due") or not data.get("resolve_due"):
        category = repo.category(session, appeal.category_id)
        assert category is not None  # FK
        due = compute_deadlines(now, categories.rule_of(category), categories.overrides(session))
        data["sign_due"] = data.get("sign_due") or due.sign_due
        data["resolve_due"] = data.get("resolve_due") or due.resolve_due
    return data


# --- writing the effects ----------------------------------------------------------------------

def _persist(session: Session, actor: Actor, appeal: Appeal, action: AppealAction,
             tr: Transition, data: Mapping[str, Any], now: datetime) -> None:
    new = tr.state
    if action is A.DISPATCH:
        _dispatch(session, appeal, tr, now)
    elif action is A.SIGN:
        _sign(session, appeal, new.lead_department, now)
        appeal.signed_at = now
    elif action is A.CO_SIGN:
        _sign(session, appeal, data["department"], now)
    elif action is A.REPLY:
        appeal.reply, appeal.replied_at = data["reply"], now
    elif action is A.REOPEN:
        appeal.replied_at = None  # the clock to resolve runs again
    elif action is A.CONFIRM:
        appeal.resolved_at = appeal.replied_at or now
    elif action is A.VISIT:
        session.add(AppealVisit(appeal_id=appeal.id, satisfaction=data["satisfaction"],
                                comment=data.get("comment"), visited_by=actor.user_id,
                                visited_at=now))
        appeal.satisfaction = new.satisfaction
    elif action in (A.CLOSE, A.FORCE_CLOSE):
        appeal.closed_at = now
        appeal.force_closed = new.force_closed
        appeal.close_reason = data.get("reason") or data.get("note")
        appeal.resolved_at = appeal.resolved_at or now
    elif action in (A.REQUEST_RETURN, A.REQUEST_EXTENSION):
        session.add(AppealRequest(
            appeal_id=appeal.id, kind="return" if action is A.REQUEST_RETURN else "extension",
            status="pending", reason=data["reason"], extra_workdays=data.get("extra_workdays"),
            department_id=actor.department_id, requested_by=actor.user_id, requested_at=now,
            old_due=appeal.resolve_due))
    elif action in (A.APPROVE_RETURN, A.REFUSE_RETURN, A.APPROVE_EXTENSION, A.REFUSE_EXTENSION):
        _decide(session, actor, appeal, action, data, now)
    elif action is A.ESCALATE:
        session.add(AppealEscalation(appeal_id=appeal.id, lead_official=data["lead_official"],
                                     reason=data["reason"], created_by=actor.user_id,
                                     created_at=now))
        appeal.escalated_to = new.escalated_to
    _cancel_lapsed(session, appeal, tr.events, now)


def _dispatch(session: Session, appeal: Appeal, tr: Transition, now: datetime) -> None:
    new = tr.state
    duties = dict(new.responsibilities)
    names = [new.lead_department, *new.co_departments]
    round_no = appeal.return_count + 1
    for name in names:
        dept = repo.department_by_key(session, name or "")
        assert dept is not None  # resolved in _prepare_dispatch
        session.add(AppealAssignment(
            appeal_id=appeal.id, department_id=dept.id, department_name=dept.name,
            lead=name == new.lead_department, responsibility=duties.get(dept.name),
            dispatch_round=round_no, active=True, assigned_at=now))
        if name == new.lead_department:
            appeal.lead_department_id, appeal.lead_department = dept.id, dept.name
    appeal.dispatched_at = now
    appeal.sign_due, appeal.resolve_due = new.sign_due, new.resolve_due
    assert new.resolve_due is not None
    appeal.calendar_fallback = bool(fallback_years(local_date(now), new.resolve_due))
    appeal.signed_at = appeal.replied_at = None
    appeal.sign_overdue = appeal.resolve_overdue = False


def _sign(session: Session, appeal: Appeal, department: str | None, now: datetime) -> None:
    for row in repo.active_assignments(session, appeal.id):
        if row.department_name == department and row.signed_at is None:
            row.signed_at = now


def _decide(session: Session, actor: Actor, appeal: Appeal, action: AppealAction,
            data: Mapping[str, Any], now: datetime) -> None:
    kind = "return" if action in (A.APPROVE_RETURN, A.REFUSE_RETURN) else "extension"
    request = repo.pending_request(session, appeal.id, kind)
    assert request is not None  # the state machine checked there is one
    approved = action in (A.APPROVE_RETURN, A.APPROVE_EXTENSION)
    request.status = "approved" if approved else "refused"
    request.decided_by, request.decided_at = actor.user_id, now
    request.decision_note = data.get("note") or data.get("reason")
    if action is A.APPROVE_RETURN:
        for row in repo.active_assignments(session, appeal.id):
            row.active = False
        appeal.lead_department_id = appeal.lead_department = None
        appeal.dispatched_at = appeal.signed_at = None
        appeal.sign_due = appeal.resolve_due = None
        appeal.sign_overdue = appeal.resolve_overdue = False
    elif action is A.APPROVE_EXTENSION:
        request.new_due = data["resolve_due"]
        appeal.resolve_due = data["resolve_due"]
        appeal.resolve_overdue = local_date(now) > data["resolve_due"]


def _cancel_lapsed(session: Session, appeal: Appeal, events: tuple[AppealEvent, ...],
                   now: datetime) -> None:
    for event in events:
        if event.kind != "request_cancelled":
            continue
        kind = "return" if event.data["request"] == A.REQUEST_RETURN.value else "extension"
        request = repo.pending_request(session, appeal.id, kind)
        if request is not None:
            request.status, request.decided_at = "cancelled", now
