"""The security domain's public face: what other domains and the app may use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from huiqi.auth.actor import Actor
from huiqi.security import repository as repo
from huiqi.security.idempotency import HEADER, Idempotent, Replayed, StoreResponses, replay_response
from huiqi.security.rotation import Rotation, pending
from huiqi.security.rotation import rotate as _rotate
from huiqi.security.tasks import tick

__all__ = ["HEADER", "Idempotent", "Replayed", "Rotation", "StoreResponses", "pending_rotation",
           "purge_expired_keys", "replay_response", "rotate_keys", "tick"]


def rotate_keys(session: Session, actor: Actor) -> Rotation:
    """Re-seal every personal-data value under the current field key (audited)."""
    return _rotate(session, actor)


def purge_expired_keys(session: Session, now: datetime) -> int:
    return repo.purge_expired(session, now)


def pending_rotation(session: Session) -> dict[str, int]:
    return pending(session)
