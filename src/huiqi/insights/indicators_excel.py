"""The indicator catalog from Excel (each bad row reported, the good ones imported), the blank
import template, and the ledger in the layout submitted upward (one row per 监测指标, grouped by
一级/二级指标, the months side by side, target and whether it is met)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from huiqi.audit import service as audit
from huiqi.auth.actor import Actor
from huiqi.insights import indicators_repository as repo
from huiqi.insights.indicators import DIRECTIONS, FREQUENCIES, LedgerRow, parse_value
from huiqi.insights.indicators_compute import SOURCES
from huiqi.kit import excel
from huiqi.kit.clock import Clock
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.imports import RowError
from huiqi.models.indicator import Indicator

COLUMNS = ["指标编码", "一级指标", "二级指标", "监测指标", "单位", "指标方向", "责任单位",
           "监测频次", "目标值", "数据来源"]
REQUIRED = COLUMNS[:8]
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
_DIRECTION_IN = {**{v: k for k, v in DIRECTIONS.items()}, "up": "up", "down": "down",
                 "正向": "up", "逆向": "down", "越大越好": "up", "越小越好": "down"}
_FREQ_IN = {**{v: k for k, v in FREQUENCIES.items()}, "monthly": "monthly",
            "quarterly": "quarterly", "yearly": "yearly", "月度": "monthly", "季度": "quarterly",
            "年度": "yearly", "按月": "monthly"}
_SOURCE_IN = {"": "manual", "手工填报": "manual", "部门填报": "manual", "manual": "manual",
              **{k: k for k in SOURCES}, **{label: k for k, (label, _) in SOURCES.items()}}


@dataclass
class ImportReport:
    inserted: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)  # Excel row number, message, code


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    if len(data) > MAX_BYTES:
        raise ValidationFailed("文件超过 5 MB，请拆分后导入。")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ValidationFailed("无法读取该文件：请上传 Excel（.xlsx）文件，可先下载导入模板。") \
            from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_text(c) for c in next(rows, ())]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationFailed(f"第 1 行应为表头，缺少列：{'、'.join(missing)}。请使用导入模板。")
    out = []
    for n, row in enumerate(rows, start=2):
        if n - 1 > MAX_ROWS:
            raise ValidationFailed(f"一次最多导入 {MAX_ROWS} 行。")
        cells = {h: _text(row[i]) if i < len(row) else "" for i, h in enumerate(header) if h}
        if any(cells.values()):
            out.append((n, cells))
    return out


# the stable English name of each required column, for the `missing_<field>` codes
_FIELD = {"指标编码": "code", "一级指标": "level1", "二级指标": "level2", "监测指标": "name",
          "单位": "unit", "指标方向": "direction", "责任单位": "department",
          "监测频次": "frequency"}


class RowProblem(ValueError):
    """One refused row: the Chinese message and its stable code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _parse(cells: dict[str, str], depts: dict[str, int]) -> dict[str, Any]:
    empty = [c for c in REQUIRED if not cells.get(c)]
    if empty:
        raise RowProblem(f"缺少{'、'.join(empty)}", f"missing_{_FIELD[empty[0]]}")
    direction = _DIRECTION_IN.get(cells["指标方向"])
    if direction is None:
        raise RowProblem(f"指标方向应为“越高越好”或“越低越好”，收到「{cells['指标方向']}」",
                         "bad_direction")
    frequency = _FREQ_IN.get(cells["监测频次"])
    if frequency is None:
        raise RowProblem(f"监测频次应为每月、每季度或每年，收到「{cells['监测频次']}」",
                         "bad_frequency")
    dept = depts.get(cells["责任单位"])
    if dept is None:
        raise RowProblem(f"责任单位「{cells['责任单位']}」不在部门名录中（填部门全称或编码）",
                         "unknown_department")
    source = _SOURCE_IN.get(cells.get("数据来源", ""))
    if source is None:
        raise RowProblem(f"数据来源「{cells['数据来源']}」不认识：留空或填“部门填报”，"
                         f"或平台可计算的：{'、'.join(label for label, _ in SOURCES.values())}",
                         "bad_source")
    target = None
    if cells.get("目标值"):
        try:
            target = parse_value(cells["目标值"], "目标值")
        except ValidationFailed as exc:
            raise RowProblem(str(exc).rstrip("。"), "bad_target") from None
    if len(cells["指标编码"]) > 32 or len(cells["单位"]) > 20:
        raise RowProblem("指标编码不超过 32 个字符，单位不超过 20 个字符", "too_long")
    return {"code": cells["指标编码"], "level1": cells["一级指标"][:100],
            "level2": cells["二级指标"][:200], "name": cells["监测指标"][:300],
            "unit": cells["单位"], "direction": direction, "department_id": dept,
            "frequency": frequency, "target": target, "source": source}


def import_catalog(db: Session, actor: Actor, clock: Clock, data: bytes) -> ImportReport:
    """Insert or update indicators by 指标编码; a bad row is reported with its row number and
    the rest are imported. One audit row records the import."""
    rows = read_rows(data)
    depts = repo.department_lookup(db)
    existing = repo.by_code(db, [c.get("指标编码", "") for _, c in rows])
    report, seen, now = ImportReport(), set(), clock.now()
    for n, cells in rows:
        try:
            fields = _parse(cells, depts)
            if fields["code"] in seen:
                raise RowProblem(f"指标编码「{fields['code']}」在文件中重复", "duplicate_code")
        except RowProblem as exc:
            report.errors.append(RowError(n, str(exc), exc.code))
            continue
        seen.add(fields["code"])
        ind = existing.get(fields["code"])
        if ind is None:
            db.add(Indicator(**fields, active=True, created_at=now, updated_at=now))
            report.inserted += 1
        else:
            for key, value in fields.items():
                setattr(ind, key, value)
            ind.active, ind.updated_at = True, now
            report.updated += 1
    db.flush()
    audit.record(db, actor, "insights.indicator_import", ("indicator_catalog", None),
                 after={"inserted": report.inserted, "updated": report.updated,
                        "errors": len(report.errors)})
    return report


def template_bytes() -> bytes:
    example = ["05.01.01", "获得信贷", "融资便利度", "普惠小微贷款余额增速", "%", "越高越好",
               "区财政局", "每月", "15", "部门填报"]
    return excel.workbook_bytes("指标目录", COLUMNS, [example], [12, 16, 20, 36, 8, 10, 24, 10,
                                                              10, 16])


def ledger_bytes(title: str, filters: list[tuple[str, str]], periods: list[str],
                 rows: list[LedgerRow]) -> bytes:
    headers = ["序号", "一级指标", "二级指标", "监测指标", "单位", "指标方向", "责任单位",
               "目标值", *[f"{p}" for p in periods], "是否达标"]
    body = []
    for n, r in enumerate(sorted(rows, key=lambda x: (x.indicator.level1, x.indicator.level2,
                                                       x.indicator.code)), start=1):
        ind = r.indicator
        met = "—" if r.met is None else ("达标" if r.met else "未达标")
        body.append([n, ind.level1, ind.level2, ind.name, ind.unit, r.direction, r.department,
                     _plain(ind.target), *[_plain(v) for v in r.values], met])
    return excel.ledger_bytes(title, filters, headers, body, sheet="指标台账")


def _plain(value: Decimal | None) -> object:
    if value is None:
        return ""
    return int(value) if value == value.to_integral_value() else value.normalize()
