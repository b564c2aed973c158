from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from huiqi.kit.db import unit_of_work
from huiqi.kit.settings import PROJECT_ROOT
from huiqi.registry import industry, service
from huiqi.registry.catalog import coerce, load_catalog
from huiqi.registry.demo import generate_enterprises, write_demo_file
from huiqi.registry.demo_data import REGIONS
from huiqi.registry.size_class import classify
from huiqi.registry.uscc import is_valid
from huiqi.rules import evaluate, load_policy_files

N = 3000


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    return generate_enterprises(N, seed=42, with_facts=True)


def test_deterministic_for_a_seed() -> None:
    assert generate_enterprises(50, seed=1) == generate_enterprises(50, seed=1)
    assert generate_enterprises(50, seed=1) != generate_enterprises(50, seed=2)


def test_rows_are_valid_catalog_values(rows: list[dict[str, object]]) -> None:
    catalog = load_catalog()
    assert set(rows[0]) == set(catalog.names())
    for row in rows[:300]:
        for name, value in row.items():
            assert coerce(catalog[name], value) == value, (name, value)
    usccs = [r["uscc"] for r in rows]
    assert len(set(usccs)) == N and all(is_valid(u) for u in usccs)  # type: ignore[arg-type]
    assert {r["region"] for r in rows} == set(REGIONS)
    assert all(str(r["uscc"])[2:8] == r["region"] for r in rows)
    assert all(industry.is_valid(str(r["industry_code"]), level="class") for r in rows)


def test_names_look_like_chinese_enterprises(rows: list[dict[str, object]]) -> None:
    for row in rows[:200]:
        name = str(row["name"])
        assert name.startswith(REGIONS[str(row["region"])][0])
    assert any(str(r["name"]).endswith("火锅馆") for r in rows)
    assert any(str(r["name"]).endswith("科技有限公司") for r in rows)


def test_size_class_agrees_with_the_rules(rows: list[dict[str, object]]) -> None:
    checked = 0
    for r in rows:
        derived = classify(r["industry_code"], r["employees"], r["revenue"],  # type: ignore[arg-type]
                           r["total_assets"])  # type: ignore[arg-type]
        if derived is not None and r["size_class"] is not None:
            assert r["size_class"] == derived, r
            checked += 1
    assert checked > N // 2
    assert set(Counter(r["size_class"] for r in rows)) >= {"micro", "small", "medium"}


def test_industry_mix_by_district(rows: list[dict[str, object]]) -> None:
    def manufacturing_share(region: str) -> float:
        mine = [r for r in rows if r["region"] == region]
        return sum(str(r["industry_code"]).startswith("C") for r in mine) / len(mine)

    assert manufacturing_share("420802") > 1.5 * manufacturing_share("500105")
    assert manufacturing_share("500107") > manufacturing_share("500105")


def test_unknowns_in_realistic_proportions(rows: list[dict[str, object]]) -> None:
    for name, low, high in (("employees", 0.02, 0.10), ("total_assets", 0.10, 0.25),
                            ("loan_amount", 0.25, 0.45), ("uscc", 0, 0), ("region", 0, 0)):
        share = sum(r[name] is None for r in rows) / N
        assert low <= share <= high, (name, share)


def test_every_seed_policy_item_has_all_three_outcomes(rows: list[dict[str, object]]) -> None:
    items = load_policy_files([PROJECT_ROOT / "policies"], load_catalog()).items
    assert items
    known = [{k: v for k, v in r.items() if v is not None} for r in rows[:1500]]
    for item in items:
        seen = Counter(evaluate(item, facts, date(2025, 6, 1)).eligible for facts in known)
        assert seen[True] and seen[False] and seen[None], (item.id, seen)


@pytest.mark.parametrize("fmt", [".parquet", ".csv", ".xlsx"])
def test_demo_files_import_cleanly(engine: Engine, tmp_path: Path, fmt: str) -> None:
    path = write_demo_file(tmp_path / f"demo{fmt}", 40, seed=3, with_facts=True)
    with unit_of_work(engine) as session:
        report = service.import_enterprises(session, path)
    assert (report.inserted, report.errors, report.unknown_columns) == (40, [], [])
    expected = generate_enterprises(40, seed=3)[7]
    with unit_of_work(engine) as session:
        stored = service.get_by_uscc(session, str(expected["uscc"]))
        assert stored is not None
        assert service.profile_dict(stored) == expected
