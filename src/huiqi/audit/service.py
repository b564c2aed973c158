"""Writing the audit record: in the caller's transaction, never committed here.

    audit.record(session, actor, "grant.approve", application, before={...}, after={...})

`subject` is a mapped instance (type = its table, id = its primary key), a (type, id) pair, or None.
`before`/`after` are JSON-able snapshots; `snapshot(obj, "status", "amount")` builds one. Decimal,
date and datetime values are written as strings, exactly.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.models.audit import AuditLog
from huiqi.models.user import User

Subject = tuple[str, object] | object | None


def record(
    session: Session,
    actor: Actor | User | None,
    action: str,
    subject: Subject = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> AuditLog:
    """Add one audit row to the session (flushed with the caller's changes, same transaction)."""
    if isinstance(actor, User):
        actor = Actor.of(actor)
    subject_type, subject_id = _subject(subject)
    if subject_id is None and subject is not None and not isinstance(subject, tuple):
        session.flush()  # a new subject gets its id, so the record can name it
        subject_type, subject_id = _subject(subject)
    row = AuditLog(
        at=at or datetime.now(UTC),
        actor_id=actor.user_id if actor else None,
        actor_username=actor.username if actor else None,
        actor_role=_role(actor),
        source_ip=actor.ip if actor else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before=jsonable(dict(before)) if before is not None else None,
        after=jsonable(dict(after)) if after is not None else None,
    )
    session.add(row)
    return row


def _role(actor: Actor | None) -> str | None:
    if actor is None:
        return None
    if actor.role is not None:
        return actor.role.value
    return "system" if actor.via in ("system", "cli") else None


def snapshot(obj: object, *fields: str) -> dict[str, Any]:
    """The named attributes of an object as a JSON-able dict (for before/after)."""
    return {name: jsonable(getattr(obj, name)) for name in fields}


def _subject(subject: Subject) -> tuple[str | None, str | None]:
    if subject is None:
        return None, None
    if isinstance(subject, tuple):
        kind, ident = subject
        return str(kind), None if ident is None else str(ident)
    state = inspect(subject, raiseerr=False)
    if state is None or not hasattr(state, "mapper"):
        raise TypeError(f"audit subject must be a mapped object or (type, id), got {subject!r}")
    identity = state.mapper.primary_key_from_instance(subject)
    ident = ",".join(str(v) for v in identity) if any(v is not None for v in identity) else None
    return state.mapper.local_table.name, ident


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def record_apart(engine: Any, actor: Actor | None, action: str, subject: Subject = None,
                 after: Mapping[str, Any] | None = None) -> None:
    """An audit row in its own short transaction: for what is refused (the request's own
    transaction is rolled back) and for files handed out (a read request writes nothing else)."""
    from huiqi.kit.db import unit_of_work

    with unit_of_work(engine) as db:
        record(db, actor, action, subject, after=after)


def actor_of_scope(scope: Mapping[str, Any]) -> Actor | None:
    """Who made an ASGI request: its resolved caller, else an anonymous actor with its address."""
    auth = (scope.get("state") or {}).get("auth")
    client = scope.get("client")
    ip = client[0] if client else None
    if auth is not None:
        known: Actor = auth.actor
        return known.with_ip(ip) if known.ip is None else known
    return Actor(None, "anonymous", "", None, ip=ip, via="anonymous")


async def audit_refusal(request: Any, status: int, code: str, message: str) -> None:
    """A refused request (403 forbidden, 409 illegal transition, CSRF): who, what, why."""
    from anyio import to_thread

    auth = getattr(request.state, "auth", None)
    actor = auth.actor if auth else actor_of_scope(request.scope)
    after = {"method": request.method, "path": request.url.path, "status": status,
             "code": code, "message": message[:200]}
    await to_thread.run_sync(record_apart, request.app.state.engine, actor, "request.refused",
                             None, after)
