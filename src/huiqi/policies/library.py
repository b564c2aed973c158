"""The policy library as the run-time source of policy items (`policies.items.ItemSource`).

Items are the published versions in the database. Each request asks the database which versions
are published (one small query), and parses a version's text only the first time it is seen:
parsed documents are kept per sha256, so a new publication is visible at once in every process
and nothing stale is served.

A library that has never held a version (a fresh database) serves the policy files of
`policies_dir` instead, as before the library existed; the office's library page says so and
offers to import them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy.orm import Session

from huiqi.policies import repository as repo
from huiqi.policies.items import FileItemSource, ItemVersion
from huiqi.policies.validation import load_source
from huiqi.rules import Item, PolicyDocument

CACHE_SIZE = 256


class LibraryItemSource:
    def __init__(self, fallback: FileItemSource | None = None) -> None:
        self._docs: OrderedDict[str, PolicyDocument] = OrderedDict()
        self._lock = threading.Lock()
        self._fallback = fallback
        self._all: tuple[str, tuple[ItemVersion, ...]] = ("", ())

    def get(self, session: Session, item_id: str) -> ItemVersion | None:
        ref = repo.published_version_of_item(session, item_id)
        if ref is None:
            fallback = self._fallback_for(session)
            return fallback.get(session, item_id) if fallback else None
        return self._item_of(session, ref, item_id)

    def get_version(self, session: Session, item_id: str, version: str) -> ItemVersion | None:
        """The item as in the version `policy_id@sha256[:16]` (published, superseded or
        withdrawn): an application is handled under the version it was submitted under."""
        policy_id, _, sha = version.rpartition("@")
        ref = repo.version_by_ref(session, policy_id, sha) if policy_id and sha else None
        if ref is None:  # made while the library served the policy files, or a file source
            return self._fallback.get_version(session, item_id, version) \
                if self._fallback else None
        return self._item_of(session, ref, item_id)

    def latest_version(self, session: Session, item_id: str) -> ItemVersion | None:
        """The newest version ever published holding the item (to say why it is gone)."""
        ref = repo.latest_version_with_item(session, item_id)
        return None if ref is None else self._item_of(session, ref, item_id)

    def _item_of(self, session: Session, ref: repo.VersionRef, item_id: str
                 ) -> ItemVersion | None:
        doc = self._documents(session, [ref])[ref.id]
        item = next((i for i in doc.items if i.id == item_id), None)
        return None if item is None else _version(item, doc, ref)

    def all(self, session: Session) -> tuple[ItemVersion, ...]:
        """The published items (the fallback files while the library never held a version);
        while the published set is unchanged, the very same tuple."""
        found = self.published(session)
        if found:
            return found
        fallback = self._fallback_for(session)
        return fallback.all(session) if fallback else found

    def published(self, session: Session) -> tuple[ItemVersion, ...]:
        """The published items only, never the fallback files."""
        key = repo.published_fingerprint(session)  # asked every request: kept cheap
        with self._lock:
            if key and self._all[0] == key:
                return self._all[1]
        refs = repo.published_versions(session)
        if not refs:
            return ()
        docs = self._documents(session, refs)
        found = tuple(_version(item, docs[ref.id], ref)
                      for ref in refs for item in docs[ref.id].items)
        if repo.fingerprint_of(refs) == key:  # no publication slipped in between
            with self._lock:
                self._all = (key, found)
        return found

    def _fallback_for(self, session: Session) -> FileItemSource | None:
        if self._fallback is None or repo.has_versions(session):
            return None
        return self._fallback

    def _documents(self, session: Session, refs: list[repo.VersionRef]
                   ) -> dict[int, PolicyDocument]:
        with self._lock:
            missing = [r.id for r in refs if r.sha256 not in self._docs]
        texts = repo.source_texts(session, missing) if missing else {}
        return {ref.id: self.parse(ref.sha256, *texts.get(ref.id, ("", ""))) for ref in refs}

    def parse(self, sha256: str, filename: str, source: str) -> PolicyDocument:
        """The parsed document of a stored version (kept per sha256)."""
        with self._lock:
            doc = self._docs.get(sha256)
            if doc is not None:
                self._docs.move_to_end(sha256)
                return doc
        from huiqi.registry.service import load_catalog

        # Stored versions were checked when saved; a catalog change since then raises
        # PolicyError here, loudly, rather than serving a half-understood policy.
        doc = load_source(source, filename, load_catalog())
        with self._lock:
            self._docs[sha256] = doc
            while len(self._docs) > CACHE_SIZE:
                self._docs.popitem(last=False)
        return doc


def _version(item: Item, doc: PolicyDocument, ref: repo.VersionRef) -> ItemVersion:
    return ItemVersion(item, f"{doc.id}@{ref.sha256[:16]}", ref.number, ref.published_at,
                       ref.status, ref.withdrawn_at)
