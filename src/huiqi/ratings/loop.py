"""The 差评 loop: 核实 (the owning department, within VERIFY_WORKDAYS) → 整改 (when the 差评 is
属实 or 部分属实, within RECTIFY_WORKDAYS of the rating) → 回访 (the rater is asked again, the
result recorded; the rater is told) — and 申诉复核: the department says a rating is a 误评, the
office decides; an upheld dispute takes the rating out of every figure, with the reason, and
keeps it listed as excluded.

A step out of turn is a 409 naming the current stage; every step writes its audit row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, NotFound, ValidationFailed
from huiqi.kit.workdays import add_workdays
from huiqi.models.rating import Rating, RatingDispute
from huiqi.models.user import Role
from huiqi.notify.service import notify
from huiqi.ratings import repository as repo
from huiqi.ratings.intake import local_day
from huiqi.ratings.vocab import (
    RECTIFY_WORKDAYS,
    REVISIT_WORKDAYS,
    DisputeStatus,
    RevisitResult,
    Stage,
    VerifyResult,
)

LOOP_FIELDS = ("stage", "verify_result", "verify_note", "rectify_due", "rectify_note",
               "revisit_due", "revisit_result", "revisit_note", "excluded", "excluded_reason")
NOT_YOURS = "页面不存在，或您没有访问权限。"


def _note(value: str | None, label: str, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(f"请填写「{label}」。", details={"field": label})
    if len(text) > 2000:
        raise ValidationFailed(f"「{label}」不能超过 2000 字。")
    return text or None


def _department_task(session: Session, actor: Actor, rating_id: int) -> Rating:
    """The rating, for the department that owns it (others: 404)."""
    if actor.role is not Role.DEPARTMENT:
        raise NotFound(NOT_YOURS)
    return repo.access(session, actor, rating_id, for_update=True)


def _at(rating: Rating, stage: Stage, doing: str) -> None:
    if rating.excluded:
        raise Conflict("该评价已经申诉复核剔除，无需继续处置。")
    if not rating.negative:
        raise Conflict("好评无需核实整改。")
    if rating.stage != stage.value:
        raise Conflict(f"该差评当前为「{Stage(rating.stage).label}」，不能{doing}。")


def _audit(session: Session, actor: Actor, action: str, rating: Rating,
           before: dict[str, object], now: datetime) -> None:
    audit.record(session, actor, action, rating, before=before,
                 after=audit.snapshot(rating, *LOOP_FIELDS), at=now)


def verify(session: Session, actor: Actor, clock: Clock, rating_id: int, result: str,
           note: str | None) -> Rating:
    rating = _department_task(session, actor, rating_id)
    _at(rating, Stage.VERIFY, "核实")
    try:
        found = VerifyResult(result)
    except ValueError:
        raise ValidationFailed("请选择核实结论：属实、部分属实或不属实。",
                               details={"field": "result"}) from None
    text = _note(note, "核实情况")
    before, now = audit.snapshot(rating, *LOOP_FIELDS), clock.now()
    rating.verify_result, rating.verify_note = found.value, text
    rating.verified_at, rating.verified_by = now, actor.user_id
    overrides = repo.overrides(session)
    if found.needs_rectification:
        rating.stage = Stage.RECTIFY.value
        rating.rectify_due = add_workdays(local_day(rating.rated_at), RECTIFY_WORKDAYS, overrides)
    else:
        rating.stage = Stage.REVISIT.value
        rating.revisit_due = add_workdays(local_day(now), REVISIT_WORKDAYS, overrides)
    _audit(session, actor, "rating.verify", rating, before, now)
    return rating


def rectify(session: Session, actor: Actor, clock: Clock, rating_id: int, note: str | None
            ) -> Rating:
    rating = _department_task(session, actor, rating_id)
    _at(rating, Stage.RECTIFY, "整改")
    text = _note(note, "整改措施")
    before, now = audit.snapshot(rating, *LOOP_FIELDS), clock.now()
    rating.rectify_note, rating.rectified_at, rating.rectified_by = text, now, actor.user_id
    rating.stage = Stage.REVISIT.value
    rating.revisit_due = add_workdays(local_day(now), REVISIT_WORKDAYS, repo.overrides(session))
    _audit(session, actor, "rating.rectify", rating, before, now)
    return rating


def revisit(session: Session, actor: Actor, clock: Clock, rating_id: int, result: str,
            note: str | None) -> Rating:
    """回访 by the owning department or the office; the rater's accounts are told."""
    if actor.role not in (Role.DEPARTMENT, Role.OFFICE):
        raise NotFound(NOT_YOURS)
    rating = repo.access(session, actor, rating_id, for_update=True)
    _at(rating, Stage.REVISIT, "回访")
    try:
        outcome = RevisitResult(result)
    except ValueError:
        raise ValidationFailed("请选择回访结果：满意、基本满意或不满意。",
                               details={"field": "result"}) from None
    text = _note(note, "回访情况")
    before, now = audit.snapshot(rating, *LOOP_FIELDS), clock.now()
    rating.revisit_result, rating.revisit_note = outcome.value, text
    rating.revisited_at, rating.revisited_by = now, actor.user_id
    rating.stage = Stage.DONE.value
    _audit(session, actor, "rating.revisit", rating, before, now)
    raters = [rating.rater_user_id] if rating.rater_user_id else \
        repo.enterprise_user_ids(session, rating.enterprise_uscc) if rating.enterprise_uscc else []
    notify(session, raters, "您的评价已回访",
           f"{rating.department_name}已就您的评价完成核实"
           f"{'和整改' if rating.rectified_at else ''}并回访，回访结果：{outcome.label}。",
           f"/ratings/{rating.id}", at=now)
    return rating


# --- 申诉复核 -----------------------------------------------------------------------------------

def dispute(session: Session, actor: Actor, clock: Clock, rating_id: int, reason: str | None
            ) -> RatingDispute:
    rating = _department_task(session, actor, rating_id)
    if not rating.negative:
        raise Conflict("只有差评可以申诉复核。")
    if rating.excluded:
        raise Conflict("该评价已剔除，无需再申诉。")
    earlier = repo.disputes(session, rating.id)
    if any(d.status == DisputeStatus.PENDING.value for d in earlier):
        raise Conflict("该评价已有待复核的申诉，请等待营商办复核。")
    if any(d.status == DisputeStatus.REJECTED.value for d in earlier):
        raise Conflict("该评价的申诉已被驳回，不能再次申诉。")
    now = clock.now()
    row = RatingDispute(rating_id=rating.id, reason=_note(reason, "申诉理由") or "",
                        status=DisputeStatus.PENDING.value, filed_by=actor.user_id, filed_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "rating.dispute", row,
                 after={"rating_id": rating.id, "reason": row.reason}, at=now)
    notify(session, repo.office_user_ids(session), "差评申诉待复核",
           f"{rating.department_name}对评价 #{rating.id} 提出误评申诉。", f"/ratings/{rating.id}",
           at=now)
    return row


def decide(session: Session, actor: Actor, clock: Clock, dispute_id: int, uphold: bool,
           note: str | None) -> RatingDispute:
    """The office upholds (the rating is excluded from the figures) or rejects a dispute."""
    if actor.role is not Role.OFFICE:
        raise NotFound(NOT_YOURS)
    row = repo.dispute(session, dispute_id)
    if row is None:
        raise NotFound("申诉不存在。")
    if row.status != DisputeStatus.PENDING.value:
        raise Conflict(f"该申诉已复核（{DisputeStatus(row.status).label}）。")
    text = _note(note, "复核意见")
    rating = repo.access(session, actor, row.rating_id, for_update=True)
    before, now = audit.snapshot(rating, *LOOP_FIELDS), clock.now()
    row.status = (DisputeStatus.UPHELD if uphold else DisputeStatus.REJECTED).value
    row.decided_by, row.decided_at, row.decision_note = actor.user_id, now, text
    if uphold:
        rating.excluded, rating.excluded_reason, rating.excluded_at = True, text, now
    audit.record(session, actor, "rating.dispute_decide", row, before={"rating": before},
                 after={"status": row.status, "decision_note": text,
                        "rating": audit.snapshot(rating, *LOOP_FIELDS)}, at=now)
    notify(session, repo.department_user_ids(session, rating.department_id),
           "差评申诉已复核", f"评价 #{rating.id} 的申诉{DisputeStatus(row.status).label}：{text}",
           f"/ratings/{rating.id}", at=now)
    return row
