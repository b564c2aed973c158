"""免申即享: the office generates the grant list of an auto_grant item; the department confirms
it, all rows or some; confirmed enterprises are notified and granted without applying.

Each row is an application with source=auto, so a row passes exactly the checks an application
does (engine amount at confirmation, budget, yearly cap, 不重复支持) and has the same timeline,
payout and 公示. A row the checks refuse stays unconfirmed and the reason is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.grants import access, autolists, duties, enterprises, events, review
from huiqi.grants.repositories import lists as lists_repo
from huiqi.grants.states import ACTIVE, Action, Status, check
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, HuiqiError, NotFound, ValidationFailed
from huiqi.kit.settings import Settings, policy_date_for
from huiqi.models.application import Application
from huiqi.models.auto_grant_list import AutoGrantList
from huiqi.models.user import Role
from huiqi.policies import service as policies
from huiqi.rules import evaluate

SYSTEM_CLOCK = Clock()
REVIEWABLE = (Status.SUBMITTED.value, Status.UNDER_REVIEW.value)


@dataclass(frozen=True)
class Candidate:
    uscc: str
    amount: Decimal | None = None  # the matching estimate; the engine decides at confirmation


@dataclass
class ConfirmResult:
    confirmed: list[int] = field(default_factory=list)  # application ids
    refused: dict[int, str] = field(default_factory=dict)  # application id → reason


def eligible_in_registry(session: Session, item_id: str, as_of: date) -> list[Candidate]:
    """Evaluate the item over the registry of its region (when the caller has no match list)."""
    item = policies.get_item(session, item_id).item
    out = []
    for ent in enterprises.in_regions(session, item.document.regions):
        outcome = evaluate(item, enterprises.facts(session, ent.uscc), as_of)
        if outcome.eligible is True and outcome.amount:
            out.append(Candidate(ent.uscc, outcome.amount))
    return out


def generate(session: Session, actor: Actor, item_id: str, candidates: Iterable[Candidate],
             *, as_of: date | None = None, clock: Clock = SYSTEM_CLOCK,
             settings: Settings | None = None, allow_empty: bool = False) -> AutoGrantList:
    access.require_role(actor, Role.OFFICE)
    access.serialize_writes(session)
    iv, now = policies.get_item(session, item_id), clock.now()
    item, as_of = iv.item, as_of or policy_date_for(clock, settings)
    if not item.auto_grant:
        raise Conflict(f"“{item.title}”不是免申即享事项，企业需自行申报。")
    if not item.in_force(as_of):
        raise Conflict(f"“{item.title}”在 {as_of.isoformat()} 不在有效期内。")
    listing = AutoGrantList(item_id=item.id, item_title=item.title, policy_version=iv.version,
                            department=item.department, year=as_of.year, as_of=as_of, rows=0,
                            created_by=actor.user_id, created_at=now)
    session.add(listing)
    session.flush()
    taken = _already_active(session, item.id, as_of.year)
    finance = access.finance_department_for(item.department) if item.finance_review else None
    for cand in candidates:
        ent = enterprises.by_uscc(session, cand.uscc)
        if ent is None or ent.uscc in taken or not item.document.covers(ent.region):
            continue  # 适用地区: an enterprise outside (or of unknown region) is never listed
        # the row freezes the facts it is computed from; its amount is the engine's on them
        frozen = autolists.frozen_facts(session, item, ent.uscc)
        outcome = autolists.evaluate_frozen(item, frozen, as_of)
        if outcome.eligible is not True or not outcome.amount:
            continue
        taken.add(ent.uscc)
        session.add(Application(
            source="auto", enterprise_uscc=ent.uscc, enterprise_name=ent.name,
            legal_form=ent.legal_form, item_id=item.id, item_title=item.title,
            policy_version=iv.version, department=item.department, finance_department=finance,
            year=as_of.year, as_of=as_of, status=Status.SUBMITTED.value, facts=frozen,
            estimated_amount=outcome.amount, auto_list_id=listing.id, submitted_by=actor.user_id,
            submitted_at=now, updated_at=now))
        listing.rows += 1
    if listing.rows == 0 and not allow_empty:
        raise Conflict("名单为空：没有符合条件且尚未纳入名单的企业。")
    audit.record(session, actor, "grants.auto_list_generate", listing,
                 after={"item_id": item.id, "year": as_of.year, "rows": listing.rows}, at=now)
    events.tell_department(session, item.department, "免申即享名单待确认",
                           f"“{item.title}”{as_of.year}年度名单共 {listing.rows} 家企业，请确认。",
                           f"/grants/auto-lists/{listing.id}", now)
    return listing


def regenerate(session: Session, actor: Actor, list_id: int, *, clock: Clock = SYSTEM_CLOCK,
               settings: Settings | None = None) -> AutoGrantList:
    """A new list from the registry as it is now, replacing the old list's open rows; the new
    list records who was added, removed or changed, and why."""
    access.require_role(actor, Role.OFFICE)
    access.serialize_writes(session)
    old = access_list(session, actor, list_id)
    if old.superseded_by is not None:
        raise Conflict(f"该名单已被第 {old.superseded_by} 号名单取代。")
    open_rows = [a for a in rows(session, actor, list_id) if a.status in REVIEWABLE]
    now = clock.now()
    for app in open_rows:  # withdrawn by the platform: the new list takes their place
        before = events.snapshot(app)
        app.status, app.updated_at = check(app.status, Action.WITHDRAW).value, now
        app.decision_reason = f"名单重新生成，由新名单取代（原第 {old.id} 号）"
        audit.record(session, actor, "grants.auto_row_replace", app, before=before,
                     after=events.snapshot(app), at=now)
    session.flush()
    item = policies.get_item(session, old.item_id).item
    day = policy_date_for(clock, settings)
    new = generate(session, actor, old.item_id, eligible_in_registry(session, old.item_id, day),
                   as_of=day, clock=clock, settings=settings, allow_empty=True)
    new_rows = lists_repo.rows_of(session, new.id)
    new.replaces_id, old.superseded_by = old.id, new.id
    new.changes = autolists.diff(open_rows, new_rows, item, day, session)
    audit.record(session, actor, "grants.auto_list_regenerate", new,
                 after={"replaces": old.id, **new.changes}, at=now)
    return new


def _already_active(session: Session, item_id: str, year: int) -> set[str]:
    return lists_repo.applicants(session, item_id, year, [s.value for s in ACTIVE])


def access_list(session: Session, actor: Actor, list_id: int) -> AutoGrantList:
    listing = lists_repo.auto_list(session, list_id)
    sc = access.scope(session, actor)
    visible = listing is not None and (
        actor.role in access.STAFF_READ or (actor.role is Role.DEPARTMENT and (
            listing.department in sc.departments
            or access.finance_department_for(listing.department) in sc.departments)))
    if not visible or listing is None:
        raise NotFound("免申即享名单不存在，或您没有访问权限。")
    return listing


def rows(session: Session, actor: Actor, list_id: int) -> list[Application]:
    access_list(session, actor, list_id)
    return lists_repo.rows_of(session, list_id)


def confirm(session: Session, actor: Actor, list_id: int, application_ids: Sequence[int] | None
            = None, *, clock: Clock = SYSTEM_CLOCK) -> ConfirmResult:
    """The department confirms rows (None: every unconfirmed row); finance-reviewed items then
    wait for `finance_confirm`, others are granted (after the 公示)."""
    listing = access_list(session, actor, list_id)
    duties.require_other(session, actor, listing, [listing.created_by], "auto_list_confirm",
                         "您生成了该名单，确认须由部门另一人办理（审批与复核分离）。")

    def step(app: Application) -> object:
        granting = app.finance_department is None
        autolists.check_row(session, app, listing, clock.today_local(), granting=granting)
        return review.approve(session, actor, app.id, clock=clock)

    return _each(session, actor, list_id, application_ids, REVIEWABLE, step)


def finance_confirm(session: Session, actor: Actor, list_id: int,
                    application_ids: Sequence[int] | None = None, *,
                    clock: Clock = SYSTEM_CLOCK) -> ConfirmResult:
    listing = access_list(session, actor, list_id)
    duties.require_other(session, actor, listing, [listing.created_by],
                         "auto_list_finance_confirm",
                         "您生成了该名单，财政确认须由另一人办理（审批与复核分离）。")

    def step(app: Application) -> object:
        autolists.check_row(session, app, listing, clock.today_local(), granting=True)
        return review.finance_approve(session, actor, app.id, clock=clock)

    return _each(session, actor, list_id, application_ids, (Status.FINANCE_REVIEW.value,), step)


def decline(session: Session, actor: Actor, list_id: int, application_ids: Sequence[int],
            reason: str, *, clock: Clock = SYSTEM_CLOCK) -> ConfirmResult:
    if not (reason or "").strip():
        raise ValidationFailed("不予确认须填写理由。")
    return _each(session, actor, list_id, application_ids, REVIEWABLE,
                 lambda app: review.reject(session, actor, app.id, reason, clock=clock))


def _each(session: Session, actor: Actor, list_id: int, ids: Sequence[int] | None,
          states: tuple[str, ...], step: Callable[[Application], object]) -> ConfirmResult:
    access.require_role(actor, Role.DEPARTMENT)
    access.serialize_writes(session)
    access_list(session, actor, list_id)
    # Lock every row first (id order), then every enterprise (USCC order), then the budget: the
    # order a single approval takes them in, so the two can never deadlock.
    targets = lists_repo.rows_locked(session, list_id, ids)
    if ids is not None and len(targets) != len(set(ids)):
        raise NotFound("名单中没有所选的企业。")
    enterprises.lock(session, [a.enterprise_uscc for a in targets])
    result = ConfirmResult()
    for app in targets:
        if ids is None and app.status not in states:
            continue
        # No savepoint per row: every refusal (eligibility, amount, 不重复支持, cap, budget) is
        # raised before the step writes anything, so a refused row leaves nothing behind.
        try:
            step(app)
        except HuiqiError as exc:
            result.refused[app.id] = exc.message
        else:
            result.confirmed.append(app.id)
    return result
