"""Query-string filters for the audit log, shared by the page, the export and the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from huiqi.audit.repository import AuditFilter
from huiqi.kit.errors import ValidationFailed


async def audit_filter(  # async: no I/O, no thread-pool hop
    actor: Annotated[str, Query(max_length=64)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    subject_type: Annotated[str, Query(max_length=64)] = "",
    subject_id: Annotated[str, Query(max_length=64)] = "",
    date_from: Annotated[str, Query(max_length=10)] = "",
    date_to: Annotated[str, Query(max_length=10)] = "",
) -> AuditFilter:
    start, end = _date(date_from, "开始日期"), _date(date_to, "结束日期")
    if start and end and start > end:
        raise ValidationFailed("开始日期不能晚于结束日期。")
    return AuditFilter(actor.strip(), action.strip(), subject_type.strip(), subject_id.strip(),
                       start, end)


def _date(value: str, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = f"{label}“{value}”不是有效日期，请按 2025-06-01 的格式填写。"
        raise ValidationFailed(message) from None


AuditFilterQuery = Annotated[AuditFilter, Depends(audit_filter)]
