"""12345 hotline transfers, imported from Excel (.xlsx) or CSV (UTF-8 or GBK), read by the
registry's input pipeline (`registry.reader`: encoding per file, title rows above the header).

Columns (header row, Chinese names): 工单编号 (required, the idempotency key), 诉求类别, 诉求内容
(required), 统一社会信用代码 (or 企业名称 matching exactly one registered enterprise), 标题
(default: the first 30 characters of the content), 企业名称, 联系人, 联系电话, 地址, 来电时间.

Every bad row is reported with its spreadsheet row number and the reason; the good rows are
imported. A ticket already imported (in an earlier file or earlier in this one) is counted as a
duplicate and skipped, so importing the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.appeals import repository as repo
from huiqi.appeals.access import require_office
from huiqi.appeals.intake import AppealIn, submit
from huiqi.appeals.vocab import Source
from huiqi.auth.actor import Actor
from huiqi.kit.clock import Clock
from huiqi.kit.errors import ValidationFailed
from huiqi.kit.imports import RowError, import_rows
from huiqi.models.appeal_intake import AppealImportBatch
from huiqi.models.enterprise import enterprises
from huiqi.registry.service import read_upload

COLUMNS = {"工单编号": "ticket", "诉求类别": "category", "诉求内容": "description",
           "统一社会信用代码": "uscc", "标题": "title", "企业名称": "enterprise_name",
           "联系人": "contact_name", "联系电话": "contact_phone", "地址": "address",
           "来电时间": "called_at"}
REQUIRED = ("工单编号", "诉求类别", "诉求内容")
MAX_ROWS = 5000


@dataclass(frozen=True)
class ImportResult:
    batch: AppealImportBatch
    imported: list[int]  # appeal ids
    duplicates: list[str]  # tickets skipped
    errors: list[RowError]


def import_file(session: Session, actor: Actor, clock: Clock, filename: str, data: bytes
                ) -> ImportResult:
    require_office(actor)
    table = read_upload(filename, data, COLUMNS, REQUIRED, MAX_ROWS)
    index = {COLUMNS[h]: i for i, h in enumerate(table.header) if h in COLUMNS}
    rows = [(n, {k: _cell(cells, i) for k, i in index.items()}) for n, cells in table.rows]
    batch = AppealImportBatch(filename=filename[:200], total_rows=len(rows), imported=0,
                              duplicates=0, errors=[], created_by=actor.user_id,
                              created_at=clock.now())
    session.add(batch)
    session.flush()
    seen = repo.existing_tickets(session, [r["ticket"] for _, r in rows if r.get("ticket")])
    duplicates: list[str] = []

    def one(row: dict[str, str]) -> int | None:
        ticket = row.get("ticket") or ""
        if ticket and ticket in seen:
            duplicates.append(ticket)
            return None
        appeal = submit(session, actor, clock, _appeal_in(session, row, batch.id))
        seen.add(ticket)
        return appeal.id

    made, errors = import_rows(session, rows, one)
    imported = [x for x in made if x is not None]
    batch.imported, batch.duplicates = len(imported), len(duplicates)
    batch.errors = [e.as_dict() for e in errors]
    audit.record(session, actor, "appeal.hotline_import", batch,
                 after={"filename": batch.filename, "rows": batch.total_rows,
                        "imported": batch.imported, "duplicates": batch.duplicates,
                        "errors": len(errors)}, at=clock.now())
    return ImportResult(batch, imported, duplicates, errors)


def _cell(cells: Any, i: int) -> str:
    value = cells[i] if i < len(cells) else None
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a ticket number Excel stored as a number
    return str(value).strip()


def _appeal_in(session: Session, row: dict[str, str], batch_id: int) -> AppealIn:
    ticket = row.get("ticket", "")
    if not ticket:
        raise ValidationFailed("缺少工单编号。", code="missing_ticket")
    if len(ticket) > 64:
        raise ValidationFailed("工单编号不能超过 64 个字符。", code="ticket_too_long")
    description = row.get("description", "")
    if not description:
        raise ValidationFailed("缺少诉求内容。", code="missing_description")
    uscc = row.get("uscc") or _uscc_by_name(session, row.get("enterprise_name", ""))
    return AppealIn(
        category=row.get("category", ""), title=row.get("title") or description[:30],
        description=description, enterprise_uscc=uscc,
        enterprise_name=row.get("enterprise_name"), source=Source.HOTLINE,
        contact_name=row.get("contact_name"), contact_phone=row.get("contact_phone"),
        address=row.get("address"), hotline_ticket=ticket, import_batch_id=batch_id,
        via="import", extra={"ticket": ticket, "called_at": row.get("called_at") or None})


def _uscc_by_name(session: Session, name: str) -> str:
    if not name:
        raise ValidationFailed("缺少统一社会信用代码，也没有企业名称。", code="missing_enterprise")
    found = list(session.scalars(select(enterprises.c.uscc).where(enterprises.c.name == name)
                                 .limit(2)))
    if len(found) != 1:
        raise ValidationFailed(f"缺少统一社会信用代码，且按企业名称「{name}」"
                               f"{'未找到' if not found else '找到多家'}企业。",
                               code="enterprise_not_found" if not found else "enterprise_ambiguous")
    return str(found[0])
