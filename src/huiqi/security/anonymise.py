"""Personal data past its retention is anonymised (PIPL art 19, 47): for each dictionary entry
with an `anonymise` rule, rows whose `after` column is older than `months` calendar months (in
Beijing time) and that match `where` get the rule's value. Run by the scheduled tick and by
`huiqi security anonymise`; idempotent (a value already anonymised is not counted again); one
audit row per run that changed something, with counts per column (never the values)."""

from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.clock import SHANGHAI
from huiqi.security import pi_dictionary
from huiqi.security import repository as repo


def months_before(now: datetime, months: int) -> datetime:
    """The same wall-clock moment `months` calendar months earlier (day clipped to the month)."""
    local = now.astimezone(SHANGHAI)
    index = local.year * 12 + local.month - 1 - months
    year, month = divmod(index, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def run(session: Session, now: datetime, actor: Actor | None = None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in pi_dictionary.entries():
        rule = entry.anonymise
        if rule is None:
            continue
        changed = 0
        for row_id, value in repo.anonymise_candidates(
                session, entry.table, entry.column, rule.after,
                months_before(now, rule.months), dict(rule.where)):
            target = None if rule.to is None else rule.to.replace("{id}", str(row_id))
            if value != target:
                repo.set_column(session, entry.table, entry.column, row_id, target)
                changed += 1
        counts[f"{entry.table}.{entry.column}"] = changed
    if any(counts.values()):
        audit.record(session, actor, "security.anonymise", ("personal_data", None),
                     after={k: v for k, v in counts.items() if v}, at=now)
    return counts
