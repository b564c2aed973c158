"""Insights as other domains, views and the CLI use it. Targeting and simulation
(targeting*.py, simulation*.py); dashboards, reports and indicators add their entry points
below. Keep additions additive."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.insights import targeting_actions as actions
from huiqi.insights import targeting_repository as targeting_repo
from huiqi.insights.targeting import (
    FILTERS,
    SEGMENTS,
    Targeting,
    TargetRow,
    evaluate,
    targeting,
)
from huiqi.insights.targeting_actions import KINDS, ActionReport
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound
from huiqi.models.insight_action import FACTS, PUSH, VISIT, InsightAction
from huiqi.models.user import Role
from huiqi.policies import service as policies
from huiqi.rules import Item

# -- targeting (政策精准推送) -------------------------------------------------------------------


def item_for(session: Session, actor: Actor, item_id: str) -> Item:
    """A published item the actor may target: the office any, a department its own items
    (another department's item is missing to it)."""
    found = policies.find_item(session, item_id)
    if found is None:
        raise NotFound(f"政策事项“{item_id}”不存在或尚未发布。")
    if actor.role is Role.DEPARTMENT and found.item.department != _department(session, actor):
        raise NotFound(f"政策事项“{item_id}”不存在或尚未发布。")
    return found.item


def items_for(session: Session, actor: Actor) -> list[Item]:
    """The published items the actor may target, by title."""
    mine = _department(session, actor) if actor.role is Role.DEPARTMENT else None
    return sorted((v.item for v in policies.published_items(session)
                   if mine is None or v.item.department == mine), key=lambda i: i.id)


def _department(session: Session, actor: Actor) -> str | None:
    if actor.department_id is None:
        return None
    return targeting_repo.department_name(session, actor.department_id)


def liaison_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    return targeting_repo.user_names(session, ids)


def act(session: Session, actor: Actor, clock: Clock, item: Item, kind: str,
        rows: Sequence[TargetRow], *, note: Mapping[str, Any] | None = None) -> ActionReport:
    """A batch action on the rows (each enterprise at most once per kind and item)."""
    return actions.act(session, actor, clock, item, kind, rows, note=note)


def fact_request(session: Session, actor: Actor, action_id: int) -> InsightAction:
    return actions.request_for(session, actor, action_id)


def answer_fact_request(session: Session, actor: Actor, clock: Clock, action_id: int,
                        raw: Mapping[str, Any], as_of: date) -> list[str]:
    return actions.answer(session, actor, clock, action_id, raw, as_of)


@dataclass(frozen=True)
class PushCount:
    kind: str  # push | visit | facts
    item_id: str
    actions: int
    reached: int  # with someone notified


def pushes(session: Session, since: datetime | None = None) -> list[PushCount]:
    """Targeting actions per kind and item (the office dashboard's 推送 panel)."""
    return [PushCount(*row) for row in targeting_repo.counts(session, since)]


def reached_usccs(session: Session, item_id: str | None = None) -> set[str]:
    """Enterprises a push or fact request reached (for a 知晓 rate)."""
    return targeting_repo.reached(session, item_id)


def visit_tasks(session: Session, user_id: int | None = None, *, status: str | None = "open"
                ) -> list[InsightAction]:
    """Visit tasks created from targeting (for the liaison domain until it has its own)."""
    return targeting_repo.actions(session, kind=VISIT, assignee_id=user_id, status=status)


def actions_of(session: Session, item_id: str, kind: str | None = None) -> list[InsightAction]:
    return targeting_repo.actions(session, item_id=item_id, kind=kind)


__all__ = [
    "FACTS", "FILTERS", "KINDS", "PUSH", "SEGMENTS", "VISIT", "ActionReport", "PushCount",
    "TargetRow", "Targeting", "act", "actions_of", "answer_fact_request", "evaluate",
    "fact_request", "item_for", "items_for", "liaison_names", "pushes", "reached_usccs",
    "targeting", "visit_tasks",
]
