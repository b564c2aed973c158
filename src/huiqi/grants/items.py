"""Where grants find a policy item and the version it is applied in.

At run time the items are the published versions of the policy library
(`huiqi.policies.library.LibraryItemSource`, installed by the app and the CLI); tests and
`huiqi policy check` may read policy files instead. A source is anything with
`get(session, item_id)` (the published item in force), `get_version(session, item_id, version)`
(the exact version an application was submitted under, whatever its status now) and
`all(session)`:

    items.use_source(FileItemSource(paths))     # tests
    items.install_default(LibraryItemSource())  # app start-up: unless a source was chosen
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from huiqi.kit.clock import to_local
from huiqi.kit.errors import Conflict, NotFound
from huiqi.rules import Item, PolicySet, load_policy_files


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
        are unchanged, so callers may key caches on it."""
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
                from huiqi.registry.catalog import load_catalog

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


_source: ItemSource | None = None
_chosen = False  # set by use_source: an explicit choice install_default leaves alone


def use_source(source: ItemSource | None) -> None:
    """Set the item source for this process (None: back to the default policy files)."""
    global _source, _chosen
    _source, _chosen = source, source is not None


def install_default(source: ItemSource) -> None:
    """The process's source unless one was chosen with `use_source` (tests keep theirs)."""
    global _source
    if not _chosen:
        _source = source


def current_source() -> ItemSource:
    global _source
    if _source is None:
        from huiqi.kit.settings import get_settings

        _source = FileItemSource([get_settings().policies_dir])
    return _source


class ItemWithdrawn(NotFound):
    """The item was published once and is no longer: 410, with what happened to it."""

    status_code = 410
    code = "item_withdrawn"


def get_item(session: Session, item_id: str) -> ItemVersion:
    """The published item in force: what new applications and 免申即享 lists use."""
    source = current_source()
    found = source.get(session, item_id)
    if found is not None:
        return found
    latest = getattr(source, "latest_version", None)  # optional: the library knows the history
    gone: ItemVersion | None = latest(session, item_id) if latest else None
    if gone is None:
        raise NotFound(f"政策事项“{item_id}”不存在或尚未发布。")
    title = gone.item.title
    if gone.status == "withdrawn":
        when = f"于 {_local_day(gone.changed_at)} " if gone.changed_at else ""
        raise ItemWithdrawn(f"“{title}”所属政策（第 {gone.number} 版）已{when}撤回，不再受理新的"
                            "申报；此前已提交的申报仍按提交时的版本继续办理。",
                            details={"item_id": item_id, "status": gone.status})
    raise ItemWithdrawn(f"“{title}”已被新版本政策取消，不再受理新的申报；此前已提交的申报仍按"
                        "提交时的版本继续办理。", details={"item_id": item_id,
                                                "status": gone.status})


def _local_day(at: datetime) -> str:
    return to_local(at).date().isoformat()


def get_applied(session: Session, item_id: str, version: str) -> ItemVersion:
    """The exact version an application (or 免申即享 list) was made under: it is reviewed,
    approved and paid under it, even after the policy was withdrawn or a new version published."""
    found = current_source().get_version(session, item_id, version)
    if found is None:
        raise VersionMissing(f"申报所依据的政策版本（{version}）已不在政策库中，无法按原版本办理。"
                             "请联系营商办恢复该版本。", details={"item_id": item_id,
                                                       "policy_version": version})
    return found


@dataclass(frozen=True)
class VersionNote:
    """What the application page says about the policy version a case follows."""

    applied: ItemVersion | None  # None: the version is gone from the library
    current: ItemVersion | None  # the published item in force now, if any
    state: str  # current | superseded | withdrawn | dropped (a new version has no such item)
    withdrawn_at: datetime | None = None


def version_note(session: Session, item_id: str, version: str) -> VersionNote:
    source = current_source()
    applied = source.get_version(session, item_id, version)
    current = source.get(session, item_id)
    if current is not None:
        return VersionNote(applied, current,
                           "current" if current.version == version else "superseded")
    latest = getattr(source, "latest_version", None)
    gone: ItemVersion | None = latest(session, item_id) if latest else None
    if gone is not None and gone.status == "withdrawn":
        return VersionNote(applied, None, "withdrawn", gone.changed_at)
    return VersionNote(applied, None, "dropped" if gone is not None else "current")


class VersionMissing(Conflict):
    code = "policy_version_missing"


def finance_department_for(department: str) -> str:
    """The finance bureau that co-reviews an item of `department`: the same district's 财政局.

    "东宝区商务局" → "东宝区财政局"; "江北区人力资源和社会保障局" → "江北区财政局".
    """
    for marker in ("区", "县", "市"):
        cut = department.find(marker)
        if cut > 0:
            return department[: cut + 1] + "财政局"
    return "财政局"
