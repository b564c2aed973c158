"""`huiqi match`'s file engines list `missing` in the reference order (most money first) on
the differential fixture items whose reach reorders the catalog (rules/_reach.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from huiqi.matching.engines.bulk import match_file
from huiqi.rules import evaluate
from tests.matching.test_engines_agree import AS_OF, CATALOG, read_out, uscc, write_csv
from tests.rules.test_differential import items

REACH = [i for i in items() if i.id in ("test.reach-cap", "test.reach-amount")]
ROWS: list[dict[str, object]] = [
    # eligible, every money fact missing: the order is the whole point
    {"region": "420802", "equipment_investment": "1", "employees": "10", "high_tech": None,
     "robot_replacement": None, "equipment_purchase": None, "first_loan": None,
     "loan_amount": None},
    {"region": "420802", "equipment_investment": "1", "employees": "10", "high_tech": None,
     "robot_replacement": "否", "equipment_purchase": "50000000", "first_loan": None,
     "loan_amount": "1000000"},
]


def _want() -> list[tuple[str, ...]]:
    out = []
    for i, row in enumerate(ROWS):
        facts = {k: v for k, v in row.items() if v is not None}
        facts = {k: {"否": False}.get(str(v), v) for k, v in facts.items()}
        for item in REACH:
            o = evaluate(item, facts, AS_OF)
            amount = f"{o.amount:.2f}" if o.eligible and o.amount is not None else ""
            eligible = {True: "true", False: "false", None: "unknown"}[o.eligible]
            out.append((uscc(i), item.id, eligible, amount, ";".join(o.failed),
                        ";".join(o.missing)))
    return out


@pytest.mark.parametrize("engine", ["duckdb", "sqlite",
                                    pytest.param("spark", marks=pytest.mark.spark)])
def test_file_engines_rank_missing_like_the_reference(tmp_path: Path, engine: str) -> None:
    src, out = tmp_path / "in.csv", tmp_path / f"{engine}.csv"
    write_csv(src, ROWS)
    match_file(src, out, REACH, CATALOG, engine=engine, as_of=AS_OF)
    got = read_out(out)
    assert got == _want()
    missing = {(r[0], r[1]): r[5] for r in got}
    assert missing[(uscc(0), "test.reach-cap")] == \
        "equipment_purchase;robot_replacement;high_tech"
    assert missing[(uscc(0), "test.reach-amount")] == "loan_amount;first_loan"
    assert missing[(uscc(1), "test.reach-cap")] == "high_tech"
