"""Department and finance review: 受理, 容缺受理, 审核通过 (lower only, with a reason),
财政复核, 驳回.

Each step locks the application (and, when money moves, the item-year budget row) first, so two
handlers acting at once see each other's result: the second gets a 409 with the current state.

Every step applies the policy version the application was submitted under
(`policies.service.get_applied`), also after the policy was withdrawn or a new version published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.grants import access, awards, budget, duties, enterprises, events
from huiqi.grants.budget import BudgetView
from huiqi.grants.states import Action, Status, check
from huiqi.kit.clock import Clock
from huiqi.kit.errors import PermissionDenied, ValidationFailed
from huiqi.kit.workdays import add_workdays, provisional_note
from huiqi.models.application import Application
from huiqi.models.grant import Grant
from huiqi.models.user import Role
from huiqi.policies import service as policies

SYSTEM_CLOCK = Clock()
DEFAULT_GAP_WORKDAYS = 5
MAX_GAP_WORKDAYS = 60


@dataclass(frozen=True)
class Preview:
    """What a reviewer sees before deciding: the engine's verdict now and the budget left."""

    eligible: bool | None
    engine_amount: Decimal | None
    failed: list[str]
    missing: list[str]
    budget: BudgetView
    year_cap: Decimal | None


def preview(session: Session, actor: Actor, application_id: int) -> Preview:
    app = access.access_application(session, actor, application_id)
    item = policies.get_applied(session, app.item_id, app.policy_version).item
    outcome = awards.engine_outcome(session, app, item)
    view = budget.view(session, app.item_id, app.year, item.budget_per_year)
    return Preview(outcome.eligible, outcome.amount, outcome.failed, outcome.missing, view,
                   outcome.caps.get("per_year"))


def _as_department(session: Session, actor: Actor, application_id: int) -> Application:
    access.serialize_writes(session)
    app = access.access_application(session, actor, application_id, for_update=True)
    access.require_role(actor, Role.DEPARTMENT)
    if not access.is_department_reviewer(session, actor, app):
        raise PermissionDenied(f"该申报由“{app.department}”审核，您的部门不能办理此步骤。")
    return app


def accept(session: Session, actor: Actor, application_id: int, note: str | None = None, *,
           clock: Clock = SYSTEM_CLOCK) -> Application:
    app = _as_department(session, actor, application_id)
    return _move(session, actor, app, Action.ACCEPT, clock.now(), note=note,
                 tell=("申报已受理", f"您申报的“{app.item_title}”已受理，正在审核。"))


def accept_with_gaps(
    session: Session, actor: Actor, application_id: int, missing: Sequence[str], *,
    due: date | None = None, workdays: int | None = None, note: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> Application:
    """容缺受理: accept now; the named materials are owed by the due date (inclusive)."""
    names = list(dict.fromkeys(m.strip() for m in missing if m and m.strip()))
    if not names:
        raise ValidationFailed("容缺受理须写明需补齐的材料。")
    if any(len(m) > 100 for m in names):
        raise ValidationFailed("材料名称不能超过 100 字。")
    today, provisional = clock.today_local(), ""
    if due is None:
        days = DEFAULT_GAP_WORKDAYS if workdays is None else workdays
        if not 1 <= days <= MAX_GAP_WORKDAYS:
            raise ValidationFailed(f"补齐期限须为 1–{MAX_GAP_WORKDAYS} 个工作日。")
        due = add_workdays(today, days)
        provisional = "（暂定：该年放假安排尚未公布，按法定节假日推算）" if provisional_note(
            today, due) else ""
    elif due <= today:
        raise ValidationFailed(f"补齐截止日期须晚于今天（{today.isoformat()}）。")
    app = _as_department(session, actor, application_id)
    app.missing_materials, app.materials_due, app.reminded_on = names, due, None
    body = (f"您申报的“{app.item_title}”已容缺受理。"
            f"请于 {due.isoformat()}{provisional}（含当日）前补齐："
            f"{'、'.join(names)}。可在申报详情页在线上传，也可到窗口提交；逾期未补齐申报将失效。")
    return _move(session, actor, app, Action.ACCEPT_WITH_GAPS, clock.now(), note=note,
                 data={"missing": names, "due": due}, tell=("容缺受理：请补齐材料", body))


def approve(session: Session, actor: Actor, application_id: int, *,
            amount: Decimal | None = None, reason: str | None = None,
            clock: Clock = SYSTEM_CLOCK) -> Application:
    """审核通过 at the engine's amount (or lower, with a reason). Finance-reviewed items reserve
    the budget and wait for 财政复核; others are granted at once."""
    app = _as_department(session, actor, application_id)
    target = check(app.status, Action.APPROVE, finance_review=app.finance_department is not None)
    iv, now = policies.get_applied(session, app.item_id, app.policy_version), clock.now()
    outcome = awards.engine_outcome(session, app, iv.item)
    engine = awards.require_eligible(outcome, iv.item)
    final, why = awards.decide_amount(engine, amount, reason)
    if app.first_approved_by is not None:  # the second approver: another person, ≤ the first
        duties.require_other(session, actor, app, [app.first_approved_by], "second_approve",
                             "该申报金额超过营商办设定的门槛，须由本部门另一名审批人复核审批；"
                             "您已做过第一次审批，不能再次审批。")
        final, why = awards.decide_amount(min(engine, app.first_approved_amount or engine),
                                          amount, reason, "第一审批人审核金额")
    elif _needs_second(session, final):
        return _first_approval(session, actor, app, final, why, now)
    enterprises.lock(session, [app.enterprise_uscc])  # lock order: application, enterprise, budget
    awards.check_exclusions(session, iv.item, app.enterprise_uscc, app.year)
    acct = budget.account(session, app.item_id, app.year, iv.item.budget_per_year, now, lock=True)
    awards.check_year_cap(session, app, outcome, final)
    budget.reserve(session, actor, acct, final, app, now)
    app.engine_amount, app.amount_reason = engine, why
    data = {"engine_amount": engine, "amount": final, "reason": why}
    if target is Status.FINANCE_REVIEW:
        app.proposed_amount = final
        tell = ("部门审核通过", f"您申报的“{app.item_title}”已通过部门审核"
                f"（拟支持 {final} 元），待财政复核。")
        moved = _move(session, actor, app, Action.APPROVE, now, data=data, note=why,
                      finance=True, tell=tell)
        events.tell_department(session, app.finance_department, "待财政复核的申报",
                               f"{app.enterprise_name}“{app.item_title}”拟支持 {final} 元，"
                               "请复核。", events.link(app), now)
        return moved
    budget.commit(session, actor, acct, final, app, now)
    return _grant(session, actor, app, final, now, Action.APPROVE, data, why)


def _needs_second(session: Session, amount: Decimal) -> bool:
    threshold = duties.second_approval_above(session)
    return threshold is not None and amount > threshold


def _first_approval(session: Session, actor: Actor, app: Application, amount: Decimal,
                    why: str | None, now: datetime) -> Application:
    """Above the threshold the first approval only records the amount; a second approver of the
    department (another person) makes the approval."""
    before = events.snapshot(app)
    app.first_approved_by, app.first_approved_amount, app.first_approved_at = (
        actor.user_id, amount, now)
    app.amount_reason, app.updated_at = why, now
    audit.record(session, actor, "grants.application_first_approve", app, before=before,
                 after={**events.snapshot(app), "first_approved_amount": amount}, at=now)
    events.add_event(session, app, actor, "first_approve", now, from_status=app.status,
                     note=f"拟支持 {amount} 元，超过第二审批人门槛，待本部门另一名审批人审批",
                     data={"amount": amount, "reason": why})
    events.tell_department(session, app.department, "待第二审批人审批",
                           f"{app.enterprise_name}“{app.item_title}”拟支持 {amount} 元，"
                           "须由另一名审批人审批。", events.link(app), now)
    return app


def finance_approve(session: Session, actor: Actor, application_id: int, *,
                    amount: Decimal | None = None, reason: str | None = None,
                    clock: Clock = SYSTEM_CLOCK) -> Application:
    """财政复核通过: at the department's amount or lower (with a reason)."""
    app = _as_finance(session, actor, application_id)
    check(app.status, Action.FINANCE_APPROVE)
    _not_the_approver(session, actor, app)
    proposed, now = app.proposed_amount or Decimal(0), clock.now()
    final, why = awards.decide_amount(proposed, amount, reason, "部门审核金额")
    iv = policies.get_applied(session, app.item_id, app.policy_version)
    enterprises.lock(session, [app.enterprise_uscc])
    awards.check_exclusions(session, iv.item, app.enterprise_uscc, app.year)
    acct = budget.account(session, app.item_id, app.year, iv.item.budget_per_year, now, lock=True)
    budget.commit(session, actor, acct, final, app, now)
    budget.release(session, actor, acct, proposed - final, app, now, note="财政复核调减")
    if why:
        app.amount_reason = "；".join(r for r in (app.amount_reason, f"财政复核：{why}") if r)
    data = {"proposed_amount": proposed, "amount": final, "reason": why}
    return _grant(session, actor, app, final, now, Action.FINANCE_APPROVE, data, why)


def _not_the_approver(session: Session, actor: Actor, app: Application) -> None:
    duties.require_other(session, actor, app, duties.department_approvers(session, app),
                         "finance_review", "您已在部门审核中审批过该申报，财政复核须由另一人办理"
                         "（审批与复核分离）。")


def _as_finance(session: Session, actor: Actor, application_id: int) -> Application:
    access.serialize_writes(session)
    app = access.access_application(session, actor, application_id, for_update=True)
    access.require_role(actor, Role.DEPARTMENT)
    if not access.is_finance_reviewer(session, actor, app):
        raise PermissionDenied(f"财政复核由“{app.finance_department or '财政部门'}”办理。")
    return app


def reject(session: Session, actor: Actor, application_id: int, reason: str, *,
           clock: Clock = SYSTEM_CLOCK) -> Application:
    """驳回 with a reason; at 财政复核 the finance bureau rejects, releasing the reservation."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("驳回须填写理由，企业将看到该理由。")
    access.serialize_writes(session)
    app = access.access_application(session, actor, application_id, for_update=True)
    access.require_role(actor, Role.DEPARTMENT)
    at_finance = Status(app.status) is Status.FINANCE_REVIEW
    allowed = access.is_finance_reviewer if at_finance else access.is_department_reviewer
    if not allowed(session, actor, app):
        raise PermissionDenied("您的部门不能办理此步骤。")
    if at_finance:
        _not_the_approver(session, actor, app)
    check(app.status, Action.REJECT)
    now = clock.now()
    if at_finance and app.proposed_amount:
        iv = policies.get_applied(session, app.item_id, app.policy_version)
        acct = budget.account(session, app.item_id, app.year, iv.item.budget_per_year, now,
                              lock=True)
        budget.release(session, actor, acct, app.proposed_amount, app, now, note="财政复核驳回")
        app.proposed_amount = None
    app.decision_reason, app.decided_at = reason, now
    return _move(session, actor, app, Action.REJECT, now, note=reason,
                 tell=("申报未通过", f"您申报的“{app.item_title}”未通过审核。理由：{reason}"))


def _grant(session: Session, actor: Actor, app: Application, amount: Decimal, now: datetime,
           action: Action, data: dict[str, object], why: str | None) -> Application:
    app.approved_amount, app.proposed_amount, app.decided_at = amount, None, now
    grant: Grant = awards.create_grant(session, actor, app, amount, now)
    note = f"批准金额 {amount} 元" + (f"（调减理由：{why}）" if why else "")
    tell = ("申报已批准", f"您申报的“{app.item_title}”已批准，金额 {amount} 元，待兑付后到账。")
    if app.source == "auto":
        tell = ("免申即享：政策资金已确认", f"经部门确认，贵单位符合“{app.item_title}”，"
                f"无需申报即可享受 {amount} 元，待兑付后到账。")
    return _move(session, actor, app, action, now, note=note, data={**data, "grant_id": grant.id},
                 tell=tell)


def _move(session: Session, actor: Actor, app: Application, action: Action, now: datetime, *,
          note: str | None = None, data: dict[str, object] | None = None, finance: bool = False,
          tell: tuple[str, str] | None = None) -> Application:
    before, previous = events.snapshot(app), app.status
    app.status = check(previous, action, finance_review=finance).value
    app.updated_at = now
    audit.record(session, actor, f"grants.application_{action.value}", app, before=before,
                 after=events.snapshot(app), at=now)
    events.add_event(session, app, actor, action.value, now, from_status=previous,
                     note=(note or "").strip() or None, data=data)
    if tell and (app.source == "apply" or Status(app.status) is Status.APPROVED):
        events.tell_enterprise(session, app, tell[0], tell[1], now)
    return app
