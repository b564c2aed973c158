"""What other domains, the CLI and the API call of insights.

Dashboards: `money`, `appeals_figures`, `public_figures`. Weekly report (周报): `generate_report`,
`friday_due`, `report_listing`, `get_report`. Indicator ledger: `enter_value`, `ledger`,
`league`, `compute_indicators`, `import_catalog`, `remind_indicators`. Targeting (政策精准推送):
`targeting`, `act`, `pushes`, `reached_usccs`. Simulation (政策模拟): `simulate`,
`what_if`, `sweep`, `compare`. Every function takes the session (and the `Actor` where access
matters) and flushes at most.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.insights import simulation
from huiqi.insights import simulation_whatif as whatif
from huiqi.insights import targeting_actions as actions
from huiqi.insights import targeting_repository as targeting_repo
from huiqi.insights.dashboard import AppealsFigures, Money, appeals_figures, money
from huiqi.insights.dashboard_public import PublicFigures, public_figures
from huiqi.insights.indicators import enter as enter_value
from huiqi.insights.indicators import league, ledger, parse_period
from huiqi.insights.indicators_compute import compute as compute_indicators
from huiqi.insights.indicators_excel import ImportReport, import_catalog
from huiqi.insights.indicators_tasks import remind as remind_indicators
from huiqi.insights.report_service import friday_due
from huiqi.insights.report_service import generate as generate_report
from huiqi.insights.report_service import get as get_report
from huiqi.insights.report_service import listing as report_listing
from huiqi.insights.simulation import ATTRIBUTES as SIM_ATTRIBUTES
from huiqi.insights.simulation import DEFAULT_TAKE_UP, ItemSimulation
from huiqi.insights.simulation_whatif import (
    Comparison,
    Threshold,
    WhatIf,
    sweep_chart,
    thresholds,
    wan,
)
from huiqi.insights.targeting import (
    FILTERS,
    SEGMENTS,
    Targeting,
    TargetRow,
    evaluate,
    targeting,
)
from huiqi.insights.targeting_actions import KINDS, VISIT_DAYS, ActionReport
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.matching import service as matching
from huiqi.matching.service import RegistryColumns
from huiqi.models.insight_action import FACTS, PUSH, VISIT, InsightAction
from huiqi.models.user import Role
from huiqi.policies import service as policies
from huiqi.registry.service import load_catalog
from huiqi.rules import Item, load_policy_file

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


def act(session: Session, actor: Actor, clock: Clock, item: Item, kind: str,
        rows: Sequence[TargetRow], *, note: Mapping[str, Any] | None = None,
        tier: str = "", official: str = "", planned_on: date | None = None) -> ActionReport:
    """A batch action on the rows (each enterprise at most once per kind and item; visit tasks
    are liaison's visit plans, one per official and enterprise, for the officials at `tier`
    (or `official` only) when given)."""
    return actions.act(session, actor, clock, item, kind, rows, note=note, tier=tier,
                       official=official, planned_on=planned_on)


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


def actions_of(session: Session, item_id: str, kind: str | None = None) -> list[InsightAction]:
    return targeting_repo.actions(session, item_id=item_id, kind=kind)


# -- simulation (政策模拟) ------------------------------------------------------------------------


def registry_for(session: Session, items: Sequence[Item]) -> RegistryColumns:
    """The registry with the fields the items read (and those simulation groups by)."""
    names = [*SIM_ATTRIBUTES, "uscc", "name", *(f for i in items for f in i.fields)]
    return matching.registry_columns(session, load_catalog(), names)


@dataclass(frozen=True)
class Draft:
    """Items to simulate: a stored version of the policy library, or a policy file."""

    title: str
    label: str  # e.g. 第 3 版（草稿）
    items: list[Item]
    document_id: int | None = None
    number: int | None = None
    status: str | None = None


def draft_version(session: Session, actor: Actor, document_id: int, number: int) -> Draft:
    """A version of the library (any status; a department only its own items' documents)."""
    row = policies.version(session, document_id, number)
    items = list(policies.parsed(session, row).items)
    mine = _department(session, actor) if actor.role is Role.DEPARTMENT else None
    if mine is not None and not any(i.department == mine for i in items):
        raise NotFound("该版本不存在。")
    label = f"第 {row.number} 版（{policies.STATUS_LABELS.get(row.status, row.status)}）"
    return Draft(row.title, label, items, document_id, number, row.status)


def versions_for(session: Session, actor: Actor) -> list[tuple[Any, list[Any]]]:
    """The library's documents and versions the actor may simulate (a department: those with
    an item of its own)."""
    docs = policies.documents(session)
    if actor.role is not Role.DEPARTMENT:
        return docs
    mine = _department(session, actor)
    kept = []
    for doc, rows in docs:
        own = [v for v in rows
               if any(i.department == mine for i in policies.parsed(session, v).items)]
        if own:
            kept.append((doc, own))
    return kept


def draft_file(path: Path) -> Draft:
    """A policy file (YAML) as a draft; PolicyError lists its problems."""
    doc = load_policy_file(path, load_catalog())
    return Draft(doc.title, path.name, list(doc.items))


def baseline(session: Session, actor: Actor, draft: Draft, against: int | None = None
             ) -> Draft:
    """What a draft is compared with: another version of its document (`against`), else the
    items in force now under the same ids."""
    if against is not None and draft.document_id is not None:
        return draft_version(session, actor, draft.document_id, against)
    found = [policies.find_item(session, i.id) for i in draft.items]
    return Draft("现行有效版本", "现行有效", [v.item for v in found if v is not None])


def simulate(session: Session, items: Sequence[Item], as_of: date, *,
             take_up: Decimal = DEFAULT_TAKE_UP,
             registry: RegistryColumns | None = None) -> list[ItemSimulation]:
    return simulation.simulate(registry or registry_for(session, items), items, as_of,
                               take_up=take_up)


def compare(session: Session, base: Sequence[Item], new: Sequence[Item], as_of: date
            ) -> list[Comparison]:
    return whatif.compare(registry_for(session, [*base, *new]), base, new, as_of)


def what_if(session: Session, item: Item, key: str, value: Decimal, as_of: date) -> WhatIf:
    threshold = _threshold(item, key)
    _check_value(value)
    return whatif.what_if(registry_for(session, [item]), item, threshold, value, as_of)


def sweep(session: Session, item: Item, key: str, values: Sequence[Decimal] | None,
          as_of: date) -> tuple[Threshold, list[tuple[Decimal, ItemSimulation]]]:
    threshold = _threshold(item, key)
    chosen = list(values) if values else whatif.default_values(threshold)
    for v in chosen:
        _check_value(v)
    return threshold, whatif.sweep(registry_for(session, [item]), item, threshold, chosen, as_of)


def _check_value(value: Decimal) -> None:
    if not value.is_finite() or value < 0 or value >= Decimal("1e13") or \
            value != value.quantize(Decimal("0.000001")):
        raise ValidationFailed("门槛值应为不小于 0 的数字（最多 6 位小数）。")


def _threshold(item: Item, key: str) -> Threshold:
    found = whatif.find_threshold(item, key)
    if found is None:
        raise ValidationFailed("该事项没有这个门槛，请从列表中选择。")
    return found


__all__ = [  # noqa: RUF022 - dashboards, report and indicators (i18b), then targeting/simulation
    "AppealsFigures", "ImportReport", "Money", "PublicFigures", "appeals_figures",
    "compute_indicators", "enter_value", "friday_due", "generate_report", "get_report",
    "import_catalog", "league", "ledger", "money", "parse_period", "public_figures",
    "remind_indicators", "report_listing",
    "DEFAULT_TAKE_UP",
    "FACTS",
    "FILTERS",
    "KINDS",
    "VISIT_DAYS",
    "PUSH",
    "SEGMENTS",
    "VISIT",
    "ActionReport",
    "Comparison",
    "Draft",
    "ItemSimulation",
    "PushCount",
    "TargetRow",
    "Targeting",
    "Threshold",
    "WhatIf",
    "act",
    "actions_of",
    "answer_fact_request",
    "baseline",
    "compare",
    "draft_file",
    "draft_version",
    "evaluate",
    "fact_request",
    "item_for",
    "items_for",
    "pushes",
    "reached_usccs",
    "registry_for",
    "simulate",
    "sweep",
    "sweep_chart",
    "targeting",
    "thresholds",
    "versions_for",
    "wan",
    "what_if",
]
