"""Scheduled work: expired idempotency keys are deleted (their replay window is over)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huiqi.kit.clock import Clock
from huiqi.security import repository as repo


def tick(session: Session, clock: Clock) -> dict[str, int]:
    return {"idempotency_keys_expired": repo.purge_expired(session, clock.now())}
