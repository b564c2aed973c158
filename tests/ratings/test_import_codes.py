"""Refusals of a 好差评 import row that the CLI test does not reach, on SQLite and PostgreSQL:
an unknown 办件类型 (bad_kind) and a row without 办件编号 (missing_ref), each reported with its
Chinese reason while the good row is imported."""

from __future__ import annotations

from pathlib import Path

from huiqi.models.rating import Rating
from huiqi.ratings.importer import import_file
from tests.ratings.conftest import World


def test_bad_kind_and_missing_ref_are_reported_per_row(world: World, tmp_path: Path) -> None:
    file = tmp_path / "好差评导出.csv"
    file.write_text(
        "办件编号,部门,评价等级,评价时间,办件类型\n"
        "SL-11,market,5,2025-09-30,窗口服务\n"
        "SL-12,market,5,2025-09-30,快递\n"
        ",market,5,2025-09-30,窗口服务\n", encoding="utf-8")
    with world.tx() as s:
        report = import_file(s, world.actors["office"], file)
    assert report.imported == 1
    assert [(e.row, e.code) for e in report.errors] == [(3, "bad_kind"), (4, "missing_ref")]
    assert "办件类型应为" in report.errors[0].reason
    assert report.errors[1].reason == "缺少办件编号。"
    with world.tx() as s:
        assert [r.case_ref for r in s.query(Rating).all()] == ["SL-11"]
