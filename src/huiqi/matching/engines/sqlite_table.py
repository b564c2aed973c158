"""The SQLite engine for bulk files: all items in one pass over table `src`.

SQLite computes each distinct criterion once per row and each item's amount on its eligible
rows; numpy derives eligible / failed / missing from the criterion values. A value handed from
SQLite to Python costs about 150 ns (more than computing it), so SQLite hands over a few long
strings of comma-separated integers per block of rows (group_concat) instead of a value per
row and item:
- the row keys; the criterion values packed two bits each (1 true, 0 false, 2 unknown); which
  fields of criteria over several fields are NULL, a bit each;
- per item, the eligible rows' keys and amounts (fen; unknown as -1 - the NULL inputs' bits).
All SQL text comes from the compiled, checked rules; the row range is a bound parameter.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
import pyarrow as pa

from huiqi.rules import CompiledItem, Item, compile_items

BLOCK_ROWS = 1 << 17  # rows per query: bounds the strings (48 bytes a row for the seeds)
SLOTS = 31  # two-bit criterion values per integer, keeping the sign bit clear
FIELD_BITS = 63


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqlitePlan:
    """The one query for a list of compiled items, and how to read its answer."""

    def __init__(self, compiled: Sequence[CompiledItem]) -> None:
        self.compiled = compiled
        self.criteria: dict[str, str] = {}  # alias -> SQL, each distinct criterion once
        for c in compiled:
            for alias in c.criterion_aliases:
                self.criteria.setdefault(alias, c.stage_columns[alias])
        self.slot = {alias: i for i, alias in enumerate(self.criteria)}
        # A criterion over one field is unknown only when that field is NULL (no IR operation
        # makes NULL from non-NULL values), so only fields of criteria over several fields
        # need their own NULL bit; the amounts' inputs get theirs with the amount.
        self.fields = list(dict.fromkeys(f for c in compiled for crit in c.ir.criteria
                                         if len(crit.fields) > 1 for f in crit.fields))
        self.bit = {name: j for j, name in enumerate(self.fields)}
        self.packs = -(-len(self.criteria) // SLOTS)
        self.null_packs = -(-len(self.fields) // FIELD_BITS)
        self.with_amount = [k for k, c in enumerate(compiled) if "amount_value" in c.staged]
        self.sql = self._sql()

    def _sql(self) -> str:
        packs = [" | ".join(f"(IFNULL({self.criteria[a]}, 2) << {2 * (i % SLOTS)})"
                            for i, a in enumerate(self.criteria) if i // SLOTS == g)
                 for g in range(self.packs)]
        nulls = [" | ".join(f'(("src".{_q(f)} IS NULL) << {j % FIELD_BITS})'
                            for j, f in enumerate(self.fields) if j // FIELD_BITS == h)
                 for h in range(self.null_packs)]
        money = list(dict.fromkeys(f for k in self.with_amount
                                   for f in _money(self.compiled[k])))
        stage = ", ".join(['"src"."__row" AS "__row"', *(f'"src".{_q(f)}' for f in money),
                           *(f"{p} AS __p{g}" for g, p in enumerate(packs)),
                           *(f"{n} AS __z{h}" for h, n in enumerate(nulls))])
        # group_concat turns integers to text far faster than printf would
        outputs = ["group_concat(__row)", *(f"group_concat(__p{g})" for g in range(self.packs)),
                   *(f"group_concat(__z{h})" for h in range(self.null_packs))]
        for k in self.with_amount:
            c = self.compiled[k]
            # an unknown amount as -1 - (which inputs are NULL, a bit each)
            nulls = " | ".join(f"((q.{_q(f)} IS NULL) << {j})" for j, f in enumerate(
                _money(c)))
            amount = f"IFNULL({c.staged['amount_value']}, -1 - ({nulls or 0}))"
            # FILTER: the aggregates are not even called for the other rows
            eligible = f"FILTER (WHERE {self._eligible(c)})"
            outputs += [f"group_concat(__row) {eligible}", f"group_concat({amount}) {eligible}"]
        # every piece is rendered from checked rules or built here from field names
        return (f"SELECT {', '.join(outputs)} FROM (SELECT {stage} FROM \"src\" "
                f"WHERE rowid >= ? AND rowid < ? LIMIT -1 OFFSET 0) AS \"q\"")

    def _eligible(self, c: CompiledItem) -> str:
        """All of the item's criteria are 1 (01): the packs masked to its slots equal 01s."""
        tests = []
        for g in range(self.packs):
            slots = [self.slot[a] % SLOTS for a in c.criterion_aliases
                     if self.slot[a] // SLOTS == g]
            if slots:
                mask = sum(3 << 2 * s for s in set(slots))
                ones = sum(1 << 2 * s for s in set(slots))
                tests.append(f"(__p{g} & {mask}) = {ones}")
        return " AND ".join(tests) or "1"

    def decode(self, answer: Sequence[str | None], items: Sequence[Item]) -> list[pa.Table]:
        numbers = [_ints(text) for text in answer]
        rows = numbers[0]
        order = None if np.all(rows[1:] > rows[:-1]) else np.argsort(rows, kind="stable")
        packs = numbers[1:1 + self.packs]
        null_packs = numbers[1 + self.packs:1 + self.packs + self.null_packs]
        given = numbers[1 + self.packs + self.null_packs:]
        amounts = {k: (given[2 * i], given[2 * i + 1]) for i, k in enumerate(self.with_amount)}
        if any(len(a) != len(rows) for a in [*packs, *null_packs]) or any(
                len(r) != len(a) for r, a in amounts.values()):
            raise RuntimeError("SQLite's answer could not be read back")
        values: dict[str, np.ndarray] = {}

        def code(alias: str) -> np.ndarray:
            if alias not in values:
                i = self.slot[alias]
                values[alias] = (packs[i // SLOTS] >> 2 * (i % SLOTS)) & 3
            return values[alias]

        def null(name: str) -> np.ndarray:
            j = self.bit[name]
            return (null_packs[j // FIELD_BITS] >> j % FIELD_BITS) & 1 == 1

        out = []
        for k, (c, item) in enumerate(zip(self.compiled, items, strict=True)):
            keys, fen = amounts.get(k, (None, None))
            at = None if keys is None else _positions(rows, order, keys)
            codes = [code(a) for a in c.criterion_aliases]
            out.append(self._item_table(k, c, item, rows, codes, null, at, fen))
        return out

    def _item_table(self, k: int, c: CompiledItem, item: Item, rows: np.ndarray,
                    codes: list[np.ndarray], null: Callable[[str], np.ndarray],
                    at: np.ndarray | None, amounts: np.ndarray | None) -> pa.Table:
        n = len(rows)
        t = np.ones(n, bool)
        f = np.zeros(n, bool)
        failed = np.zeros(n, np.int64)
        for i, v in enumerate(codes):
            t &= v == 1
            no = v == 0
            f |= no
            failed |= no.astype(np.int64) << i
        fen = np.zeros(n, np.int64)
        known = np.zeros(n, bool)
        missing = np.zeros(n, np.int64)
        if at is not None and amounts is not None:
            fen[at] = amounts
            known[at] = amounts >= 0
            bits = {name: j for j, name in enumerate(c.ir.fields)}
            nulls = -1 - amounts  # where the amount is unknown: which inputs are NULL
            for j, name in enumerate(_money(c)):
                lacking = at[(amounts < 0) & ((nulls >> j) & 1 == 1)]
                missing[lacking] |= 1 << bits[name]
        for j, name in enumerate(c.ir.fields):
            why = np.zeros(n, bool)
            for v, crit in zip(codes, c.ir.criteria, strict=True):
                if name in crit.fields:
                    why |= v == 2 if len(crit.fields) == 1 else (v == 2) & null(name)
            missing |= why.astype(np.int64) << j
        return pa.table({
            "__row": pa.array(rows), "item_ord": pa.array(np.full(n, k)),
            "item": pa.DictionaryArray.from_arrays(np.zeros(n, np.int32), pa.array([item.id])),
            "eligible": pa.array(t.astype(np.int64), mask=~(t | f)),
            "amount_fen": pa.array(fen, mask=~known),
            "failed": _decode(failed, [cr.name for cr in c.ir.criteria]),
            "missing": _decode(missing, c.ir.fields)})


def _money(c: CompiledItem) -> list[str]:
    """The amount's input fields, in field order."""
    money = set(c.ir.amount_fields) | set(c.ir.cap_fields)
    return [f for f in c.ir.fields if f in money]


def _ints(text: str | None) -> np.ndarray:
    """group_concat's comma-separated integers (None: no rows)."""
    return np.fromstring(text or "", dtype=np.int64, sep=",")


def _positions(rows: np.ndarray, order: np.ndarray | None, keys: np.ndarray) -> np.ndarray:
    if order is None:
        return np.searchsorted(rows, keys)
    return order[np.searchsorted(rows[order], keys)]


def _decode(bits: np.ndarray, names: Sequence[str]) -> pa.DictionaryArray:
    """Bit patterns to ';'-joined names, each distinct pattern decoded once (found by a
    table over all patterns when there are few names: np.unique sorts)."""
    if len(names) > 16 or not len(bits):
        patterns, indices = np.unique(bits, return_inverse=True)
    else:
        seen = np.zeros(1 << len(names), bool)
        seen[bits] = True
        patterns = np.flatnonzero(seen)
        indices = (np.cumsum(seen) - 1).take(bits)
    words = [";".join(n for i, n in enumerate(names) if int(p) >> i & 1) for p in patterns]
    return pa.DictionaryArray.from_arrays(indices.astype(np.int32).ravel(),
                                          pa.array(words, pa.string()))


def run_sqlite_table(conn: sqlite3.Connection, items: Sequence[Item], as_of: date, *,
                     columns: str = "scaled", block: int = BLOCK_ROWS) -> pa.Table | None:
    """All items over rowid table `src`, a block of rows per query; None without items or
    rows (the caller supplies its empty table)."""
    compiled = compile_items(items, as_of, "sqlite", table="src", columns=columns)
    if not compiled:
        return None
    plan = SqlitePlan(compiled)
    low, high = conn.execute('SELECT min(rowid), max(rowid) FROM "src"').fetchone()
    parts: list[pa.Table] = []
    for start in range(low, high + 1, block) if low is not None else []:
        parts += plan.decode(conn.execute(plan.sql, (start, start + block)).fetchone(), items)
    return pa.concat_tables(parts) if parts else None
