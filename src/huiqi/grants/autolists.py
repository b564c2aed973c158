"""免申即享 that can be audited: frozen rows, regeneration with a diff, 公示 with objections.

- Each row of a generated list freezes the facts it was computed from (the item's fields, as
  text, in `facts`), the rule version (`policy_version`) and the amount (`estimated_amount`,
  the engine's on those facts). The amount granted is that amount: a row whose facts have
  changed since is refused at confirmation ("请重新生成名单").
- `regenerate` replaces a list's open rows by a fresh evaluation and records who was added,
  removed or changed, and why (`AutoGrantList.changes`).
- `publish` starts the 公示 (enterprise name and amount) for the office's number of working
  days (duties.publicity_workdays). During it the enterprise may decline or object, and anyone
  logged in may raise a concern. The step that grants (finance confirmation; department
  confirmation when the item has no 财政复核) waits for the 公示 to end, and a row under
  objection waits for a recorded decision (`decide`): it is not granted, hence not paid, before.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.grants import access, budget, duties, enterprises, events
from huiqi.grants.repositories import lists as lists_repo
from huiqi.grants.states import ACTIVE, Action, Status, check
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, NotFound, ValidationFailed
from huiqi.kit.workdays import add_workdays
from huiqi.models.application import Application
from huiqi.models.auto_grant_list import AutoGrantList
from huiqi.models.user import Role
from huiqi.policies import service as policies
from huiqi.registry.service import load_catalog, to_text
from huiqi.rules import Item, Outcome, evaluate

OPEN = "open"


def frozen_facts(session: Session, item: Item, uscc: str) -> dict[str, str]:
    """The enterprise's facts the item reads, as text: what a row is computed from."""
    facts = enterprises.facts(session, uscc)
    return {name: text for name in item.fields
            if (text := to_text(facts.get(name))) is not None}


def evaluate_frozen(item: Item, facts: dict[str, str], as_of: date) -> Outcome:
    return evaluate(item, facts, as_of)


def changed_fields(session: Session, item: Item, app: Application) -> list[str]:
    now = frozen_facts(session, item, app.enterprise_uscc)
    then = app.facts or {}
    return sorted(k for k in set(now) | set(then) if now.get(k) != then.get(k))


def labels(names: list[str]) -> list[str]:
    """Field names as the catalog labels them (what a person reads)."""
    catalog = load_catalog()
    return [spec.label if (spec := catalog.get(n)) else n for n in names]


def check_row(session: Session, app: Application, listing: AutoGrantList, today: date, *,
              granting: bool) -> None:
    """Refuse (409) a row whose facts changed, that is under objection, or — for the step that
    grants — whose list has not finished its 公示."""
    if listing.superseded_by is not None:
        raise Conflict(f"该名单已被重新生成的名单（第 {listing.superseded_by} 号）取代。")
    item = policies.get_applied(session, app.item_id, app.policy_version).item
    changed = changed_fields(session, item, app)
    if changed:
        raise Conflict(f"{app.enterprise_name} 的企业信息在生成名单后有变化"
                       f"（{'、'.join(labels(changed))}），名单金额已不是按现有信息计算的金额，请重新生成名单。",
                       details={"changed": changed})
    if app.objection_status == OPEN:
        raise Conflict(f"{app.enterprise_name} 的名单行有待处理的公示异议，须先记录处理结果。")
    if granting and (listing.publicity_until is None or today <= listing.publicity_until):
        until = listing.publicity_until
        raise Conflict("名单须公示期满后才能确认兑现" + (
            f"（公示至 {until.isoformat()}）。" if until else "，请先发布公示。"))


def publish(session: Session, actor: Actor, list_id: int, *, clock: Clock) -> AutoGrantList:
    access.require_role(actor, Role.OFFICE)
    access.serialize_writes(session)
    listing = _list(session, list_id, for_update=True)
    if listing.publicity_from is not None:
        raise Conflict(f"名单已于 {listing.publicity_from.isoformat()} 发布公示。")
    if listing.superseded_by is not None:
        raise Conflict("该名单已被重新生成的名单取代，请公示新名单。")
    today, days = clock.today_local(), duties.publicity_workdays(session)
    before = audit.snapshot(listing, "publicity_from", "publicity_until")
    listing.publicity_from, listing.publicity_until = today, add_workdays(today, days)
    listing.published_by = actor.user_id
    audit.record(session, actor, "grants.auto_list_publish", listing, before=before,
                 after={**audit.snapshot(listing, "publicity_from", "publicity_until"),
                        "workdays": days}, at=clock.now())
    return listing


def public_rows(session: Session, list_id: int) -> tuple[AutoGrantList, list[Application]]:
    """What the 公示 shows: the published list's open rows (enterprise name, amount)."""
    listing = lists_repo.auto_list(session, list_id)
    if listing is None or listing.publicity_from is None:
        raise NotFound("公示名单不存在。")
    return listing, lists_repo.rows_in(session, list_id, [s.value for s in ACTIVE])


def lists_in_publicity(session: Session, today: date) -> list[AutoGrantList]:
    """The lists under 公示 today (published, period not over, not replaced), newest first."""
    return lists_repo.in_publicity(session, today)


def open_objections(session: Session, actor: Actor) -> list[tuple[Application, AutoGrantList]]:
    """Rows held by an open objection or concern that `actor` may decide: the office all, a
    department those of its items; the auditor reads them all."""
    if actor.role not in (Role.DEPARTMENT, *access.STAFF_READ):
        raise NotFound("页面不存在，或您没有访问权限。")
    return [(app, listing) for app, listing in lists_repo.held_rows(session, OPEN)
            if actor.role is not Role.DEPARTMENT
            or access.is_department_reviewer(session, actor, app)]


def raise_objection(session: Session, actor: Actor, application_id: int, kind: str, note: str,
                    *, clock: Clock) -> Application:
    """During the 公示: the enterprise declines (`decline`) or objects (`objection`); anyone
    logged in raises a concern (`concern`). An objection or concern holds the row."""
    note = (note or "").strip()
    if kind not in ("decline", "objection", "concern"):
        raise ValidationFailed("请选择放弃、异议或反映问题。")
    if kind != "decline" and not note:
        raise ValidationFailed("请写明异议或问题的内容。")
    access.serialize_writes(session)
    app = lists_repo.row_locked(session, application_id)
    listing = lists_repo.auto_list(session, app.auto_list_id) if app and app.auto_list_id \
        else None
    if app is None or listing is None or listing.publicity_from is None:
        raise NotFound("公示名单中没有该企业。")
    own = actor.role is Role.ENTERPRISE and actor.enterprise_uscc == app.enterprise_uscc
    if kind != "concern" and not own:
        raise NotFound("公示名单中没有该企业。")
    today, now = clock.today_local(), clock.now()
    if not listing.publicity_from <= today <= (listing.publicity_until or today):
        raise Conflict("不在公示期内，不能提出异议或放弃。")
    if Status(app.status) not in ACTIVE or Status(app.status) is Status.APPROVED:
        raise Conflict("该名单行已办结，不能再提出异议。")
    before = events.snapshot(app)
    if kind == "decline":
        _close(session, actor, app, "企业放弃：" + (note or "企业在公示期内放弃"), now)
        audit.record(session, actor, "grants.auto_row_decline", app, before=before,
                     after=events.snapshot(app), at=now)
        events.add_event(session, app, actor, "decline", now, note=note or None)
        return app
    app.objection_status, app.objection_kind, app.objection_note = OPEN, kind, note[:2000]
    app.objection_decision = app.objection_decided_by = None
    app.updated_at = now
    audit.record(session, actor, "grants.auto_row_objection", app, before=before,
                 after={**events.snapshot(app), "kind": kind, "note": note}, at=now)
    events.add_event(session, app, actor, "objection", now, note=note,
                     data={"kind": kind})
    events.tell_department(session, app.department, "免申即享公示异议",
                           f"{app.enterprise_name}“{app.item_title}”收到公示"
                           f"{'异议' if kind == 'objection' else '问题反映'}，"
                           "请核实并记录处理结果。",
                           f"/grants/auto-lists/{listing.id}", now)
    return app


def decide(session: Session, actor: Actor, application_id: int, upheld: bool, decision: str,
           *, clock: Clock) -> Application:
    """The department (or the office) records its decision on an objection: upheld → the row is
    not granted; dismissed → the row may be confirmed."""
    decision = (decision or "").strip()
    if not decision:
        raise ValidationFailed("请写明核实情况和处理结果。")
    access.require_role(actor, Role.DEPARTMENT, Role.OFFICE)
    access.serialize_writes(session)
    app = access.access_application(session, actor, application_id, for_update=True)
    if actor.role is Role.DEPARTMENT and not access.is_department_reviewer(session, actor, app):
        raise NotFound("申报不存在，或您没有访问权限。")
    if app.objection_status != OPEN:
        raise Conflict("该名单行没有待处理的异议。")
    now, before = clock.now(), events.snapshot(app)
    app.objection_status = "upheld" if upheld else "dismissed"
    app.objection_decision, app.objection_decided_by = decision[:2000], actor.user_id
    if upheld:
        _close(session, actor, app, f"公示异议成立：{decision}", now)
    app.updated_at = now
    audit.record(session, actor, "grants.auto_row_objection_decide", app, before=before,
                 after={**events.snapshot(app), "objection_status": app.objection_status,
                        "decision": decision}, at=now)
    events.add_event(session, app, actor, "objection_decide", now, note=decision,
                     data={"upheld": upheld})
    return app


def _close(session: Session, actor: Actor, app: Application, reason: str, now: datetime) -> None:
    """Not granted: rejected with the reason, any finance reservation released."""
    if app.proposed_amount:
        iv = policies.get_applied(session, app.item_id, app.policy_version)
        acct = budget.account(session, app.item_id, app.year, iv.item.budget_per_year, now,
                              lock=True)
        budget.release(session, actor, acct, app.proposed_amount, app, now, note="公示未通过")
        app.proposed_amount = None
    app.status = check(app.status, Action.REJECT).value
    app.decision_reason, app.decided_at, app.updated_at = reason, now, now


def _list(session: Session, list_id: int, *, for_update: bool = False) -> AutoGrantList:
    listing = lists_repo.auto_list(session, list_id, for_update=for_update)
    if listing is None:
        raise NotFound("免申即享名单不存在，或您没有访问权限。")
    return listing


def diff(old: list[Application], new: list[Application], item: Item, as_of: date,
         session: Session) -> dict[str, Any]:
    """Who was added, removed or changed between two lists, and why."""
    before = {a.enterprise_uscc: a for a in old}
    after = {a.enterprise_uscc: a for a in new}
    added = [{"uscc": u, "name": a.enterprise_name, "amount": str(a.estimated_amount),
              "reason": "按现有信息符合条件"} for u, a in after.items() if u not in before]
    removed, changed = [], []
    for uscc, a in before.items():
        if uscc not in after:
            now = frozen_facts(session, item, uscc)
            outcome = evaluate_frozen(item, now, as_of)
            why = ("不符合：" + "、".join(outcome.failed)) if outcome.eligible is False else (
                "缺少：" + "、".join(outcome.missing) if outcome.missing else "金额为零")
            removed.append({"uscc": uscc, "name": a.enterprise_name,
                            "amount": str(a.estimated_amount), "reason": why,
                            "changed": labels(_changed(a.facts, now))})
        elif after[uscc].estimated_amount != a.estimated_amount:
            changed.append({"uscc": uscc, "name": a.enterprise_name,
                            "from": str(a.estimated_amount),
                            "to": str(after[uscc].estimated_amount),
                            "changed": labels(_changed(a.facts, after[uscc].facts))})
    return {"added": added, "removed": removed, "changed": changed}


def _changed(then: dict[str, Any], now: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(then) | set(now) if then.get(k) != now.get(k))


def total(rows: list[Application]) -> Decimal:
    return sum((a.estimated_amount or Decimal(0) for a in rows), Decimal(0))
