"""An item's application window (申报期): `apply_window: {from: …, to: …}` in the policy file.

Applications (page and API) are accepted only on the days from `from` to `to`, both included,
and only while the item is in force; the window must lie inside the item's validity.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import yaml

from huiqi.rules import _yamlnodes as yn
from huiqi.rules._problems import Msg

if TYPE_CHECKING:
    from huiqi.rules._loader import FileReader

KEYS = {"from": True, "to": True}


def read(r: FileReader, node: yaml.Node, starts: object, ends: object
         ) -> tuple[date, date] | None:
    """The window of one item, checked: `to` not before `from`, both inside the validity
    (`starts`…`ends`, the item's own dates or else its document's; `ends` None = open)."""
    if yn.is_null(node):
        return None
    found = r.keys(node, KEYS, "申报期 apply_window")
    if not found or set(found) != set(KEYS):
        return None
    got = {k: r.guard(yn.iso_date, found[k][1], f"apply_window.{k}") for k in KEYS}
    begin, end = got["from"], got["to"]
    if begin is None or end is None:
        return None
    before = len(r.problems)
    if end < begin:
        r.report(found["to"][1], Msg("window_reversed",
                                     f"申报期的截止日期（{end}）早于开始日期（{begin}）"))
    if isinstance(starts, date) and begin < starts:
        r.report(found["from"][1], Msg("window_before_validity",
                                       f"申报期开始日期（{begin}）早于事项的生效日期（{starts}）"))
    if isinstance(ends, date) and end > ends:
        r.report(found["to"][1], Msg("window_after_validity",
                                     f"申报期截止日期（{end}）晚于事项的失效日期（{ends}）"))
    return (begin, end) if len(r.problems) == before else None
