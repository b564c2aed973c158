"""Scheduled work: results not yet published are put on the 公示 on their 20th working day."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huiqi.kit.clock import Clock
from huiqi.supervision import results


def tick(session: Session, clock: Clock) -> None:
    results.publish_due(session, clock)
