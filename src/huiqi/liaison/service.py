"""包联 (liaison) as pages, the API, the CLI and other domains use it.

Tiers and rules (tiers.py), assignments, import, handover and coverage (assignments.py), visits,
contacts, 无事不扰 and plans (contacts.py), the three 100% rates (rates.py), portfolios
(portfolio.py), campaigns (campaigns.py), reminders (tasks.py). Access in access.py: an official
reaches its assigned enterprises only; not yours → 404. Services flush at most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.liaison import repository as _repo
from huiqi.liaison import tiers as _tiers
from huiqi.liaison.access import NOT_FOUND
from huiqi.liaison.access import enterprise as access_enterprise
from huiqi.liaison.assignments import (
    ImportReport,
    TierCoverage,
    assign,
    coverage,
    handover_all,
    import_file,
    import_rows,
    unassign,
)
from huiqi.liaison.campaigns import Figures, all_figures, figures
from huiqi.liaison.campaigns import create as create_campaign
from huiqi.liaison.contacts import (
    CHANNELS,
    Ledger,
    Logged,
    VisitIn,
    frequency_warning,
    ledger,
    log,
    missing_facts,
    offered,
    pack_for,
    plan,
    save_settings,
    settings_row,
)
from huiqi.liaison.portfolio import Line, Portfolio
from huiqi.liaison.portfolio import build as portfolio
from huiqi.liaison.rates import DEFINITIONS, Rate, RateRow, Report, period, report
from huiqi.liaison.rates import chart as rates_chart
from huiqi.liaison.tiers import compile_rule
from huiqi.liaison.tiers import require as require_tier
from huiqi.liaison.tiers import save as save_tier
from huiqi.models.liaison import LiaisonPlan
from huiqi.notify.service import notify

__all__ = [
    "CHANNELS",
    "DEFINITIONS",
    "Figures",
    "ImportReport",
    "Ledger",
    "Line",
    "Logged",
    "Official",
    "PlannedVisits",
    "Portfolio",
    "Rate",
    "RateRow",
    "Report",
    "TierCoverage",
    "VisitIn",
    "access_enterprise",
    "all_figures",
    "assign",
    "assigned_officials",
    "compile_rule",
    "coverage",
    "create_campaign",
    "enterprise_tiers",
    "figures",
    "frequency_warning",
    "handover_all",
    "import_file",
    "import_rows",
    "ledger",
    "log",
    "missing_facts",
    "offered",
    "official_names",
    "pack_for",
    "period",
    "plan",
    "plan_visits",
    "portfolio",
    "rates_chart",
    "report",
    "require_tier",
    "save_settings",
    "save_tier",
    "settings_row",
    "tier_names",
    "unassign",
]


# -- for other domains: tiers and officials of enterprises, visit plans made for officials -----

def tier_names(session: Session) -> list[tuple[int, str]]:
    """(tier id, name) in the office's order."""
    return [(t.id, t.name) for t in _repo.tiers(session)]


def enterprise_tiers(session: Session) -> dict[str, set[int]]:
    """USCC → the tiers it belongs to: each tier's rule over the registry, the membership the
    campaigns and the coverage check use (an assignment serves a tier; it does not make one)."""
    found: dict[str, set[int]] = {}
    for tier in _repo.tiers(session):
        for uscc in _repo.tier_members(session, _tiers.rule_sql(session, tier)):
            found.setdefault(uscc, set()).add(tier.id)
    return found


def assigned_officials(session: Session) -> dict[str, list[tuple[int, int | None]]]:
    """USCC → its officials as (user id, tier id of the assignment; None: untiered)."""
    found: dict[str, list[tuple[int, int | None]]] = {}
    for uscc, user_id, tier_id in _repo.all_assignments(session):
        found.setdefault(uscc, []).append((int(user_id), tier_id))
    return found


@dataclass(frozen=True)
class Official:
    id: int
    username: str
    display_name: str
    department: str | None

    @property
    def label(self) -> str:
        name = self.display_name or self.username
        return f"{name}（{self.department}）" if self.department else name


def official_names(session: Session, ids: Sequence[int]) -> dict[int, Official]:
    return {int(r.id): Official(int(r.id), r.username, r.display_name or "", r.department)
            for r in _repo.users_with_department(session, ids)}


@dataclass(frozen=True)
class PlannedVisits:
    created: list[tuple[int, str]]  # (official, enterprise) with a new plan
    already: list[tuple[int, str]]  # an open plan existed: none added
    not_assigned: list[tuple[int, str]]  # not (or no longer) the enterprise's official

    @property
    def officials(self) -> set[int]:
        return {u for u, _ in self.created}


_PLANNERS = frozenset({"office", "department", "leader"})


def plan_visits(session: Session, actor: Actor, clock: Clock, visits: Sequence[tuple[int, str]],
                *, planned_on: date, note: str, source: str = "") -> PlannedVisits:
    """Visit plans for officials (the office, a department or a leader assigning them, e.g.
    from insights' targeting): one per (official, enterprise) that is a live assignment and has
    no open plan; each official notified once; reminded the day before by tasks.tick."""
    if actor.role is not None and actor.role.value not in _PLANNERS:
        raise NotFound(NOT_FOUND)
    if planned_on < clock.today_local():
        raise ValidationFailed("计划走访日期应为今天或以后。",
                               details={"planned_on": "请填写今天或以后的日期"})
    pairs = list(dict.fromkeys((int(u), str(e)) for u, e in visits))
    live = {(u, e) for e, rows in assigned_officials(session).items() for u, _ in rows}
    planned = _repo.open_plan_pairs(session, sorted({u for u, _ in pairs}))
    created, already, missing = [], [], []
    now = clock.now()
    for pair in pairs:
        if pair not in live:
            missing.append(pair)
        elif pair in planned:
            already.append(pair)
        else:
            created.append(pair)
    rows = [LiaisonPlan(user_id=u, enterprise_uscc=e, planned_on=planned_on,
                        note=note.strip()[:300], created_at=now) for u, e in created]
    session.add_all(rows)
    session.flush()
    for row in rows:
        audit.record(session, actor, "liaison.plan_create", ("liaison_plans", row.id),
                     after={"enterprise_uscc": row.enterprise_uscc, "official": row.user_id,
                            "planned_on": planned_on.isoformat(), "source": source}, at=now)
    per_official: dict[int, int] = {}
    for u, _ in created:
        per_official[u] = per_official.get(u, 0) + 1
    for user_id, n in per_official.items():
        notify(session, [user_id], "新的走访计划",
               f"已为您安排 {n} 家企业的走访（{note.strip()}），计划于 "
               f"{planned_on.isoformat()} 前完成，请在包联台账中查看。", "/liaison", at=now)
    return PlannedVisits(created, already, missing)
