"""The projects (招商项目代办) service: what pages, the JSON API, the CLI and other domains call.

Registry (registry.py): `create_project`, `assign`; Excel (imports.py): `import_file`.
The countdown table (steps.py): `record_dates`, `block`, `unblock`, `adjust`, `add_progress`;
reading (table.py): `table`, `summaries`, `gantt_option`, `table_xlsx`, `list_xlsx`;
rates (rates.py): `rates`, `portfolio_gantt`; the tick (tasks.py). Templates: templates.py.

Every function takes the session and the `Actor`; reading goes through access.py (not yours →
NotFound); writing flushes at most — the request or CLI unit of work commits.
"""

from __future__ import annotations

from huiqi.projects.countdown import PROGRESS_RULE, Colour, DateOrderError
from huiqi.projects.imports import (
    ImportResult,
    RowError,
    import_columns,
    import_file,
    report_from_json,
)
from huiqi.projects.rates import DEFINITIONS, ProjectRates, portfolio_gantt
from huiqi.projects.rates import report as rates
from huiqi.projects.registry import REGIONS, ProjectIn, assign, create_project, load_types
from huiqi.projects.steps import add_progress, adjust, block, record_dates, unblock
from huiqi.projects.table import (
    ProjectSummary,
    ProjectTable,
    gantt_option,
    home_context,
    list_xlsx,
    summaries,
    table,
    table_xlsx,
)
from huiqi.projects.template_edit import save as save_template

__all__ = [
    "DEFINITIONS",
    "PROGRESS_RULE",
    "REGIONS",
    "Colour",
    "DateOrderError",
    "ImportResult",
    "ProjectIn",
    "ProjectRates",
    "ProjectSummary",
    "ProjectTable",
    "RowError",
    "add_progress",
    "adjust",
    "assign",
    "block",
    "create_project",
    "gantt_option",
    "home_context",
    "import_columns",
    "import_file",
    "list_xlsx",
    "load_types",
    "portfolio_gantt",
    "rates",
    "record_dates",
    "report_from_json",
    "save_template",
    "summaries",
    "table",
    "table_xlsx",
    "unblock",
]
