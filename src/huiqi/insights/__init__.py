"""Insights for the office: targeting per item (政策精准推送), pre-publication simulation
(政策模拟), dashboards, the weekly report and the indicator ledger (issue 18)."""
