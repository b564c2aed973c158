"""Possible duplicates, and merging them (the office): the duplicate is closed and its
attachments move to the appeal it is merged into.

Similarity is deliberately simple and explainable: the share of overlapping character pairs
(bigrams, Jaccard) of the titles, and of title + text; two appeals of the same enterprise raised
within `WINDOW_DAYS` of each other with a score of at least `THRESHOLD` are suggested, with the
figure shown ("标题相似度 0.72").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.appeals import lifecycle, records
from huiqi.appeals import repository as repo
from huiqi.appeals.access import access_appeal, require_office, visible_appeals
from huiqi.appeals.state import InvalidTransition
from huiqi.appeals.vocab import AppealAction, AppealStatus
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import ValidationFailed
from huiqi.models.appeal import Appeal

WINDOW_DAYS = 30
THRESHOLD = 0.5


@dataclass(frozen=True)
class Duplicate:
    appeal_id: int
    title: str
    status: str
    submitted_at: str
    score: float  # 0..1, two decimals
    reason: str


def bigrams(text: str) -> set[str]:
    chars = [c for c in text.lower() if c.isalnum()]
    return {a + b for a, b in pairwise(chars)} or set(chars)


def similarity(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def possible_duplicates(session: Session, actor: Actor, appeal_id: int, *,
                        window_days: int = WINDOW_DAYS, threshold: float = THRESHOLD
                        ) -> list[Duplicate]:
    appeal = access_appeal(session, actor, appeal_id)
    window = timedelta(days=window_days)
    out = []
    for other in repo.same_enterprise_near(session, visible_appeals(actor), appeal, window):
        title = similarity(appeal.title, other.title)
        body = similarity(f"{appeal.title}{appeal.description}",
                          f"{other.title}{other.description}")
        score = max(title, body)
        if score >= threshold:
            which = "标题" if title >= body else "标题与内容"
            out.append(Duplicate(other.id, other.title, other.status,
                                 other.submitted_at.isoformat(), round(score, 2),
                                 f"同一企业{window_days}天内提交，{which}相似度 {score:.2f}"))
    out.sort(key=lambda d: -d.score)
    return out


def merge(session: Session, actor: Actor, clock: Clock, duplicate_id: int, into_id: int,
          note: str | None = None) -> Appeal:
    """Close `duplicate_id` as a duplicate of `into_id` (未经企业确认销号, with the reason)."""
    require_office(actor)
    if duplicate_id == into_id:
        raise ValidationFailed("不能把诉求合并到它自己。")
    target = access_appeal(session, actor, into_id, for_update=True)
    if target.status == AppealStatus.CLOSED.value or target.merged_into_id is not None:
        raise InvalidTransition(f"诉求 #{into_id} 已销号或已被合并，不能作为合并目标。")
    dup = access_appeal(session, actor, duplicate_id, for_update=True)
    if dup.enterprise_uscc != target.enterprise_uscc:
        # the target's enterprise would see the duplicate's files, its own enterprise lose them
        raise ValidationFailed("只能合并同一企业的重复诉求：两条诉求的企业不同。")
    reason = f"与诉求 #{into_id}“{target.title}”重复，已合并" + (f"：{note}" if note else "")
    lifecycle.apply(session, actor, clock, dup, AppealAction.FORCE_CLOSE, {"reason": reason})
    dup.merged_into_id = target.id
    now = clock.now()
    records.add_event(session, dup, actor, "merged_into", now, data={"into": target.id})
    records.add_event(session, target, actor, "merged_from", now,
                      data={"from": dup.id, "title": dup.title},
                      note=f"合并了重复诉求 #{dup.id}“{dup.title}”")
    moved = _move_attachments(session, actor, now, dup, target)
    audit.record(session, actor, "appeal.merge", dup,
                 after={"merged_into_id": target.id, "attachments_moved": moved}, at=now)
    return target


def _move_attachments(session: Session, actor: Actor, now: datetime, dup: Appeal,
                      target: Appeal) -> list[int]:
    """Re-link the duplicate's files to the target (the files stay where they are stored), with
    a timeline event on both. The per-appeal upload limit is not applied: nothing is dropped."""
    rows = repo.attachments(session, dup.id)
    if not rows:
        return []
    for row in rows:
        row.appeal_id = target.id
    names = "、".join(r.original_filename for r in rows)
    data = {"attachment_ids": [r.id for r in rows], "from": dup.id, "into": target.id}
    records.add_event(session, dup, actor, "attachments_moved", now, data=data,
                      note=f"{len(rows)} 个附件随合并移至 #{target.id}：{names}")
    records.add_event(session, target, actor, "attachments_moved", now, data=data,
                      note=f"随合并从 #{dup.id} 移入 {len(rows)} 个附件：{names}")
    return [r.id for r in rows]


def merged_from(session: Session, appeal_id: int) -> list[Appeal]:
    return repo.merged_into(session, appeal_id)
