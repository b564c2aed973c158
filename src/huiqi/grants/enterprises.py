"""What grants needs to know about enterprises and their accounts, in one adapter.

Reads the registry's tables directly until `huiqi.registry.service` offers these look-ups; only
this module changes then.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from huiqi.grants.repositories import enterprises as ent_repo
from huiqi.models.enterprise import Enterprise
from huiqi.rules import region_prefix


@dataclass(frozen=True)
class EnterpriseInfo:
    id: int
    uscc: str
    name: str
    legal_form: str | None
    region: str | None


def _info(row: Enterprise) -> EnterpriseInfo:
    return EnterpriseInfo(row.id, row.uscc, row.name or row.uscc, row.legal_form, row.region)


def by_uscc(session: Session, uscc: str) -> EnterpriseInfo | None:
    row = ent_repo.enterprise(session, uscc)
    return _info(row) if row is not None else None


def facts(session: Session, uscc: str) -> dict[str, object]:
    """The profile plus the facts the enterprise supplied (政策礼包), by catalog name."""
    row = ent_repo.enterprise(session, uscc)
    if row is None:
        return {}
    out: dict[str, object] = {k: v for k, v in row.profile().items() if v is not None}
    for fact in ent_repo.supplied_facts(session, row.id):
        if fact.value is not None:
            out[fact.field] = fact.value
    return out


def in_regions(session: Session, regions: Sequence[str]) -> Iterator[EnterpriseInfo]:
    """Enterprises a policy of `regions` covers (a city or province code covers its districts;
    100000 全国 covers every enterprise)."""
    prefixes = [region_prefix(code) for code in regions]
    for row in ent_repo.with_region_prefixes(session, prefixes):
        yield _info(row)


def lock(session: Session, usccs: Iterable[str]) -> None:
    """Lock the enterprises' rows (PostgreSQL; SQLite holds its write lock already), in USCC
    order: approvals for one enterprise then see each other's grants (不重复支持 across items)."""
    wanted = sorted(set(usccs))
    if wanted:
        ent_repo.lock_enterprises(session, wanted)


def account_ids(session: Session, uscc: str) -> list[int]:
    """The active enterprise accounts acting for `uscc` (who gets its notifications)."""
    return ent_repo.account_ids(session, uscc)
