"""The in-memory engine: evaluates the rules IR over whole numpy columns at once.

Numbers are int64 scaled integers (the IR's fixed-point scale), so amounts are exact to the fen
like the SQL engines and the reference evaluator. NULL logic is Kleene's, the same as SQL.

Why it is fast:
- conditions are pairs (definitely true, definitely false) of bool arrays: AND/OR are one
  operation per argument each, NOT is free, and "unknown" is neither;
- text columns are dictionary codes; any sub-expression over a single text field is evaluated
  once over the dictionary (a few dozen values) and gathered by code;
- identical sub-expressions of all items (region checks, size classes, loan amounts) are
  computed once per row block;
- amounts are computed only for the rows where the item is eligible (a few percent for most);
- results are written straight into the buffers of the Arrow result table (no copies), and
  the result memory is kept small (8-bit item codes, amount validity as a bitmap): on a VM,
  touching fresh memory is a large part of the cost;
- rows are processed in cache-sized blocks, on threads when asked (numpy releases the GIL).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from huiqi.matching.engines.vector_codes import code_dtype
from huiqi.matching.engines.vector_eval import Canon, Eval, Plan, intern_item
from huiqi.matching.engines.vector_fill import allocate, fill, zeros
from huiqi.rules import Catalog, FieldType, Item, engine_ir, ir

Col = tuple[Any, Any]  # (values, nulls or None when nothing is NULL)
BLOCK = 1 << 18  # rows: int64 temporaries of 2 MiB stay below numpy's huge-page size


class Columns(dict[str, Col]):
    """Columns by field name; text columns are codes into `dictionaries` (-1 is NULL), which
    are sorted (so prefixes and ranges are runs of codes), in the narrowest integer type."""

    def __init__(self) -> None:
        super().__init__()
        self.dictionaries: dict[str, list[str]] = {}


def columns_from_arrow(table: pa.Table, catalog: Catalog) -> Columns:
    """Canonical Arrow columns (numbers already scaled to integers) to numpy pairs."""
    out = Columns()
    for spec in catalog:
        if spec.name not in table.column_names:
            continue
        arr = table.column(spec.name).combine_chunks()
        nulls = arr.is_null().to_numpy(zero_copy_only=False) if arr.null_count else None
        t = spec.type
        if t is FieldType.BOOL:
            values = arr.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
        elif t.is_numeric:
            values = arr.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        elif t is FieldType.DATE:
            values = arr.cast(pa.date32()).fill_null(0).to_numpy(zero_copy_only=False)
            values = values.astype("datetime64[D]")
        else:
            values, words = _sorted_codes(arr.cast(pa.string()))
            out.dictionaries[spec.name] = words
        out[spec.name] = (values, nulls)
    return out


def _sorted_codes(arr: pa.Array) -> tuple[np.ndarray, list[str]]:
    encoded = arr.dictionary_encode()
    order = pc.array_sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order) + 1, code_dtype(len(order)))
    rank[order] = np.arange(len(order))
    rank[-1] = -1  # NULL: code -1 indexes the last entry
    index = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    words = encoded.dictionary.take(pa.array(order)).to_pylist()
    return rank.take(index), [str(w) for w in words]


@dataclass
class VectorResult:
    item_id: str
    eligible: np.ndarray  # int8: 1 true, 0 false, -1 unknown
    amount_fen: np.ndarray  # int64, meaningful only where amount_known (0 elsewhere)
    amount_valid: np.ndarray  # uint8 bitmap, little bit order: bit i = row i's amount is known
    failed_bits: np.ndarray | None = None  # bit i: criterion i is false
    missing_bits: np.ndarray | None = None  # bit j: item field j (bound_ir.fields) is missing

    @property
    def amount_known(self) -> np.ndarray:
        bits = np.unpackbits(self.amount_valid, bitorder="little")
        return bits[:len(self.eligible)].view(bool)


def evaluate_item(
    item: Item, cols: Columns, n: int, as_of: date, *, details: bool = False
) -> VectorResult:
    return evaluate_items([item], cols, n, as_of, details=details)[0]


def evaluate_items(
    items: Sequence[Item], cols: Columns, n: int, as_of: date, *, details: bool = False,
    threads: int = 1, block: int = BLOCK,
) -> list[VectorResult]:
    """Every item over every row; shared sub-expressions are computed once per row block.
    `block` is rounded up to a multiple of 8 (blocks write whole bytes of the amount bitmap).
    One thread is the default: on a shared 2-core machine a second one rarely pays for the
    hand-offs of the GIL between numpy calls on cache-sized blocks."""
    return evaluate_bound([engine_ir(i, as_of) for i in items], cols, n, details=details,
                          threads=threads, block=block)


def evaluate_bound(
    bound_items: Sequence[ir.ItemIR], cols: Columns, n: int, *, details: bool = False,
    threads: int = 1, block: int = BLOCK,
) -> list[VectorResult]:
    """`evaluate_items` for items already prepared for the engines (`rules.engine_ir`), e.g.
    variants a caller derived from them without binding each again."""
    canon = Canon()
    plan = Plan([intern_item(b, canon) for b in bound_items], cols)
    # one bit width for all items, so their results stack into one table
    widths = (max((len(b.criteria) for b in plan.items), default=1),
              max((len(b.fields) for b in plan.items), default=1))
    results = [allocate(b, n, details, widths) for b in plan.items]
    block = max(8, -(-block // 8) * 8)
    blocks = [(lo, min(n, lo + block)) for lo in range(0, n, block)]
    workers = max(1, min(threads, len(blocks)))

    def run(rows: tuple[int, int]) -> None:
        ev = Eval(plan, rows[0], rows[1])
        for bound, result in zip(plan.items, results, strict=True):
            fill(ev, bound, result, details)

    if workers == 1:
        for rows in blocks:
            run(rows)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, blocks))
    return results


def results_table(results: Sequence[VectorResult]) -> pa.Table:
    """The results as one Arrow table (item, eligible, amount_fen[, failed, missing]), one
    chunk per item, sharing the result arrays (no copy). Each chunk's item column is a
    one-word dictionary over the same zero indices (never written, so never paged in)."""
    n = len(results[0].eligible) if results else 0
    first = _wrap(pa.int8(), zeros(n, np.int8))
    batches = []
    for r in results:
        columns = {
            "item": pa.DictionaryArray.from_arrays(first, pa.array([r.item_id]), safe=False),
            "eligible": _wrap(pa.int8(), r.eligible),
            "amount_fen": pa.Array.from_buffers(pa.int64(), n, [pa.py_buffer(r.amount_valid),
                                                                pa.py_buffer(r.amount_fen)]),
        }
        if r.failed_bits is not None and r.missing_bits is not None:
            columns["failed"] = _wrap(pa.from_numpy_dtype(r.failed_bits.dtype), r.failed_bits)
            columns["missing"] = _wrap(pa.from_numpy_dtype(r.missing_bits.dtype), r.missing_bits)
        batches.append(pa.record_batch(columns))
    return pa.Table.from_batches(batches)


def _wrap(type_: pa.DataType, values: np.ndarray) -> pa.Array:
    """A numpy array as an Arrow array without a copy (and without pyarrow's numpy checks)."""
    return pa.Array.from_buffers(type_, len(values), [None, pa.py_buffer(values)])


def decode_bits(bits: int, names: Sequence[str]) -> str:
    return ";".join(name for i, name in enumerate(names) if bits >> i & 1)
