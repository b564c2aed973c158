"""What changed between two versions of a policy file: the items added, removed and changed, and
a line diff of the YAML text (with context) for the page and the API."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from huiqi.models.policy import PolicyVersion

CONTEXT = 3


@dataclass(frozen=True)
class DiffLine:
    kind: str  # same | add | del | gap
    old: int | None  # line number in the older version
    new: int | None  # line number in the newer version
    text: str


@dataclass(frozen=True)
class VersionDiff:
    old: PolicyVersion
    new: PolicyVersion
    lines: list[DiffLine]
    added_items: list[str]
    removed_items: list[str]
    added: int  # lines
    removed: int

    @property
    def unchanged(self) -> bool:
        return not self.added and not self.removed

    def unified(self) -> str:
        """The classic `diff -u` text (API, downloads)."""
        return "".join(difflib.unified_diff(
            _lines(self.old.source, keepends=True), _lines(self.new.source, keepends=True),
            f"{self.old.filename} (第{self.old.number}版)",
            f"{self.new.filename} (第{self.new.number}版)", n=CONTEXT))


def _lines(text: str, keepends: bool = False) -> list[str]:
    return text.splitlines(keepends=keepends)


def compare(old: PolicyVersion, new: PolicyVersion) -> VersionDiff:
    a, b = _lines(old.source), _lines(new.source)
    out: list[DiffLine] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT):
        if out:
            out.append(DiffLine("gap", None, None, "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [DiffLine("same", i + 1, j + 1, a[i]) for i, j in
                        zip(range(i1, i2), range(j1, j2), strict=True)]
                continue
            out += [DiffLine("del", i + 1, None, a[i]) for i in range(i1, i2)]
            out += [DiffLine("add", None, j + 1, b[j]) for j in range(j1, j2)]
            removed, added = removed + (i2 - i1), added + (j2 - j1)
    old_ids, new_ids = list(old.item_ids), list(new.item_ids)
    return VersionDiff(old, new, out, [i for i in new_ids if i not in old_ids],
                       [i for i in old_ids if i not in new_ids], added, removed)
