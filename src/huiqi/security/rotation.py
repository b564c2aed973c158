"""`huiqi security rotate-key`: every field-encrypted value re-sealed under the current (first)
key of HUIQI_FIELD_KEYS, plaintext left from before encryption sealed too. Afterwards the old
keys can be dropped from the environment. Idempotent: a second run changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit import fieldcrypt
from huiqi.security import repository as repo


@dataclass
class Rotation:
    key_id: str
    changed: dict[str, int] = field(default_factory=dict)  # "table.column" -> values re-sealed
    checked: int = 0

    @property
    def total(self) -> int:
        return sum(self.changed.values())


def rotate(session: Session, actor: Actor) -> Rotation:
    report = Rotation(fieldcrypt.keyring().current)
    for name, column in repo.sealed_columns():
        changed = 0
        for rows in repo.raw_values(session, name, column):
            for row_id, value in rows:
                report.checked += 1
                if fieldcrypt.needs_rotation(value):
                    repo.store_raw(session, name, column, row_id, fieldcrypt.reencrypt(value)
                                   or "")
                    changed += 1
        report.changed[f"{name}.{column}"] = changed
    audit.record(session, actor, "security.rotate_key", ("field_keys", None),
                 after={"key_id": report.key_id, "count": report.total})
    return report


def pending(session: Session) -> dict[str, int]:
    """What a rotation would change, per column (the dry run of `huiqi security rotate-key`)."""
    out: dict[str, int] = {}
    for name, column in repo.sealed_columns():
        out[f"{name}.{column}"] = sum(
            1 for rows in repo.raw_values(session, name, column)
            for _, value in rows if fieldcrypt.needs_rotation(value))
    return out
