"""The 好差评 service: what pages, the JSON API, the CLI, the tick and other domains call.

Taking ratings (intake.py, sources.py): `rate_case` (portal), `rate_window` (QR), `invite` /
`rate_invite` (SMS), `feed_appeal_visits` (appeal return visits). The 差评 loop (loop.py):
`verify`, `rectify`, `revisit`, `dispute`, `decide`. Figures (figures.py): `report`. Windows
(windows.py), the 办不成事 window (cannot_do.py). Reading goes through repository.access (not
yours → 404); writing flushes at most — the request or CLI unit of work commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, or_
from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.kit.clock import SHANGHAI, local_day_bounds
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.models.rating import Rating, RatingDispute, RatingWindow
from huiqi.models.user import Role
from huiqi.ratings import repository as repo
from huiqi.ratings.cannot_do import CannotDoIn
from huiqi.ratings.cannot_do import record as record_cannot_do
from huiqi.ratings.figures import (
    DEFINITIONS,
    DIMENSIONS,
    Figures,
    RatingRecord,
    figures,
    figures_by,
)
from huiqi.ratings.importer import ImportReport, import_file
from huiqi.ratings.intake import DUPLICATE, RatingIn
from huiqi.ratings.loop import decide, dispute, rectify, revisit, verify
from huiqi.ratings.sources import (
    QR_IP,
    InviteIn,
    WindowRatingIn,
    feed_appeal_visits,
    invite,
    my_cases,
    open_invite,
    qr_path,
    qr_window,
    rate_case,
    rate_invite,
    rate_window,
)
from huiqi.ratings.vocab import DisputeStatus, Level, Stage
from huiqi.ratings.windows import create as create_window
from huiqi.ratings.windows import parse_staff, rotate_qr

__all__ = [
    "DEFINITIONS",
    "DIMENSIONS",
    "DUPLICATE",
    "QR_IP",
    "CannotDoIn",
    "Figures",
    "ImportReport",
    "InviteIn",
    "RatingFilter",
    "RatingIn",
    "RatingView",
    "Report",
    "WindowRatingIn",
    "create_window",
    "decide",
    "detail",
    "dispute",
    "feed_appeal_visits",
    "import_file",
    "invite",
    "list_query",
    "my_cases",
    "open_invite",
    "open_tasks",
    "parse_staff",
    "pending_disputes",
    "qr_path",
    "qr_window",
    "rate_case",
    "rate_invite",
    "rate_window",
    "record_cannot_do",
    "rectify",
    "report",
    "revisit",
    "rotate_qr",
    "verify",
    "windows",
]


@dataclass(frozen=True)
class RatingFilter:
    stage: str | None = None  # a Stage value, or "open" (verify, rectify, revisit)
    negative: bool | None = None
    excluded: bool | None = None
    department_id: int | None = None
    channel: str | None = None
    source: str | None = None
    level: int | None = None
    overdue_on: date | None = None  # only 差评 whose current step is past due on this day
    q: str | None = None


OPEN = (Stage.VERIFY.value, Stage.RECTIFY.value, Stage.REVISIT.value)


def list_query(actor: Actor, flt: RatingFilter | None = None) -> Select[Rating]:
    f = flt or RatingFilter()
    stmt = repo.visible(actor)
    if f.stage == "open":
        stmt = stmt.where(Rating.stage.in_(OPEN), Rating.excluded.is_(False))
    elif f.stage:
        stmt = stmt.where(Rating.stage == f.stage)
        if f.stage in OPEN:  # an excluded 差评 needs no more handling
            stmt = stmt.where(Rating.excluded.is_(False))
    simple = {Rating.negative: f.negative, Rating.excluded: f.excluded,
              Rating.department_id: f.department_id, Rating.channel: f.channel or None,
              Rating.source: f.source or None, Rating.level: f.level}
    for column, value in simple.items():
        if value is not None:
            stmt = stmt.where(column == value)
    if f.overdue_on is not None:
        d = f.overdue_on
        stmt = stmt.where(Rating.excluded.is_(False), or_(
            (Rating.stage == Stage.VERIFY.value) & (Rating.verify_due < d),
            (Rating.stage == Stage.RECTIFY.value) & (Rating.rectify_due < d),
            (Rating.stage == Stage.REVISIT.value) & (Rating.revisit_due < d)))
    if f.q:
        like = f"%{f.q.strip()}%"
        stmt = stmt.where(or_(Rating.item_name.like(like), Rating.comment.like(like),
                              Rating.window_name.like(like), Rating.staff_name.like(like),
                              Rating.case_ref.like(like)))
    return stmt.order_by(Rating.rated_at.desc(), Rating.id.desc())


@dataclass(frozen=True)
class RatingView:
    rating: Rating
    level: Level
    stage: Stage
    disputes: list[RatingDispute]
    actions: list[str]  # verify | rectify | revisit | dispute | decide
    names: dict[int, str] = field(default_factory=dict)  # user id → display name

    @property
    def pending_dispute(self) -> RatingDispute | None:
        return next((d for d in self.disputes if d.status == DisputeStatus.PENDING.value), None)


def detail(session: Session, actor: Actor, rating_id: int) -> RatingView:
    rating = repo.access(session, actor, rating_id)
    disputes = repo.disputes(session, rating.id)
    stage = Stage(rating.stage)
    actions: list[str] = []
    live = rating.negative and not rating.excluded
    if live and actor.role is Role.DEPARTMENT:
        actions += {Stage.VERIFY: ["verify"], Stage.RECTIFY: ["rectify"],
                    Stage.REVISIT: ["revisit"]}.get(stage, [])
        if not disputes:
            actions.append("dispute")
    if live and actor.role is Role.OFFICE and stage is Stage.REVISIT:
        actions.append("revisit")
    if actor.role is Role.OFFICE and any(d.status == "pending" for d in disputes):
        actions.append("decide")
    ids = [rating.verified_by, rating.rectified_by, rating.revisited_by,
           *(d.filed_by for d in disputes), *(d.decided_by for d in disputes)]
    return RatingView(rating, Level(rating.level), stage, disputes, actions,
                      repo.user_names(session, ids))


def windows(session: Session, actor: Actor) -> list[RatingWindow]:
    return repo.windows(session, actor)


def pending_disputes(session: Session, actor: Actor) -> list[tuple[RatingDispute, Rating]]:
    return repo.pending_disputes(session, actor)


def open_tasks(session: Session, actor: Actor) -> dict[str, int]:
    """差评 awaiting each step, for the actor's home panel."""
    return repo.count_open_tasks(session, actor)


# --- figures ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Report:
    start: date
    end: date
    dimension: str
    overall: Figures
    groups: dict[str, Figures]


def record_of(r: Rating) -> RatingRecord:
    staff = " ".join(x for x in (r.staff_no, r.staff_name) if x) or None
    return RatingRecord(
        level=r.level, rated_at=r.rated_at, department=r.department_name, channel=r.channel,
        item=r.item_name, window=r.window_name, staff=staff, excluded=r.excluded,
        verified_at=r.verified_at, verify_due=r.verify_due, verify_result=r.verify_result,
        rectified_at=r.rectified_at, revisited_at=r.revisited_at,
        revisit_result=r.revisit_result)


def records(session: Session, actor: Actor, start: date, end: date) -> list[RatingRecord]:
    """The ratings the actor may see with a Beijing date in [start, end]."""
    lo, _ = local_day_bounds(start)
    _, hi = local_day_bounds(end)
    return [record_of(r) for r in repo.for_figures(session, actor, lo, hi)]


def report(session: Session, actor: Actor, start: date, end: date,
           dimension: str = "department") -> Report:
    if actor.role not in (Role.OFFICE, Role.AUDITOR, Role.DEPARTMENT):
        raise NotFound("页面不存在，或您没有访问权限。")
    if dimension not in DIMENSIONS:
        names = "、".join(f"{k}（{v[0]}）" for k, v in DIMENSIONS.items())
        raise ValidationFailed(f"不认识的统计维度「{dimension}」，可选：{names}。")
    if start > end:
        raise ValidationFailed("起始日期不能晚于截止日期。")
    if (end - start) > timedelta(days=3 * 366):
        raise ValidationFailed("统计期不能超过三年。")
    recs = records(session, actor, start, end)
    return Report(start, end, dimension, figures(recs), figures_by(recs, dimension))


def now_local_date(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()
