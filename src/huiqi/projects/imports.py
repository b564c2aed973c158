"""Projects imported from Excel (.xlsx) or CSV, read by the registry's input pipeline (title rows
above the header skipped, CSV in UTF-8 or GBK).

Columns (Chinese names in the header row): 项目名称, 企业名称, 所在区 and 签约日期 are required;
统一社会信用代码, 项目类型 (industrial / lease, or their labels), 总投资（元） or 总投资（万元）,
用地面积（亩）, 行业代码, 代办员, 项目秘书, 牵头领导 (usernames), 备注 are optional.

Every bad row is reported with its spreadsheet row number, the reason (Chinese) and a stable
code, the good rows are imported (each in its own savepoint); a project already registered under
the same name is reported as such, so importing a file twice adds nothing. `errors_xlsx()` gives
the refused rows as they were read, with 错误原因 and 错误代码 (kit.imports' report, as for the
other imports), to correct and import again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.imports import RowError, errors_xlsx, import_rows
from huiqi.projects.access import require_office
from huiqi.projects.registry import ProjectIn, create_project, load_types
from huiqi.projects.templates import ProjectType
from huiqi.registry.service import read_upload

COLUMNS = {"项目名称": "name", "企业名称": "enterprise_name", "所在区": "region",
           "签约日期": "signed_on", "统一社会信用代码": "enterprise_uscc",
           "项目类型": "project_type", "总投资（元）": "amount", "总投资（万元）": "amount_wan",
           "用地面积（亩）": "land_mu", "行业代码": "industry_code", "代办员": "agent",
           "项目秘书": "secretary", "牵头领导": "lead", "备注": "note"}
REQUIRED = ("项目名称", "企业名称", "所在区", "签约日期")
MAX_ROWS = 2000


@dataclass(frozen=True)
class ImportResult:
    total: int
    imported: list[int]  # project ids
    errors: list[RowError]
    header: list[str] = field(default_factory=list)  # the file's columns, as written
    rejected: dict[int, list[str]] = field(default_factory=dict)  # row number → its cells

    def errors_xlsx(self) -> bytes:
        """The refused rows with their cells, 错误原因 and 错误代码."""
        return errors_xlsx(self.errors, header=self.header, cells=self.rejected)

    def report_json(self) -> str:
        """The error report, for the page to send back when the office downloads it (the import
        keeps no copy of the file)."""
        return json.dumps({"header": self.header, "rows": [
            [e.row, self.rejected.get(e.row, []), e.reason, e.code] for e in self.errors]},
            ensure_ascii=False)


MAX_REPORT_CHARS = 2_000_000


def report_from_json(text: str) -> ImportResult:
    """An error report sent back by the page (see `report_json`), checked for its shape."""
    bad = ValidationFailed("错误报告已失效，请重新导入文件后再下载。", code="bad_report")
    if not text or len(text) > MAX_REPORT_CHARS:
        raise bad
    try:
        data = json.loads(text)
        header = [str(h) for h in data["header"]][:len(COLUMNS) * 2]
        errors, rejected = [], {}
        for row, cells, reason, code in data["rows"][:MAX_ROWS * 4]:
            errors.append(RowError(int(row), str(reason), str(code)))
            rejected[int(row)] = [str(c) for c in cells]
    except (ValueError, TypeError, KeyError):
        raise bad from None
    return ImportResult(0, [], errors, header, rejected)


def import_file(session: Session, actor: Actor, clock: Clock, filename: str, data: bytes,
                types: dict[str, ProjectType] | None = None) -> ImportResult:
    require_office(actor)
    table = read_upload(filename, data, COLUMNS, REQUIRED, MAX_ROWS)
    types = types if types is not None else load_types()
    index = {COLUMNS[h]: i for i, h in enumerate(table.header) if h in COLUMNS}
    rows = [(number, {k: cells[i] if i < len(cells) else None for k, i in index.items()})
            for number, cells in table.rows]
    imported, errors = import_rows(
        session, rows, lambda row: create_project(session, actor, clock, _project_in(row, types),
                                                  types).id)
    audit.record(session, actor, "project.import", ("project_import", filename[:200]),
                 after={"filename": filename[:200], "rows": len(table.rows),
                        "imported": len(imported), "errors": len(errors)}, at=clock.now())
    bad = {e.row for e in errors}
    rejected = {number: [_shown(c) for c in cells] for number, cells in table.rows
                if number in bad}
    return ImportResult(len(table.rows), imported, errors, [str(h) for h in table.header],
                        rejected)


def _shown(value: Any) -> str:
    """A cell as the error report shows it (dates as 2026-03-05)."""
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        y, m, d = (int(x) for x in text.split("-"))
        return date(y, m, d)
    except ValueError:
        raise ValidationFailed(
            f"签约日期「{_text(value)}」不是有效日期，应为 2026-03-05。", code="bad_date") from None


def _type(value: Any, types: dict[str, ProjectType]) -> str:
    text = _text(value)
    if not text:
        return "industrial"
    by_label = {t.label: k for k, t in types.items()}
    return by_label.get(text, text)


def _amount(row: dict[str, Any]) -> Decimal | str | None:
    wan = _text(row.get("amount_wan"))
    if not wan:
        return _text(row.get("amount")) or None
    try:
        return Decimal(wan.replace(",", "")) * 10000
    except InvalidOperation:
        raise ValidationFailed(f"「总投资（万元）」应为数字，收到「{wan}」。",
                               code="bad_amount") from None


def _project_in(row: dict[str, Any], types: dict[str, ProjectType]) -> ProjectIn:
    if not _text(row.get("signed_on")):
        raise ValidationFailed("缺少签约日期。", code="missing_signed_on")
    return ProjectIn(
        name=_text(row.get("name")), enterprise_name=_text(row.get("enterprise_name")),
        region=_text(row.get("region")), signed_on=_date(row.get("signed_on")),
        project_type=_type(row.get("project_type"), types),
        enterprise_uscc=_text(row.get("enterprise_uscc")) or None,
        industry_code=_text(row.get("industry_code")) or None, amount=_amount(row),
        land_mu=_text(row.get("land_mu")) or None, agent=_text(row.get("agent")) or None,
        secretary=_text(row.get("secretary")) or None, lead=_text(row.get("lead")) or None,
        note=_text(row.get("note")) or None)


def import_columns() -> list[tuple[str, bool]]:
    """(column, required) for the import page's help."""
    return [(c, c in REQUIRED) for c in COLUMNS]
