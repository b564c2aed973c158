"""Taking a rating: from the portal (an enterprise rates its own application or appeal), a
window's QR code (no login), an SMS link (one-time), or an appeal's return visit (fed in by the
tick). Every path ends in `record`: one rating per 办件 (a second is refused, 409), a level 1–5
(else 422); a 差评 opens the verification task for the owning department with its deadline and
tells the department."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock, to_local
from huiqi.kit.errors import Conflict, ValidationFailed
from huiqi.kit.workdays import add_workdays
from huiqi.models.department import Department
from huiqi.models.rating import Rating, RatingWindow
from huiqi.notify.service import notify
from huiqi.ratings import repository as repo
from huiqi.ratings.vocab import (
    MAX_COMMENT,
    MAX_TAGS,
    VERIFY_WORKDAYS,
    CaseKind,
    Channel,
    Level,
    Source,
    Stage,
    level_of,
)

DUPLICATE = "该办件已评价过，每个办件只能评价一次。"


@dataclass(frozen=True)
class RatingIn:
    """What every path collects from the rater."""

    level: object  # 1–5, checked by level_of
    comment: str | None = None
    tags: Iterable[str] = ()
    rater_name: str | None = None
    rater_phone: str | None = None


@dataclass(frozen=True)
class Subject:
    """What is rated: the 办件 and who owns it."""

    kind: CaseKind
    ref: str
    department: Department
    channel: Channel
    source: Source
    item_name: str | None = None
    window: RatingWindow | None = None
    staff_no: str | None = None
    staff_name: str | None = None
    enterprise_uscc: str | None = None
    data: dict[str, object] = field(default_factory=dict)

    @property
    def case_key(self) -> str:
        return f"{self.kind.value}:{self.ref}"


def local_day(at: datetime) -> date:
    return to_local(at).date()


def clean_comment(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_COMMENT:
        raise ValidationFailed(f"评价内容不能超过 {MAX_COMMENT} 字，现为 {len(text)} 字。",
                               details={"field": "comment"})
    return text or None


def clean_tags(values: Iterable[str]) -> list[str]:
    tags = list(dict.fromkeys(t.strip()[:20] for t in values if t and t.strip()))
    if len(tags) > MAX_TAGS:
        raise ValidationFailed(f"评价标签最多选 {MAX_TAGS} 个。", details={"field": "tags"})
    return tags


def refuse_duplicate(session: Session, case_key: str) -> None:
    if repo.by_case(session, case_key) is not None:
        raise Conflict(DUPLICATE)


def record(session: Session, actor: Actor, clock: Clock, subject: Subject, data: RatingIn,
           *, at: datetime | None = None) -> Rating:
    """The one place a rating is written (see the module docstring)."""
    level = level_of(data.level)
    comment, tags = clean_comment(data.comment), clean_tags(data.tags)
    if level.negative and not comment and not tags:
        raise ValidationFailed("差评请写明原因或选择标签，便于部门核实整改。",
                               details={"field": "comment"})
    refuse_duplicate(session, subject.case_key)
    now = at or clock.now()
    rating = Rating(
        case_key=subject.case_key, case_kind=subject.kind.value, case_ref=subject.ref,
        level=int(level), negative=level.negative, comment=comment, tags=tags,
        department_id=subject.department.id, department_name=subject.department.name,
        item_name=subject.item_name, window_id=subject.window.id if subject.window else None,
        window_name=subject.window.name if subject.window else None,
        staff_no=subject.staff_no, staff_name=subject.staff_name, channel=subject.channel.value,
        source=subject.source.value, enterprise_uscc=subject.enterprise_uscc,
        rater_user_id=actor.user_id, rater_name=(data.rater_name or "").strip()[:100] or None,
        rater_phone=(data.rater_phone or "").strip()[:40] or None, rated_at=now,
        stage=(Stage.VERIFY if level.negative else Stage.NONE).value,
        verify_due=add_workdays(local_day(now), VERIFY_WORKDAYS, repo.overrides(session))
        if level.negative else None,
        excluded=False, data=subject.data or None)
    try:
        with session.begin_nested():  # two raters racing for one 办件: the second gets the 409
            session.add(rating)
            session.flush()
    except IntegrityError:
        raise Conflict(DUPLICATE) from None
    audit.record(session, actor, "rating.create", rating,
                 after=audit.snapshot(rating, "case_key", "level", "channel", "source",
                                      "department_name", "stage", "verify_due"), at=now)
    if level.negative:
        _tell_department(session, rating, level, now)
    return rating


def _tell_department(session: Session, rating: Rating, level: Level, now: datetime) -> None:
    what = rating.item_name or rating.window_name or CaseKind(rating.case_kind).label
    notify(session, repo.department_user_ids(session, rating.department_id),
           "收到差评，请核实整改",
           f"“{what}”收到{level.label}评价，请于 {rating.verify_due} 前完成核实。",
           f"/ratings/{rating.id}", at=now)
