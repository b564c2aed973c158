"""The policy items of one database: which version of an item is in force, by item id, as of
a date; the exact version an application was made under; a revision that moves whenever the
published set does.

Each engine (one database) has one `PolicyItems` (`policies.service.items(session)`, also on the
app's `app.state.policy_items`): two apps or CLI runs on two databases in one process never see
each other's items. Its source is the published versions of the policy library
(`policies.library.LibraryItemSource`); tests and `huiqi policy check` may read policy files
(`FileItemSource`) with `policies.service.use_items(engine, source)`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from huiqi.kit.clock import to_local
from huiqi.kit.errors import Conflict, NotFound
from huiqi.rules import Item, PolicyDocument, PolicySet, load_policy_files


@dataclass(frozen=True)
class ItemVersion:
    item: Item
    version: str  # a reference to the exact policy text applied (stored on applications)
    number: int | None = None  # version number in the policy library (None: a policy file)
    published_at: datetime | None = None
    status: str | None = None  # library: published | superseded | withdrawn (None: a file)
    changed_at: datetime | None = None  # when it was withdrawn (library, withdrawn only)


class ItemSource(Protocol):
    def get(self, session: Session, item_id: str) -> ItemVersion | None: ...

    def get_version(self, session: Session, item_id: str, version: str
                    ) -> ItemVersion | None: ...

    def all(self, session: Session) -> tuple[ItemVersion, ...]:
        """The items offered now (published, or the policy files); the same tuple while they
        are unchanged."""
        ...


class FileItemSource:
    """Items from policy files; the version is the file's sha256 (first 16 hex digits)."""

    def __init__(self, paths: Iterable[str | Path]) -> None:
        self._paths = [Path(p) for p in paths]
        self._lock = threading.Lock()
        self._loaded: dict[str, ItemVersion] | None = None
        self._all: tuple[ItemVersion, ...] | None = None

    def _load(self) -> dict[str, ItemVersion]:
        with self._lock:
            if self._loaded is None:
                from huiqi.registry.service import load_catalog

                policies: PolicySet = load_policy_files(self._paths, load_catalog())
                loaded = {}
                for doc in policies:
                    digest = hashlib.sha256(Path(doc.path).read_bytes()).hexdigest()[:16]
                    for item in doc.items:
                        loaded[item.id] = ItemVersion(item, f"{doc.id}@{digest}")
                self._loaded = loaded
            return self._loaded

    def get(self, session: Session, item_id: str) -> ItemVersion | None:
        return self._load().get(item_id)

    def get_version(self, session: Session, item_id: str, version: str) -> ItemVersion | None:
        """Only the files' current text: a file edited since carries another version."""
        found = self._load().get(item_id)
        return found if found is not None and found.version == version else None

    def all(self, session: Session) -> tuple[ItemVersion, ...]:
        if self._all is None:
            self._all = tuple(self._load().values())
        return self._all


def covers(document: PolicyDocument, region: str | None) -> bool:
    """Whether a policy is offered to an enterprise of `region`: one of 500000 (a province) or
    420800 (a city) covers 500105 / 420802 (its districts); several regions may be declared. An
    unknown region keeps the item (its 适用地区 criterion is then unknown and asks for it)."""
    return document.covers(region) is not False


@dataclass(frozen=True)
class InForce:
    """The items in force on a date for a region, and the revision they were read at: equal
    revisions of one `PolicyItems` mean equal published sets (callers key caches on it)."""

    revision: int
    items: tuple[Item, ...]


class PolicyItems:
    """The item source of one database, with its revision counter. The revision rises when a
    publication, supersession or withdrawal commits here, when the source is swapped, and when
    the source reports a new published set (another process published)."""

    def __init__(self, source: ItemSource) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._seen: tuple[ItemVersion, ...] | None = None
        self._in_force: dict[tuple[date, str | None], tuple[Item, ...]] = {}
        self.revision = 0

    @property
    def source(self) -> ItemSource:
        return self._source

    def use(self, source: ItemSource) -> None:
        with self._lock:
            self._source, self._seen = source, None
            self._bump()

    def bump(self) -> None:
        """The published set changed (policies.service calls it once the change commits)."""
        with self._lock:
            self._bump()

    def _bump(self) -> None:
        self.revision += 1
        self._in_force = {}

    def all(self, session: Session) -> tuple[ItemVersion, ...]:
        found = self._source.all(session)
        with self._lock:
            if found is not self._seen:
                self._seen = found
                self._bump()
        return found

    def in_force(self, session: Session, as_of: date, region: str | None = None) -> InForce:
        """Items in force on `as_of` (of policies covering `region`, when given)."""
        published = self.all(session)
        with self._lock:
            revision, cached = self.revision, self._in_force.get((as_of, region))
        if cached is None:
            cached = tuple(v.item for v in published if v.item.in_force(as_of)
                           and covers(v.item.document, region))
            with self._lock:
                if self.revision == revision:
                    if len(self._in_force) >= 256:
                        self._in_force = {}
                    self._in_force[(as_of, region)] = cached
        return InForce(revision, cached)

    def get(self, session: Session, item_id: str) -> ItemVersion | None:
        return self._source.get(session, item_id)

    def get_version(self, session: Session, item_id: str, version: str) -> ItemVersion | None:
        return self._source.get_version(session, item_id, version)

    def latest_version(self, session: Session, item_id: str) -> ItemVersion | None:
        """The newest version ever published holding the item (only the library knows)."""
        latest = getattr(self._source, "latest_version", None)
        return latest(session, item_id) if latest else None

    def get_item(self, session: Session, item_id: str) -> ItemVersion:
        """The published item in force: what new applications and 免申即享 lists use."""
        found = self.get(session, item_id)
        if found is not None:
            return found
        gone = self.latest_version(session, item_id)
        if gone is None:
            raise NotFound(f"政策事项“{item_id}”不存在或尚未发布。")
        title = gone.item.title
        if gone.status == "withdrawn":
            when = f"于 {_local_day(gone.changed_at)} " if gone.changed_at else ""
            raise ItemWithdrawn(f"“{title}”所属政策（第 {gone.number} 版）已{when}撤回，不再受理"
                                "新的申报；此前已提交的申报仍按提交时的版本继续办理。",
                                details={"item_id": item_id, "status": gone.status})
        raise ItemWithdrawn(f"“{title}”已被新版本政策取消，不再受理新的申报；此前已提交的申报仍"
                            "按提交时的版本继续办理。", details={"item_id": item_id,
                                                    "status": gone.status})

    def get_applied(self, session: Session, item_id: str, version: str) -> ItemVersion:
        """The exact version an application (or 免申即享 list) was made under: it is reviewed,
        approved and paid under it, even after the policy was withdrawn or superseded."""
        found = self.get_version(session, item_id, version)
        if found is None:
            raise VersionMissing(f"申报所依据的政策版本（{version}）已不在政策库中，无法按原版本"
                                 "办理。请联系营商办恢复该版本。",
                                 details={"item_id": item_id, "policy_version": version})
        return found

    def version_note(self, session: Session, item_id: str, version: str) -> VersionNote:
        applied = self.get_version(session, item_id, version)
        current = self.get(session, item_id)
        if current is not None:
            return VersionNote(applied, current,
                               "current" if current.version == version else "superseded")
        gone = self.latest_version(session, item_id)
        if gone is not None and gone.status == "withdrawn":
            return VersionNote(applied, None, "withdrawn", gone.changed_at)
        return VersionNote(applied, None, "dropped" if gone is not None else "current")


class ItemWithdrawn(NotFound):
    """The item was published once and is no longer: 410, with what happened to it."""

    status_code = 410
    code = "item_withdrawn"


class VersionMissing(Conflict):
    code = "policy_version_missing"


@dataclass(frozen=True)
class VersionNote:
    """What the application page says about the policy version a case follows."""

    applied: ItemVersion | None  # None: the version is gone from the library
    current: ItemVersion | None  # the published item in force now, if any
    state: str  # current | superseded | withdrawn | dropped (a new version has no such item)
    withdrawn_at: datetime | None = None


def _local_day(at: datetime) -> str:
    return to_local(at).date().isoformat()
