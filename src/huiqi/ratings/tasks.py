"""The ratings tick: each appeal's return visit becomes the rating of that appeal (once), so a
差评 given on a return visit opens the same 核实/整改/回访 loop as one given on the portal."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huiqi.kit.clock import Clock
from huiqi.ratings.sources import feed_appeal_visits


def tick(session: Session, clock: Clock) -> int:
    return feed_appeal_visits(session, clock)
