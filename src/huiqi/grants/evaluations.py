"""绩效评价: after payout the department (or the office) records how a grant performed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.grants import access, events
from huiqi.grants.repositories import applications as app_repo
from huiqi.kit.clock import Clock
from huiqi.kit.errors import Conflict, ValidationFailed
from huiqi.models.evaluation import GrantEvaluation
from huiqi.models.user import Role

SYSTEM_CLOCK = Clock()


def rating(score: int) -> str:
    return "优" if score >= 90 else "良" if score >= 75 else "中" if score >= 60 else "差"


def record(session: Session, actor: Actor, grant_id: int, score: int, notes: str, *,
           clock: Clock = SYSTEM_CLOCK) -> GrantEvaluation:
    grant = access.access_grant(session, actor, grant_id)
    access.require_role(actor, Role.DEPARTMENT, Role.OFFICE)
    if grant.status != "paid":
        raise Conflict("资金兑现后才能进行绩效评价。")
    if not isinstance(score, int) or not 0 <= score <= 100:
        raise ValidationFailed("评分须为 0–100 的整数。")
    notes = (notes or "").strip()
    if not notes or len(notes) > 2000:
        raise ValidationFailed("请填写评价意见（不超过 2000 字）。")
    now = clock.now()
    row = GrantEvaluation(grant_id=grant.id, score=score, rating=rating(score), notes=notes,
                          evaluator_id=actor.user_id,
                          evaluator_label=events.label_of(session, actor), at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "grants.evaluation_create", row,
                 after={"grant_id": grant.id, "score": score, "rating": row.rating,
                        "notes": notes}, at=now)
    return row


def for_grant(session: Session, actor: Actor, grant_id: int) -> list[GrantEvaluation]:
    access.access_grant(session, actor, grant_id)
    return app_repo.evaluations_of(session, grant_id)
