"""Insights as other domains use it. Targeting and simulation (targeting*.py, simulation*.py);
dashboards, reports and indicators add their entry points below. Keep additions additive."""

from __future__ import annotations
