"""ECharts options for the dashboards (drawn by huiqi.js from `data-echarts`; no inline script).
Money goes to the chart as yuan with two decimals, the same figures the tables print."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from huiqi.insights.dashboard import MoneyRow


def _yuan(value: Decimal | None) -> float:
    return float(value or 0)


def _base(title: str) -> dict[str, Any]:
    return {"title": {"text": title, "textStyle": {"fontSize": 13}}, "tooltip": {"trigger": "axis"},
            "grid": {"left": 70, "right": 20, "bottom": 70, "top": 50}, "aria": {"enabled": True}}


def money_by_month(rows: Sequence[MoneyRow]) -> dict[str, Any]:
    option = _base("按月：测算、批准、兑现（元）")
    option.update({
        "legend": {"data": ["测算金额", "批准金额", "兑现金额"], "bottom": 0},
        "xAxis": {"type": "category", "data": [r.key for r in rows]},
        "yAxis": {"type": "value", "name": "元"},
        "series": [{"name": "测算金额", "type": "bar", "data": [_yuan(r.estimated) for r in rows]},
                   {"name": "批准金额", "type": "bar", "data": [_yuan(r.approved) for r in rows]},
                   {"name": "兑现金额", "type": "line", "data": [_yuan(r.paid) for r in rows]}]})
    return option


def money_by_department(rows: Sequence[MoneyRow]) -> dict[str, Any]:
    option = _base("按主管部门：批准与兑现（元）")
    option.update({
        "legend": {"data": ["批准金额", "兑现金额"], "bottom": 0},
        "xAxis": {"type": "category", "data": [r.label for r in rows],
                  "axisLabel": {"interval": 0, "rotate": 20}},
        "yAxis": {"type": "value", "name": "元"},
        "series": [{"name": "批准金额", "type": "bar", "data": [_yuan(r.approved) for r in rows]},
                   {"name": "兑现金额", "type": "bar", "data": [_yuan(r.paid) for r in rows]}]})
    return option


def budget_use(rows: Sequence[MoneyRow]) -> dict[str, Any]:
    chosen = [r for r in rows if r.budget]
    option = _base("预算使用（已预留+已批准 / 年度预算）")
    option.update({
        "xAxis": {"type": "value", "name": "%", "max": 100},
        "yAxis": {"type": "category", "data": [r.label[:16] for r in chosen]},
        "grid": {"left": 200, "right": 30, "bottom": 30, "top": 50},
        "series": [{"name": "预算使用率", "type": "bar",
                    "data": [round(float(r.used * 100 / r.budget), 1) if r.budget else 0
                             for r in chosen]}]})
    return option


def open_by_age(bands: Sequence[tuple[str, int]]) -> dict[str, Any]:
    option = _base("未办结诉求（按已用天数）")
    option.update({
        "xAxis": {"type": "category", "data": [b for b, _ in bands]},
        "yAxis": {"type": "value", "name": "件", "minInterval": 1},
        "series": [{"name": "未办结", "type": "bar", "data": [n for _, n in bands]}]})
    return option


def trend(periods: Sequence[str], values: Sequence[Decimal | None], target: Decimal | None,
          name: str, unit: str) -> dict[str, Any]:
    option = _base(f"{name}（{unit}）")
    series: list[dict[str, Any]] = [{"name": name, "type": "line", "connectNulls": False,
                                     "data": [None if v is None else float(v) for v in values]}]
    if target is not None:
        series.append({"name": "目标值", "type": "line", "lineStyle": {"type": "dashed"},
                       "data": [float(target)] * len(periods), "symbol": "none"})
    option.update({"legend": {"data": [s["name"] for s in series], "bottom": 0},
                   "xAxis": {"type": "category", "data": list(periods)},
                   "yAxis": {"type": "value", "name": unit}, "series": series})
    return option
