"""Where grants find a policy item and the version it is applied in.

At run time the items are the published versions of the policy library
(`huiqi.policies.library.LibraryItemSource`, installed by the app and the CLI); tests and
`huiqi policy check` may read policy files instead. A source is anything with
`get(session, item_id)` and `all(session)`:

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

from huiqi.kit.errors import NotFound
from huiqi.rules import Item, PolicySet, load_policy_files


@dataclass(frozen=True)
class ItemVersion:
    item: Item
    version: str  # a reference to the exact policy text applied (stored on applications)
    number: int | None = None  # version number in the policy library (None: a policy file)
    published_at: datetime | None = None


class ItemSource(Protocol):
    def get(self, session: Session, item_id: str) -> ItemVersion | None: ...

    def all(self, session: Session) -> list[ItemVersion]: ...


class FileItemSource:
    """Items from policy files; the version is the file's sha256 (first 16 hex digits)."""

    def __init__(self, paths: Iterable[str | Path]) -> None:
        self._paths = [Path(p) for p in paths]
        self._lock = threading.Lock()
        self._loaded: dict[str, ItemVersion] | None = None

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

    def all(self, session: Session) -> list[ItemVersion]:
        return list(self._load().values())


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


def get_item(session: Session, item_id: str) -> ItemVersion:
    found = current_source().get(session, item_id)
    if found is None:
        raise NotFound(f"政策事项“{item_id}”不存在或尚未发布。")
    return found


def finance_department_for(department: str) -> str:
    """The finance bureau that co-reviews an item of `department`: the same district's 财政局.

    "东宝区商务局" → "东宝区财政局"; "江北区人力资源和社会保障局" → "江北区财政局".
    """
    for marker in ("区", "县", "市"):
        cut = department.find(marker)
        if cut > 0:
            return department[: cut + 1] + "财政局"
    return "财政局"
