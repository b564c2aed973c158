"""The audit record (who, role, source IP, what, when, before/after), append-only.

Public API: `record(session, actor, action, subject, before, after)` and `snapshot(obj, *fields)`.
"""

from huiqi.audit import chain as _chain  # noqa: F401 - chains new rows at flush
from huiqi.audit.service import jsonable, record, snapshot

__all__ = ["jsonable", "record", "snapshot"]
