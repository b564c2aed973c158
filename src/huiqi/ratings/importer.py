"""Importing ratings collected elsewhere (the provincial 好差评 system, a hall's pad terminals):
an .xlsx or .csv with a header row. Each good row becomes a rating (source 批量导入) through
the same `intake.record` as every other path — one per 办件, level 1–5, a 差评 opens its
核实 task with its deadline from the rating date; each bad row is reported with its number and
the reason, and the rest are imported."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import SHANGHAI, FixedClock
from huiqi.kit.errors import Conflict, HuiqiError, ValidationFailed
from huiqi.kit.imports import RowError
from huiqi.ratings import repository as repo
from huiqi.ratings.intake import RatingIn, Subject, record
from huiqi.ratings.vocab import LEVEL_LABELS, CaseKind, Channel, Source
from huiqi.registry.service import InvalidUSCC, validate_uscc

REQUIRED = ("办件编号", "部门", "评价等级", "评价时间")
OPTIONAL = ("办件类型", "渠道", "事项", "窗口编号", "工号", "姓名", "评价内容", "标签",
            "统一社会信用代码")
CHANNELS = {**{c.label: c for c in Channel}, **{c.value: c for c in Channel}}
KINDS = {**{k.label: k for k in CaseKind}, **{k.value: k for k in CaseKind}}
LEVELS = {label: str(int(level)) for level, label in LEVEL_LABELS.items()}
MAX_ROWS = 100_000


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)  # row number, reason, stable code


def rows_of(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as the reader sees it, {header: text}) for every non-empty data row."""
    raw: Iterator[list[str]]
    if path.suffix.lower() == ".xlsx":
        ws: Any = load_workbook(path, read_only=True, data_only=True).active
        raw = ([_cell(v) for v in row] for row in ws.iter_rows(values_only=True))
    else:
        text = path.read_bytes().decode("utf-8-sig")
        raw = iter(list(csv.reader(io.StringIO(text, newline=""))))
    header = [h.strip() for h in next(raw, [])]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise ValidationFailed(f"缺少必填列：{'、'.join(missing)}。表头应包含："
                               f"{'、'.join(REQUIRED)}（可选：{'、'.join(OPTIONAL)}）。")
    for n, row in enumerate(raw, start=2):
        if n > MAX_ROWS + 1:
            raise ValidationFailed(f"一次最多导入 {MAX_ROWS} 行，请拆分文件。")
        values = {h: (row[i] if i < len(row) else "").strip() for i, h in enumerate(header) if h}
        if any(values.values()):
            yield n, values


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _when(text: str) -> datetime:
    """A Beijing date or date-time → aware UTC."""
    try:
        if len(text) <= 10:
            moment = datetime.combine(date.fromisoformat(text), time(12))
        else:
            moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise ValidationFailed(f"评价时间「{text}」应为 2025-06-01 或 2025-06-01 09:30。",
                               code="bad_date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC)


def _subject(session: Session, v: dict[str, str]) -> Subject:
    dept = repo.department(session, v["部门"])
    if dept is None:
        raise ValidationFailed(f"部门「{v['部门']}」不存在。", code="unknown_department")
    kind = KINDS.get(v.get("办件类型") or "contact")
    channel = CHANNELS.get(v.get("渠道") or "window")
    if kind is None or channel is None:
        raise ValidationFailed("办件类型应为 政策申报/诉求/窗口服务，渠道应为 窗口/网上/电话。",
                               code="bad_kind" if kind is None else "bad_channel")
    window = repo.window(session, v["窗口编号"]) if v.get("窗口编号") else None
    if v.get("窗口编号") and window is None:
        raise ValidationFailed(f"窗口编号「{v['窗口编号']}」不存在。", code="unknown_window")
    uscc = None
    if v.get("统一社会信用代码"):
        try:
            uscc = validate_uscc(v["统一社会信用代码"])
        except InvalidUSCC as exc:
            raise ValidationFailed(str(exc), code="invalid_uscc") from None
    ref = v["办件编号"][:100]
    if not ref:
        raise ValidationFailed("缺少办件编号。", code="missing_ref")
    return Subject(kind, ref, dept, channel, Source.IMPORT, v.get("事项") or None, window,
                   v.get("工号") or None, v.get("姓名") or None, uscc)


# record()'s own refusals carry the API's broad codes; a row report names the exact problem
FIELD_CODES = {"level": "bad_level", "comment": "missing_comment"}


def _code(exc: HuiqiError) -> str:
    if isinstance(exc, Conflict):
        return "duplicate"
    field_name = exc.details.get("field") if isinstance(exc.details, dict) else None
    return FIELD_CODES.get(str(field_name), exc.code) if field_name else exc.code


def import_file(session: Session, actor: Actor, path: Path) -> ImportReport:
    report = ImportReport()
    for n, v in rows_of(path):
        try:
            with session.begin_nested():
                subject = _subject(session, v)
                level = LEVELS.get(v["评价等级"], v["评价等级"])
                tags = [t for t in v.get("标签", "").replace(",", "、").split("、") if t.strip()]
                at = _when(v["评价时间"])
                record(session, actor, FixedClock(at), subject,
                       RatingIn(level=level, comment=v.get("评价内容") or None, tags=tags))
        except HuiqiError as exc:
            report.errors.append(RowError(n, exc.message, _code(exc)))
        else:
            report.imported += 1
    audit.record(session, actor, "rating.import", ("ratings", None),
                 after={"file": path.name, "count": report.imported,
                        "errors": len(report.errors)})
    return report
