"""Retention (网络安全法 第二十一条(三): logs kept at least six months): archive, then purge.

`cutoff` counts calendar months (6 months before 31 August is 28/29 February, not 180 days
earlier). `purge` never keeps less than MIN_MONTHS, writes the archive first (JSON Lines plus a
SHA-256 manifest) and removes only a prefix of the log in id order, then records the last
removed row's hash as the chain's new base, so `verify` still checks everything that is left.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from huiqi.audit import repository as repo
from huiqi.audit.chain import FIELDS
from huiqi.kit.clock import SHANGHAI

MIN_MONTHS = 6
DEFAULT_MONTHS = int(os.environ.get("HUIQI_AUDIT_KEEP_MONTHS") or 6)


def cutoff(now: datetime, months: int) -> datetime:
    """The same wall-clock moment `months` calendar months earlier (Beijing time; the day is
    clamped to the month's last)."""
    local = now.astimezone(SHANGHAI)
    index = local.year * 12 + local.month - 1 - months
    year, month = divmod(index, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day).astimezone(UTC)


@dataclass(frozen=True)
class Archived:
    path: Path
    rows: int
    sha256: str
    last_hash: str | None


def _first_kept_id(engine: Engine, before: datetime) -> int | None:
    with engine.connect() as conn:
        return repo.first_id_from(conn, before)


def archive(engine: Engine, before: datetime, out_dir: Path) -> Archived:
    """Write the rows a purge at `before` would remove (ids below the first row to keep)."""
    stop = _first_kept_id(engine, before)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"audit-before-{before.date().isoformat()}.jsonl"
    digest, rows, last = hashlib.sha256(), 0, None
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh, engine.connect() as conn:
        for row in repo.rows_before(conn, FIELDS, stop):
            line = json.dumps(dict(row._mapping), ensure_ascii=False, default=str,
                              sort_keys=True) + "\n"
            fh.write(line)
            digest.update(line.encode())
            rows, last = rows + 1, row.row_hash
    (out_dir / (path.name + ".sha256")).write_text(f"{digest.hexdigest()}  {path.name}\n")
    return Archived(path, rows, digest.hexdigest(), last)


def purge(engine: Engine, now: datetime, out_dir: Path, months: int = DEFAULT_MONTHS) -> Archived:
    if months < MIN_MONTHS:
        raise ValueError(f"审计日志至少保留 {MIN_MONTHS} 个月。")
    before = cutoff(now, months)
    done = archive(engine, before, out_dir)
    if not done.rows:
        return done
    stop = _first_kept_id(engine, before)
    with engine.begin() as conn:
        repo.delete_before(conn, stop)
        if done.last_hash:
            repo.set_chain_base_hash(conn, done.last_hash)
    return done
