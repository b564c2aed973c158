"""What other domains, the CLI and the API call of insights.

Dashboards: `money`, `appeals_figures`, `public_figures`. Weekly report (周报): `generate_report`,
`friday_due`, `report_listing`, `get_report`. Indicator ledger: `enter_value`, `ledger`,
`league`, `compute_indicators`, `import_catalog`, `remind_indicators`.
Every function takes the session (and the `Actor` where access matters) and flushes at most.
"""

from __future__ import annotations

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

__all__ = [
    "AppealsFigures", "ImportReport", "Money", "PublicFigures", "appeals_figures",
    "compute_indicators", "enter_value", "friday_due", "generate_report", "get_report",
    "import_catalog", "league", "ledger", "money", "parse_period", "public_figures",
    "remind_indicators", "report_listing",
]
