"""The supervision domain's public face for other domains and the CLI: plans, draws, replay,
inspections and the public 公示. Pages and endpoints of this domain use its modules directly."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.kit.errors import NotFound
from huiqi.models.supervision import Inspection, Plan
from huiqi.supervision import access, plans
from huiqi.supervision import repository as repo
from huiqi.supervision.plans import Replay, commit, create, enter_beacon
from huiqi.supervision.results import coverage, publish_due, record

__all__ = [
    "Replay",
    "commit",
    "coverage",
    "create",
    "enter_beacon",
    "get_plan",
    "inspections_of_enterprise",
    "public_plans",
    "publish_due",
    "published_results",
    "record",
    "replay_plan",
    "visible_inspections",
]


def get_plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"抽查计划 {plan_id} 不存在。")
    return plan


def replay_plan(session: Session, plan_id: int) -> Replay:
    return plans.replay(get_plan(session, plan_id))


def public_plans(session: Session) -> list[Plan]:
    """Plans whose commitment is published (drafts are not public)."""
    return [p for p in repo.plans(session) if p.commitment_sha256]


def visible_inspections(session: Session, actor: Actor) -> list[Inspection]:
    return access.visible_inspections(session, actor)


def inspections_of_enterprise(session: Session, uscc: str) -> list[Inspection]:
    return repo.inspections(session, uscc=uscc)


def published_results(session: Session) -> list[Inspection]:
    return repo.inspections(session, published=True)

