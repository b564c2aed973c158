"""Scheduled work: expired idempotency keys are deleted (their replay window is over); personal
data past its retention is anonymised (security.anonymise)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huiqi.kit.clock import Clock
from huiqi.security import anonymise
from huiqi.security import repository as repo


def tick(session: Session, clock: Clock) -> dict[str, int]:
    now = clock.now()
    anonymised = sum(anonymise.run(session, now).values())
    return {"idempotency_keys_expired": repo.purge_expired(session, now),
            "personal_data_anonymised": anonymised}
