"""Which outcomes of a match are stored, and the stamp that makes a missing one mean "not
eligible".

`match_results` has a row for an (enterprise, item) pair only when something reads it: the pair
is eligible, undecided (facts missing) or a near miss (exactly one criterion failed). A plain
"not eligible", and an item whose policy does not cover the enterprise's region (the 政策礼包
never offers it), are no row. In the district benchmark (100,000 enterprises, 200 items) those
were about 90% of 20 million rows, and writing them was most of a publication's re-match.

A missing row means "not eligible" only for the items the enterprise was last matched against
on its policy date: every write of its results stamps its `match_versions` row with that date
and `items_key` of the items offered in its region, and readers compare the stamp with the
items they are about to show (`service.results`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from huiqi.matching.engines.vector import VectorResult, decode_bits
from huiqi.rules import Item


def offered(items: Iterable[Item], region: str | None) -> list[Item]:
    """The items whose policy covers an enterprise of `region` (an unknown region keeps them,
    as the 政策礼包 does: their 适用地区 criterion then asks for it)."""
    return [i for i in items if i.document.covers(region) is not False]


def items_key(items: Iterable[Item]) -> str:
    """A short key of a set of items (their ids): equal keys, equal sets."""
    ids = "\n".join(sorted({i.id for i in items}))
    return hashlib.sha256(ids.encode()).hexdigest()[:16]


def keys_by_region(items: Sequence[Item], regions: Iterable[str | None]
                   ) -> dict[str | None, str]:
    """The stamp's `items_key` of an enterprise of each region matched against `items`."""
    return {r: items_key(offered(items, r)) for r in set(regions)}


@dataclass(frozen=True)
class StoredRows:
    """The rows to store, in primary-key order (enterprise, then item id), as arrays: the
    enterprise ids, item ids, eligible (1 / 0 / -1 unknown), amount in fen where `has_amount`
    (eligible with a known amount), failed and missing names. A near miss is eligible 0."""

    enterprise: np.ndarray
    item: np.ndarray  # object: item ids
    eligible: np.ndarray
    amount: np.ndarray
    has_amount: np.ndarray
    failed: np.ndarray  # object: ';'-joined names
    missing: np.ndarray

    def __len__(self) -> int:
        return len(self.enterprise)

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """(enterprise_id, item_id, eligible, amount_fen, failed, missing, near_miss) tuples,
        eligible True / False / None and amount None when unknown."""
        states = np.array([None, False, True], dtype=object)  # by eligible + 1
        amounts = [a if h else None for a, h in zip(self.amount.tolist(),
                                                    self.has_amount.tolist(), strict=True)]
        return zip(self.enterprise.tolist(), self.item.tolist(),
                   states[self.eligible + 1].tolist(), amounts, self.failed.tolist(),
                   self.missing.tolist(), (self.eligible == 0).tolist(), strict=True)

    def arrow(self) -> pa.Table:
        """The same columns as an Arrow table (unknown values null), e.g. for a CSV COPY."""
        return pa.table({
            "enterprise_id": pa.array(self.enterprise, pa.int64()),
            "item_id": pa.array(self.item, pa.string()),
            "eligible": pa.array(self.eligible == 1, pa.bool_(), mask=self.eligible == -1),
            "amount_fen": pa.array(self.amount, pa.int64(), mask=~self.has_amount),
            "failed": pa.array(self.failed, pa.string()),
            "missing": pa.array(self.missing, pa.string()),
            "near_miss": pa.array(self.eligible == 0, pa.bool_())})


def kept_rows(ids: np.ndarray, regions: Sequence[str | None], items: Sequence[Item],
              criteria: Sequence[Sequence[str]], fields: Sequence[Sequence[str]],
              results: Sequence[VectorResult]) -> StoredRows:
    """From the in-memory engine's results (with details) over enterprises `ids` of
    `regions`: the pairs to store. `criteria`/`fields` name each item's failed/missing bits."""
    order = sorted(range(len(items)), key=lambda k: items[k].id)  # item ids in key order
    region_codes, words = _codes(regions)
    parts: list[tuple[np.ndarray, ...]] = []
    for rank, k in enumerate(order):
        r = results[k]
        assert r.failed_bits is not None and r.missing_bits is not None
        covered = _covered(items[k], region_codes, words)
        failed = r.failed_bits
        near = (r.eligible == 0) & (failed != 0) & ((failed & (failed - 1)) == 0)
        idx = np.flatnonzero(covered & ((r.eligible != 0) | near))
        parts.append((ids[idx].astype(np.int64), np.full(len(idx), rank, np.int32),
                      r.eligible[idx], r.amount_fen[idx],
                      r.amount_known[idx] & (r.eligible[idx] == 1),
                      _names(failed[idx], criteria[k]), _names(r.missing_bits[idx], fields[k])))
    if not parts:
        empty = np.array([], dtype=object)
        return StoredRows(np.array([], np.int64), empty, np.array([], np.int8),
                          np.array([], np.int64), np.array([], bool), empty, empty)
    joined = [np.concatenate(c) for c in zip(*parts, strict=True)]
    pk = np.lexsort((joined[1], joined[0]))
    ent, item, elig, amount, has, failed_s, missing_s = (c[pk] for c in joined)
    item_ids = np.array([items[k].id for k in order], dtype=object)
    return StoredRows(ent, item_ids[item], elig, amount, has, failed_s, missing_s)


def _codes(regions: Sequence[str | None]) -> tuple[np.ndarray, list[str | None]]:
    words = sorted(set(regions), key=lambda w: (w is None, w or ""))
    index = {w: n for n, w in enumerate(words)}
    return np.fromiter((index[r] for r in regions), np.int32, len(regions)), words


def _covered(item: Item, codes: np.ndarray, words: Sequence[str | None]) -> np.ndarray:
    inside = [n for n, w in enumerate(words) if item.document.covers(w) is not False]
    return np.isin(codes, inside)


def _names(bits: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """';'-joined names of each row's set bits (decoded once per distinct value)."""
    if not len(bits):
        return np.array([], dtype=object)
    values, inverse = np.unique(bits, return_inverse=True)
    decoded = np.array([decode_bits(int(v), names) for v in values], dtype=object)
    return decoded[inverse]


__all__ = ["StoredRows", "items_key", "kept_rows", "keys_by_region", "offered"]
