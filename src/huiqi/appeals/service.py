"""The appeals (诉求) service: what pages, the JSON API, Open311 and other domains call.

Intake (intake.py, hotline.py): `submit`, `record_meeting`, `import_hotline`, `set_sentinel`,
`assign_liaison`. Lifecycle (lifecycle.py): `act(db, actor, clock, appeal_id, action, payload)`
for every transition of the state machine (state.py; payload fields in `state.PAYLOADS`).
Reading (here): `get`, `detail`, `list_query`, `timeline`, `suggest_dispatch`, `clocks`.
Configuration (categories.py), duplicates (duplicates.py), attachments (attachments.py),
rates (stats.py + rates.py), the tick (tasks.py). See docs/appeals.md.

Every function takes the session and the `Actor`; reading goes through access.py (not yours →
NotFound); writing flushes at most — the request or CLI unit of work commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from huiqi.appeals import categories, rates, records, stats
from huiqi.appeals import repository as repo
from huiqi.appeals.access import access_appeal, role_on, visible_appeals
from huiqi.appeals.categories import create_category, list_categories, require_category
from huiqi.appeals.deadlines import Clock as DeadlineClock
from huiqi.appeals.deadlines import clock as deadline_clock
from huiqi.appeals.deadlines import compute_deadlines
from huiqi.appeals.duplicates import merge, possible_duplicates
from huiqi.appeals.hotline import import_file as import_hotline
from huiqi.appeals.intake import (
    AppealIn,
    MeetingIn,
    assign_liaison,
    record_meeting,
    set_sentinel,
    submit,
)
from huiqi.appeals.lifecycle import act
from huiqi.appeals.referrals import refer
from huiqi.appeals.state import AppealState, allowed_actions
from huiqi.appeals.vocab import AppealAction, AppealStatus, Source
from huiqi.appeals.vocab import Role as AppealRole
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.workdays import HolidayOverrides, provisional_note
from huiqi.models.appeal import Appeal, AppealAssignment, AppealEvent
from huiqi.models.appeal_category import AppealCategory
from huiqi.models.appeal_followup import AppealRequest
from huiqi.models.appeal_intake import AppealAttachment

__all__ = [
    "AppealAction",
    "AppealFilter",
    "AppealIn",
    "AppealStatus",
    "AppealView",
    "Clocks",
    "MeetingIn",
    "ReturnVisit",
    "Source",
    "act",
    "assign_liaison",
    "clocks",
    "create_category",
    "detail",
    "first_return_visits",
    "get",
    "holiday_overrides",
    "import_hotline",
    "list_categories",
    "list_query",
    "merge",
    "possible_duplicates",
    "record_meeting",
    "refer",
    "referral_statuses",
    "require_category",
    "set_sentinel",
    "submit",
    "suggest_dispatch",
    "timeline",
]


def holiday_overrides(session: Session) -> HolidayOverrides:
    """The office's holiday and 调休 overrides: the one working-day calendar of the platform."""
    return categories.overrides(session)


@dataclass(frozen=True)
class ReturnVisit:
    """An appeal's first 回访, as another domain reads it (ratings turns it into a rating)."""

    visit_id: int
    appeal_id: int
    satisfaction: int  # 1–5
    comment: str | None
    visited_at: datetime
    lead_department_id: int
    source: str
    category_name: str
    enterprise_uscc: str


def first_return_visits(session: Session, after_visit_id: int = 0, limit: int = 500
                        ) -> list[ReturnVisit]:
    """The first return visit of each dispatched appeal, in visit order, after a visit id (a
    system reader: no actor, the rows carry no contact details)."""
    return [ReturnVisit(v.id, a.id, v.satisfaction, v.comment, v.visited_at,
                        a.lead_department_id or 0, a.source, a.category_name,
                        a.enterprise_uscc)
            for v, a in repo.first_visits(session, after_visit_id, limit)]


def referral_statuses(session: Session, appeal_ids: list[int]
                      ) -> dict[int, tuple[str, str, int | None]]:
    """(status label, lead department, who raised it) of appeals another domain raised and shows
    beside its own rows (a project step's appeal); the caller has already checked the reader may
    see the row. Who may open the appeal itself is still decided here (`get`)."""
    rows = repo.statuses(session, appeal_ids) if appeal_ids else []
    return {i: (AppealStatus(st).label, dept or "—", by) for i, st, dept, by in rows}


def get(session: Session, actor: Actor, appeal_id: int) -> Appeal:
    return access_appeal(session, actor, appeal_id)


def timeline(session: Session, actor: Actor, appeal_id: int) -> list[AppealEvent]:
    access_appeal(session, actor, appeal_id)
    return repo.events(session, appeal_id)


# --- clocks -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Clocks:
    sign: DeadlineClock | None
    resolve: DeadlineClock | None
    calendar_note: str | None  # shown when a year is computed by the fallback calendar


DONE = (AppealStatus.REPLIED.value, AppealStatus.CONFIRMED.value, AppealStatus.VISITED.value,
        AppealStatus.CLOSED.value)


def clocks(appeal: Appeal, now: datetime, overrides: HolidayOverrides | None = None) -> Clocks:
    """Green / yellow (one working day or less left) / red (overdue, or done late)."""
    sign = resolve = None
    if appeal.sign_due is not None:
        sign = deadline_clock(now, appeal.sign_due, appeal.signed_at, overrides)
    if appeal.resolve_due is not None:
        done = (appeal.replied_at or appeal.resolved_at or appeal.closed_at) \
            if appeal.status in DONE else None
        resolve = deadline_clock(now, appeal.resolve_due, done, overrides)
    note = None
    if appeal.calendar_fallback and appeal.dispatched_at and appeal.resolve_due:
        note = provisional_note(appeal.dispatched_at.date(), appeal.resolve_due)
    return Clocks(sign, resolve, note)


# --- the detail page in one call --------------------------------------------------------------

@dataclass(frozen=True)
class AppealView:
    appeal: Appeal
    state: AppealState
    role: AppealRole | None  # the actor's role on it (None: read only)
    actions: list[AppealAction]  # what the actor may do now (build buttons / forms from these)
    assignments: list[AppealAssignment]  # every dispatch round; `active` = the current one
    requests: list[AppealRequest]  # 退单 / 延期, with decisions
    attachments: list[AppealAttachment]
    events: list[AppealEvent]
    clocks: Clocks


def detail(session: Session, actor: Actor, appeal_id: int, clock: Clock) -> AppealView:
    appeal = access_appeal(session, actor, appeal_id)
    state = records.state_of(session, appeal)
    role = role_on(session, actor, appeal, state)
    actions = allowed_actions(state, role) if role is not None else []
    return AppealView(appeal, state, role, actions, repo.assignments(session, appeal.id),
                      repo.requests(session, appeal.id), repo.attachments(session, appeal.id),
                      repo.events(session, appeal.id),
                      clocks(appeal, clock.now(), categories.overrides(session)))


@dataclass(frozen=True)
class DispatchSuggestion:
    usual_departments: list[str]  # names, in the category's order
    sign_due: date
    resolve_due: date
    calendar_note: str | None


def suggest_dispatch(session: Session, actor: Actor, appeal_id: int, clock: Clock
                     ) -> DispatchSuggestion:
    """Defaults for the 交办 form: the category's usual departments and computed deadlines."""
    appeal = access_appeal(session, actor, appeal_id)
    category = session.get(AppealCategory, appeal.category_id)
    assert category is not None
    due = compute_deadlines(clock.now(), categories.rule_of(category),
                            categories.overrides(session))
    names = [d.name for code in category.usual_departments
             if (d := repo.department_by_key(session, code)) is not None]
    note = provisional_note(clock.today_local(), due.resolve_due)
    return DispatchSuggestion(names, due.sign_due, due.resolve_due, note)


# --- lists ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AppealFilter:
    status: str | None = None  # an AppealStatus value, or "open"
    category: str | None = None  # name
    department_id: int | None = None  # lead department
    source: str | None = None
    sentinel: bool | None = None
    overdue: bool | None = None
    escalated: bool | None = None
    pending_request: bool | None = None  # a 退单 or 延期 request awaits the office's decision
    enterprise_uscc: str | None = None
    meeting_id: int | None = None
    import_batch_id: int | None = None
    q: str | None = None  # in title, text, enterprise name
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    updated_from: datetime | None = None


def list_query(actor: Actor, flt: AppealFilter | None = None) -> Select[Appeal]:
    """The appeals the actor may see, filtered, newest first (paginate it)."""
    f = flt or AppealFilter()
    stmt = visible_appeals(actor)
    if f.status == "open":
        stmt = stmt.where(Appeal.status != AppealStatus.CLOSED.value)
    elif f.status:
        stmt = stmt.where(Appeal.status == f.status)
    simple = {Appeal.category_name: f.category, Appeal.lead_department_id: f.department_id,
              Appeal.source: f.source, Appeal.enterprise_uscc: f.enterprise_uscc,
              Appeal.meeting_id: f.meeting_id, Appeal.import_batch_id: f.import_batch_id}
    for column, value in simple.items():
        if value is not None and value != "":
            stmt = stmt.where(column == value)
    if f.sentinel is not None:
        stmt = stmt.where(Appeal.sentinel.is_(f.sentinel))
    if f.overdue is not None:
        late = or_(Appeal.sign_overdue.is_(True), Appeal.resolve_overdue.is_(True))
        stmt = stmt.where(late if f.overdue else ~late)
    if f.escalated is not None:
        stmt = stmt.where(Appeal.escalated_to.is_not(None) if f.escalated
                          else Appeal.escalated_to.is_(None))
    if f.pending_request is not None:
        waiting = Appeal.id.in_(select(AppealRequest.appeal_id)
                                .where(AppealRequest.status == "pending"))
        stmt = stmt.where(waiting if f.pending_request else ~waiting)
    if f.q:
        like = f"%{f.q.strip()}%"
        stmt = stmt.where(or_(Appeal.title.like(like), Appeal.description.like(like),
                              Appeal.enterprise_name.like(like)))
    if f.submitted_from:
        stmt = stmt.where(Appeal.submitted_at >= f.submitted_from)
    if f.submitted_to:
        stmt = stmt.where(Appeal.submitted_at < f.submitted_to)
    if f.updated_from:
        stmt = stmt.where(Appeal.updated_at >= f.updated_from)
    return stmt.order_by(Appeal.submitted_at.desc(), Appeal.id.desc())


# --- rates for other domains (insights: dashboards, weekly report, indicators) ---------------

AppealRates = rates.AppealRates  # what `rates_between` returns, for other domains' types
Rate = rates.Rate


def rates_between(session: Session, actor: Actor, start: date, end: date,
                  as_of: datetime) -> AppealRates:
    """响应率、按时办结率、办结率、满意率 of the appeals dispatched on Beijing dates in
    [start, end] that the actor may see — the figures of the rates page for that period."""
    return rates.appeal_rates(rates.dispatched_between(stats.records(session, actor), start, end),
                              as_of)


def rates_by_department(session: Session, actor: Actor, start: date, end: date,
                        as_of: datetime) -> dict[str, AppealRates]:
    chosen = rates.dispatched_between(stats.records(session, actor), start, end)
    return rates.rates_by(chosen, rates.by_department, as_of)
