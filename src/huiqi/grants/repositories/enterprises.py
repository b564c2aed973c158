"""SQL of the enterprises and their accounts as grants sees them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from huiqi.models.enterprise import Enterprise, EnterpriseFact, enterprises
from huiqi.models.user import Role, User


def enterprise(session: Session, uscc: str) -> Enterprise | None:
    return session.scalars(select(Enterprise).where(enterprises.c.uscc == uscc)).first()


def supplied_facts(session: Session, enterprise_id: int) -> list[EnterpriseFact]:
    return list(session.scalars(select(EnterpriseFact)
                                .where(EnterpriseFact.enterprise_id == enterprise_id)))


def with_region_prefixes(session: Session, prefixes: Sequence[str]) -> Iterator[Enterprise]:
    """Enterprises whose region code starts with one of `prefixes` ("" among them: all), by
    id, read 500 at a time."""
    stmt = select(Enterprise).order_by(enterprises.c.id)
    if "" not in prefixes:
        stmt = stmt.where(or_(*(enterprises.c.region.startswith(p, autoescape=True)
                                for p in prefixes)))
    yield from session.scalars(stmt.execution_options(yield_per=500))


def lock_enterprises(session: Session, usccs: Sequence[str]) -> None:
    """Row-lock the enterprises, in USCC order."""
    session.execute(select(enterprises.c.id).where(enterprises.c.uscc.in_(list(usccs)))
                    .order_by(enterprises.c.uscc).with_for_update())


def account_ids(session: Session, uscc: str) -> list[int]:
    """The active enterprise accounts acting for `uscc`."""
    stmt = select(User.id).where(User.enterprise_uscc == uscc, User.role == Role.ENTERPRISE.value,
                                 User.is_active.is_(True)).order_by(User.id)
    return list(session.scalars(stmt))
