"""All SQL of the policy library.

Two reads reach outside the library's tables, both read-only and set-based, for re-matching on
publish: the eligible (enterprise, item) pairs in `match_results`, and the active enterprise
accounts per enterprise. (Per-row service calls would cost one query per enterprise.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, case, cast, delete, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from huiqi.matching import service as matching
from huiqi.models.enterprise import Enterprise
from huiqi.models.match_result import MatchResult
from huiqi.models.policy import PolicyDocument, PolicyVersion, PublishedItem
from huiqi.models.user import Role, User

PUBLISHED = "published"


def documents(session: Session) -> list[PolicyDocument]:
    return list(session.scalars(select(PolicyDocument).order_by(PolicyDocument.policy_id)))


def document(session: Session, document_id: int, *, lock: bool = False) -> PolicyDocument | None:
    stmt = select(PolicyDocument).where(PolicyDocument.id == document_id)
    if lock:  # publish/withdraw/new version of one document run one at a time
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def document_by_policy_id(session: Session, policy_id: str) -> PolicyDocument | None:
    return session.scalars(
        select(PolicyDocument).where(PolicyDocument.policy_id == policy_id)).first()


def versions(session: Session, document_id: int) -> list[PolicyVersion]:
    return list(session.scalars(select(PolicyVersion).where(
        PolicyVersion.document_id == document_id).order_by(PolicyVersion.number.desc())))


def all_versions(session: Session) -> list[PolicyVersion]:
    return list(session.scalars(select(PolicyVersion).order_by(
        PolicyVersion.document_id, PolicyVersion.number.desc())))


def version(session: Session, document_id: int, number: int) -> PolicyVersion | None:
    return session.scalars(select(PolicyVersion).where(
        PolicyVersion.document_id == document_id, PolicyVersion.number == number)).first()


def next_number(session: Session, document_id: int) -> int:
    top = session.scalar(select(func.max(PolicyVersion.number)).where(
        PolicyVersion.document_id == document_id))
    return int(top or 0) + 1


@dataclass(frozen=True)
class VersionRef:
    id: int
    sha256: str
    number: int
    published_at: datetime | None
    status: str = PUBLISHED
    withdrawn_at: datetime | None = None


_REF = (PolicyVersion.id, PolicyVersion.sha256, PolicyVersion.number, PolicyVersion.published_at)
_FULL = (*_REF, PolicyVersion.status, PolicyVersion.withdrawn_at)


def published_versions(session: Session) -> list[VersionRef]:
    rows = session.execute(select(*_REF).where(PolicyVersion.status == PUBLISHED)
                           .order_by(PolicyVersion.id))
    return [VersionRef(*row) for row in rows]


# Built once (asked on every request): see published_fingerprint.
# (Core columns, not the ORM class's: an ORM-enabled statement takes the slower ORM path.)
_v = PolicyVersion.__table__.c
_FINGERPRINT_PG = select(func.string_agg(
    cast(_v.id, Text), aggregate_order_by(literal(","), _v.id))).where(_v.status == PUBLISHED)
_FINGERPRINT_SQLITE = select(func.group_concat(  # group_concat keeps its subquery's order
    select(_v.id).where(_v.status == PUBLISHED).order_by(_v.id).subquery().c.id, ","))


def published_fingerprint(session: Session) -> str:
    """The ids of the published versions in one string ("3,7,12"): equal exactly when the
    published set is, since a version's text never changes and no version is ever deleted.
    Asked on every request that lists items: one aggregate row, where reading the rows (80 in
    the benchmark) cost about a tenth of a 政策礼包 request."""
    postgres = session.get_bind().dialect.name == "postgresql"
    query = _FINGERPRINT_PG if postgres else _FINGERPRINT_SQLITE
    return str(session.scalar(query) or "")


def fingerprint_of(refs: Sequence[VersionRef]) -> str:
    """What `published_fingerprint` reads when `refs` (in id order) are the published set."""
    return ",".join(str(r.id) for r in refs)




def published_version_of_item(session: Session, item_id: str) -> VersionRef | None:
    row = session.execute(
        select(*_REF).join(PublishedItem, PublishedItem.version_id == PolicyVersion.id)
        .where(PublishedItem.item_id == item_id, PolicyVersion.status == PUBLISHED)).first()
    return VersionRef(*row) if row else None


def version_by_ref(session: Session, policy_id: str, sha_prefix: str) -> VersionRef | None:
    """The stored version a reference `policy_id@sha256[:16]` names, whatever its status (the
    published one first if two versions hold the same text)."""
    published_first = case((PolicyVersion.status == PUBLISHED, 0), else_=1)
    row = session.execute(
        select(*_FULL).join(PolicyDocument, PolicyDocument.id == PolicyVersion.document_id)
        .where(PolicyDocument.policy_id == policy_id, PolicyVersion.status != "draft",
               PolicyVersion.sha256.startswith(sha_prefix, autoescape=True))
        .order_by(published_first, PolicyVersion.number.desc())).first()
    return VersionRef(*row) if row else None


def latest_version_with_item(session: Session, item_id: str) -> VersionRef | None:
    """The newest version ever published that holds the item (item ids are a JSON list: read
    in Python; the library is small)."""
    rows = session.execute(select(*_FULL, PolicyVersion.item_ids)
                           .where(PolicyVersion.status != "draft")
                           .order_by(PolicyVersion.published_at.desc(), PolicyVersion.id.desc()))
    for *ref, item_ids in rows:
        if item_id in (item_ids or []):
            return VersionRef(*ref)
    return None


def has_versions(session: Session) -> bool:
    return session.scalar(select(PolicyVersion.id).limit(1)) is not None


def source_texts(session: Session, version_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Version id → (file name, source text)."""
    rows = session.execute(select(PolicyVersion.id, PolicyVersion.filename, PolicyVersion.source)
                           .where(PolicyVersion.id.in_(list(version_ids))))
    return {int(i): (str(f), str(s)) for i, f, s in rows}


def published_item_map(session: Session) -> dict[str, str]:
    """Item id → policy id, over the published documents."""
    rows = session.execute(
        select(PublishedItem.item_id, PolicyDocument.policy_id)
        .join(PolicyVersion, PolicyVersion.id == PublishedItem.version_id)
        .join(PolicyDocument, PolicyDocument.id == PolicyVersion.document_id))
    return {str(i): str(p) for i, p in rows}


def index_items(session: Session, version_id: int, item_ids: Sequence[str]) -> None:
    session.add_all(PublishedItem(item_id=i, version_id=version_id) for i in item_ids)
    session.flush()


def unindex_version(session: Session, version_id: int) -> None:
    session.execute(delete(PublishedItem).where(PublishedItem.version_id == version_id))


def eligible_pairs(session: Session, item_ids: Sequence[str]) -> set[tuple[int, str]]:
    rows = session.execute(select(MatchResult.enterprise_id, MatchResult.item_id).where(
        MatchResult.item_id.in_(list(item_ids)), MatchResult.eligible.is_(True)))
    return {(int(e), str(i)) for e, i in rows}


def forget_results(session: Session, item_ids: Sequence[str]) -> int:
    """Drop stored match results of items no longer published (withdrawn or superseded).
    Through matching, which owns the results and raises the affected enterprises' match
    versions with them (the 政策礼包 cache key)."""
    return matching.forget_results(session, item_ids)


def enterprise_accounts(session: Session, enterprise_ids: Sequence[int]) -> dict[int, list[int]]:
    """Active enterprise accounts acting for each enterprise (who hears about new items)."""
    out: dict[int, list[int]] = {}
    ids = sorted(set(enterprise_ids))
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Enterprise.id, User.id)
            .join(User, User.enterprise_uscc == Enterprise.uscc)
            .where(Enterprise.id.in_(ids[start:start + 500]),
                   User.role == Role.ENTERPRISE.value, User.is_active.is_(True))
            .order_by(Enterprise.id, User.id))
        for enterprise_id, user_id in rows:
            out.setdefault(int(enterprise_id), []).append(int(user_id))
    return out


def enterprise_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Enterprise)) or 0)
