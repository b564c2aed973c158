"""The weekly report's files: an Excel workbook (kit.excel) and a PDF laid out for A4 printing
(WeasyPrint), with the CJK font embedded (Noto Sans CJK from Debian's fonts-noto-cjk, found
through fontconfig) so it prints the same on any machine."""

from __future__ import annotations

from typing import Any

from huiqi.kit import excel
from huiqi.ui.templating import env

SUMMARY = ["指标", "本期", "上期", "环比", "单位"]


def xlsx(title: str, content: dict[str, Any]) -> bytes:
    summary: list[list[object]] = [list(SUMMARY)]
    summary += [[f["label"], _number(f["value"]), _number(f["previous"]), f["change"], f["unit"]]
                for f in content["figures"]]
    summary += [[r["label"], r["percent"], "", f"{r['numerator']}/{r['denominator']}", ""]
                for r in content["rates"]]
    overdue: list[list[object]] = [["部门", "超期未办结诉求（件）", "逾期未补材料申报（件）"]]
    overdue += [[r["department"], r["appeals"], r["applications"]] for r in content["overdue"]]
    new: list[list[object]] = [["编号", "类别", "标题", "牵头部门", "状态"],
                               *content["new_appeals"]]
    closed: list[list[object]] = [["编号", "类别", "标题", "牵头部门", "销号日期"],
                                  *content["closed_appeals"]]
    head: list[list[object]] = [[title], [f"统计期：{content['start']} 至 {content['end']}；"
                                          f"上期：{content['previous']['start']} 至 "
                                          f"{content['previous']['end']}"]]
    return excel.sheet_bytes([
        ("周报", [*head, [], *summary], [28, 18, 18, 12, 8], False),
        ("超期事项", overdue, [30, 20, 24], True),
        ("新增诉求", new, [10, 14, 40, 26, 12], True),
        ("办结诉求", closed, [10, 14, 40, 26, 14], True),
    ])


def _number(text: str) -> object:
    from decimal import Decimal

    value = Decimal(text)
    return int(value) if value == value.to_integral_value() and "." not in text else value


def html(title: str, content: dict[str, Any]) -> str:
    return env.get_template("insights/report_pdf.html").render(title=title, r=content)


def pdf(title: str, content: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported on use: loading Pango takes a moment

    data: bytes = HTML(string=html(title, content)).write_pdf()
    return data
