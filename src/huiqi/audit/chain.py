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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from huiqi.audit import repository as repo
from huiqi.audit.repository import run_privileged as run_privileged  # purge's, tests'
from huiqi.models.audit import AuditLog

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
    head = repo.take_chain_head(conn)
    prev = head.last_hash or head.base_hash or GENESIS
    order = {id(obj): i for i, obj in enumerate(session.new)}
    for row in sorted(new, key=lambda o: order[id(o)]):
        if row.at and row.at.tzinfo is None:
            row.at = row.at.replace(tzinfo=UTC)
        row.prev_hash = prev
        row.row_hash = prev = row_digest(prev, {name: getattr(row, name) for name in FIELDS})
    repo.set_chain_last_hash(conn, prev)


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


def verify(engine: Engine, limit: int = 20) -> Report:
    """Walk the whole log in id order and report every row that does not fit the chain."""
    report = Report()
    with engine.connect() as conn:
        head = repo.chain_head(conn)
        prev: str | None = None
        for row in repo.chained_rows(conn, FIELDS):
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
