"""Insights for the office: targeting and simulation (targeting*, simulation*), dashboards,
the weekly report and the indicator ledger (dashboard*, report*, indicators*)."""
