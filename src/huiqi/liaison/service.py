"""包联 (liaison) as pages, the API, the CLI and other domains use it.

Tiers and rules (tiers.py), assignments, import, handover and coverage (assignments.py), visits,
contacts, 无事不扰 and plans (contacts.py), the three 100% rates (rates.py), portfolios
(portfolio.py), campaigns (campaigns.py), reminders (tasks.py). Access in access.py: an official
reaches its assigned enterprises only; not yours → 404. Services flush at most.
"""

from __future__ import annotations

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

__all__ = [
    "CHANNELS",
    "DEFINITIONS",
    "Figures",
    "ImportReport",
    "Ledger",
    "Line",
    "Logged",
    "Portfolio",
    "Rate",
    "RateRow",
    "Report",
    "TierCoverage",
    "VisitIn",
    "access_enterprise",
    "all_figures",
    "assign",
    "compile_rule",
    "coverage",
    "create_campaign",
    "figures",
    "frequency_warning",
    "handover_all",
    "import_file",
    "import_rows",
    "ledger",
    "log",
    "missing_facts",
    "offered",
    "pack_for",
    "period",
    "plan",
    "portfolio",
    "rates_chart",
    "report",
    "require_tier",
    "save_settings",
    "save_tier",
    "settings_row",
    "unassign",
]
