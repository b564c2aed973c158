"""The numpy engine agrees with the reference evaluator on the differential fixture items
(LIKE wildcards, COALESCE, CASE, LEAST/GREATEST, text ranges, NULL everywhere), whether items
are evaluated together (shared sub-expressions), one by one, in small row blocks, on threads,
or with columns absent from the input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huiqi.matching.engines import vector, vector_fill
from huiqi.matching.engines.vector import (
    columns_from_arrow,
    decode_bits,
    evaluate_item,
    evaluate_items,
)
from huiqi.rules import FieldType
from tests.rules.catalog_helper import load_catalog
from tests.rules.test_differential import AS_OF, enterprises, expected, items, used_fields

Row = dict[str, Any]


def arrow(rows: list[Row], names: list[str]) -> pa.Table:
    catalog = load_catalog()
    data: dict[str, pa.Array] = {}
    for name in names:
        spec = catalog[name]
        values = [r[name] for r in rows]
        if spec.type.is_numeric:
            data[name] = pa.array([None if v is None else int(Decimal(v).scaleb(spec.scale))
                                   for v in values], pa.int64())
        elif spec.type is FieldType.BOOL:
            data[name] = pa.array(values, pa.bool_())
        elif spec.type is FieldType.DATE:
            data[name] = pa.array(values, pa.date32())
        else:
            data[name] = pa.array(values, pa.string())
    return pa.table(data)


def outcomes(results: list[vector.VectorResult], n: int, as_of: date) -> list[tuple[Any, ...]]:
    out = []
    for item, r in zip(items(), results, strict=True):
        assert r.failed_bits is not None and r.missing_bits is not None
        fields = item.bound_ir(as_of).fields
        names = [c.name for c in item.criteria]
        for i in range(n):
            eligible = {1: 1, 0: 0, -1: None}[int(r.eligible[i])]
            amount = int(r.amount_fen[i]) if r.amount_known[i] else None
            out.append((eligible, amount, decode_bits(int(r.failed_bits[i]), names),
                        decode_bits(int(r.missing_bits[i]), fields)))
    return out


def check(rows: list[Row], as_of: date, *, drop: frozenset[str] = frozenset(),
          block: int = vector.BLOCK, threads: int = 1) -> None:
    names = [n for n in used_fields(load_catalog()) if n not in drop]
    cols = columns_from_arrow(arrow(rows, names), load_catalog())
    want = [expected(item, {k: v for k, v in row.items() if v is not None and k not in drop},
                     as_of) for item in items() for row in rows]
    together = evaluate_items(items(), cols, len(rows), as_of, details=True, threads=threads,
                              block=block)
    assert outcomes(together, len(rows), as_of) == want
    alone = [evaluate_item(item, cols, len(rows), as_of, details=True) for item in items()]
    assert outcomes(alone, len(rows), as_of) == want


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(rows=enterprises(), as_of=st.sampled_from(AS_OF))
def test_vector_agrees_with_reference(rows: list[Row], as_of: date) -> None:
    check(rows, as_of)


@settings(max_examples=10, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(rows=enterprises(), as_of=st.sampled_from(AS_OF),
       drop=st.sampled_from([frozenset({"industry_code"}), frozenset({"loan_amount", "high_tech"}),
                             frozenset({"size_class", "founded_on", "layoff_rate"})]))
def test_absent_columns_are_unknown(rows: list[Row], as_of: date, drop: frozenset[str]) -> None:
    check(rows, as_of, drop=drop)


def _more_rows() -> st.SearchStrategy[list[Row]]:
    parts = st.lists(enterprises(), min_size=2, max_size=4)
    return parts.map(lambda lists: [row for rows in lists for row in rows])


@settings(max_examples=10, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(rows=_more_rows(), as_of=st.sampled_from(AS_OF), block=st.sampled_from([1, 8, 16]))
def test_row_blocks_and_threads_do_not_change_results(rows: list[Row], as_of: date,
                                                     block: int) -> None:
    # blocks are whole bytes of the amount bitmap: 1 becomes 8, the last block is partial
    check(rows, as_of, block=block, threads=2)


@settings(max_examples=10, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(rows=_more_rows(), as_of=st.sampled_from(AS_OF))
def test_results_in_mapped_memory(rows: list[Row], as_of: date) -> None:
    """Large results are anonymous memory maps (zeroed by the kernel, only eligible rows
    written); forced here for small ones."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(vector_fill, "MMAP_MIN", 0)
        check(rows, as_of, block=8)
        cols = columns_from_arrow(arrow(rows, used_fields(load_catalog())), load_catalog())
        result = evaluate_item(items()[0], cols, len(rows), as_of)
    assert not result.eligible.flags.owndata  # a view of the map, not a numpy allocation


def test_results_table_carries_every_result() -> None:
    rows = [{n: None for n in used_fields(load_catalog())} for _ in range(3)]
    rows[1]["loan_amount"] = Decimal("1234567")
    rows[1]["region"] = "420802"
    cols = columns_from_arrow(arrow(rows, used_fields(load_catalog())), load_catalog())
    results = evaluate_items(items(), cols, 3, AS_OF[1], details=True)
    arrow_table = vector.results_table(results)
    table = arrow_table.to_pydict()
    assert len(table["item"]) == 3 * len(items())
    # chunks have their own one-word dictionaries over shared indices: they still combine
    assert arrow_table.combine_chunks().column("item").to_pylist() == table["item"]
    for k, r in enumerate(results):
        got = slice(3 * k, 3 * k + 3)
        assert table["item"][got] == [r.item_id] * 3
        assert table["eligible"][got] == r.eligible.tolist()
        assert table["amount_fen"][got] == [int(a) if ok else None for a, ok in
                                            zip(r.amount_fen, r.amount_known, strict=True)]
        assert r.failed_bits is not None and table["failed"][got] == r.failed_bits.tolist()
    assert any(a is not None for a in table["amount_fen"])
