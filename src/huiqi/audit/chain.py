"""The audit log's hash chain: every row carries SHA-256(previous row's hash | its own fields),
so a row changed, removed or moved afterwards no longer fits (`huiqi audit verify`).

Chaining happens at flush (an ORM event): the writer first updates the single `audit_chain` row
— which makes writers take turns (a row lock on PostgreSQL, the write lock on SQLite) until they
commit — then reads the last hash, and chains its new rows in the order they are inserted (the
order of their ids). The head row keeps the last hash, so cutting rows off the end shows too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, event, insert, select, text, update
from sqlalchemy.orm import Session

from huiqi.models.audit import AuditChain, AuditLog

GENESIS = "0" * 64
FIELDS = ("at", "actor_id", "actor_username", "actor_role", "source_ip", "action",
          "subject_type", "subject_id", "before", "after")


def _norm(name: str, value: Any) -> Any:
    if name == "at" and isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def row_digest(prev_hash: str, values: dict[str, Any]) -> str:
    body = json.dumps({name: _norm(name, values.get(name)) for name in FIELDS},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


@event.listens_for(Session, "before_flush")
def _chain_new_rows(session: Session, _context: Any, _instances: Any) -> None:
    new = [obj for obj in session.new if isinstance(obj, AuditLog)]
    if not new:
        return
    conn = session.connection()
    # Take the head first (serialises writers until commit), then read it.
    taken = conn.execute(update(AuditChain).where(AuditChain.id == 1)
                         .values(writes=AuditChain.writes + 1))
    if not taken.rowcount:
        conn.execute(insert(AuditChain).values(id=1, writes=1))
    head = conn.execute(select(AuditChain.last_hash, AuditChain.base_hash)
                        .where(AuditChain.id == 1)).one()
    prev = head.last_hash or head.base_hash or GENESIS
    order = {id(obj): i for i, obj in enumerate(session.new)}
    for row in sorted(new, key=lambda o: order[id(o)]):
        if row.at and row.at.tzinfo is None:
            row.at = row.at.replace(tzinfo=UTC)
        row.prev_hash = prev
        row.row_hash = prev = row_digest(prev, {name: getattr(row, name) for name in FIELDS})
    conn.execute(update(AuditChain).where(AuditChain.id == 1).values(last_hash=prev))


@dataclass
class Finding:
    row_id: int | None
    problem: str  # changed | broken_link | unchained | tail_missing

    def message(self) -> str:
        text_ = {"changed": "内容被改动（哈希不符）",
                 "broken_link": "与前一条记录衔接不上（前面的记录被删除、插入或调换了顺序）",
                 "unchained": "没有哈希（在链开始之后写入）",
                 "tail_missing": "末尾的记录被删除（链头记录的最后哈希对不上）"}[self.problem]
        return f"第 {self.row_id} 条：{text_}" if self.row_id else text_


@dataclass
class Report:
    checked: int = 0
    before_chain: int = 0  # rows from before the chain was introduced
    findings: list[Finding] = field(default_factory=list)
    head: str | None = None

    @property
    def ok(self) -> bool:
        return not self.findings


def _rows(conn: Connection, batch: int = 5000) -> Iterator[Any]:
    last = -1
    cols = [AuditLog.id, AuditLog.prev_hash, AuditLog.row_hash,
            *(getattr(AuditLog, n) for n in FIELDS)]
    while True:
        chunk = conn.execute(select(*cols).where(AuditLog.id > last)
                             .order_by(AuditLog.id).limit(batch)).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].id


def verify(engine: Engine, limit: int = 20) -> Report:
    """Walk the whole log in id order and report every row that does not fit the chain."""
    report = Report()
    with engine.connect() as conn:
        head = conn.execute(select(AuditChain.last_hash, AuditChain.base_hash)
                            .where(AuditChain.id == 1)).first()
        prev: str | None = None
        for row in _rows(conn):
            if row.row_hash is None:
                if prev is None:
                    report.before_chain += 1
                else:
                    report.findings.append(Finding(row.id, "unchained"))
                continue
            report.checked += 1
            expected_prev = prev if prev is not None else (
                head.base_hash if head and head.base_hash else GENESIS)
            if row.prev_hash != expected_prev:
                report.findings.append(Finding(row.id, "broken_link"))
            values = {name: getattr(row, name) for name in FIELDS}
            if row_digest(row.prev_hash or "", values) != row.row_hash:
                report.findings.append(Finding(row.id, "changed"))
            prev = row.row_hash
        report.head = prev
        if head and head.last_hash and head.last_hash != prev:
            report.findings.append(Finding(None, "tail_missing"))
    report.findings = report.findings[:limit] if limit else report.findings
    return report


def _disable_sql(dialect: str) -> tuple[list[str], list[str]]:
    from huiqi.models.audit import SQLITE_TRIGGERS

    if dialect == "sqlite":
        return (["DROP TRIGGER IF EXISTS audit_log_no_update",
                 "DROP TRIGGER IF EXISTS audit_log_no_delete"], SQLITE_TRIGGERS)
    return (["ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete"],
            ["ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete"])


def run_privileged(conn: Connection, statements: list[Any]) -> None:
    """Run statements on audit_log with the append-only triggers lifted, in the caller's
    transaction (so the triggers are back when it commits; used by purge and by tests that play
    the intruder)."""
    off, on = _disable_sql(conn.dialect.name)
    for sql in off:
        conn.execute(text(sql))
    for stmt in statements:
        conn.execute(text(stmt) if isinstance(stmt, str) else stmt)
    for sql in on:
        conn.execute(text(sql))
