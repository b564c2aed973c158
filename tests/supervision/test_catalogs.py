"""Excel imports report bad rows and import the rest; grades, history and 信用修复."""

from __future__ import annotations

from datetime import date

import pytest

from huiqi.kit import excel
from huiqi.kit.errors import ValidationFailed
from huiqi.supervision import catalogs, credit
from huiqi.supervision import repository as repo
from tests.supervision.conftest import make_uscc


def xlsx(headers, rows) -> bytes:
    return excel.workbook_bytes("导入", headers, rows)


def test_officer_import_reports_each_bad_row_and_imports_the_rest(world) -> None:
    data = xlsx(["姓名", "部门", "执法证号", "有效期至", "执法领域", "关联企业"], [
        ["王一", "market", "M-9001", "2027-06-30", "市场监管", make_uscc(3)],
        ["王二", "market", "M-9002", "", "市场监管", ""],  # no certificate validity
        ["王三", "market", "M-9003", "2027-06-30", "", "91500113MA99999999"],  # unknown USCC
        ["王四", "税务局", "M-9004", "2027-06-30", "", ""],  # unknown department
        ["王五", "env", "M-9001", "2027-06-30", "", ""],  # certificate number already used
        ["王六", "env", "E-9006", "2027/6/30", "环保", ""],
    ])
    report = world.do(lambda s: catalogs.import_officers(s, world.office, world.clock, data,
                                                         "officers.xlsx"))
    assert report.imported == 2
    assert [e.row for e in report.errors] == [3, 4, 5, 6]
    messages = {e.row: e.message for e in report.errors}
    assert "有效期" in messages[3] and "91500113MA99999999" in messages[4]
    assert "部门" in messages[5] and "已在名录库" in messages[6]
    assert [e.code for e in report.errors] == [
        "no_certificate", "unknown_uscc", "unknown_department", "duplicate_cert"]


def test_a_supervisor_imports_items_of_its_own_department_only(world) -> None:
    data = xlsx(list(catalogs.ITEM_COLUMNS), [
        ["market", "广告发布抽查", "《广告法》", "广告内容", "high_tech", "每年一次", "市场监管"],
        ["env", "噪声排放抽查", "《噪声污染防治法》", "噪声", "above_size", "每年一次", "环保"],
        ["market", "价格行为抽查", "《价格法》", "明码标价", "no_such_field = 1", "每年一次",
         "市场监管"],
    ])
    report = world.do(lambda s: catalogs.import_items(s, world.sup_market, world.clock, data,
                                                      "items.xlsx"))
    assert report.imported == 1 and [e.row for e in report.errors] == [3, 4]
    assert "不能维护" in report.errors[0][1] and "适用企业条件有误" in report.errors[1][1]


def test_grade_import_history_and_repair(world) -> None:
    data = xlsx([*credit.COLUMNS, "风险等级"], [
        [make_uscc(1), "市场监管", "失信", "是", "2026-06-01", "高"],
        [make_uscc(2), "market", "纳税信用等级", "M", "2026-06-01", ""],
        ["91500113MA99999999", "market", "评定等级", "A", "2026-06-01", ""],
        [make_uscc(3), "market", "违法记录", "3", "2026-06-01", "极高"],
        [make_uscc(4), "market", "违法记录", "2", "2026-06-01", ""],
    ])
    report = world.do(lambda s: credit.import_grades(s, world.office, world.clock, data,
                                                     "grades.xlsx"))
    assert report.imported == 3 and [e.row for e in report.errors] == [4, 5]
    assert [e.code for e in report.errors] == ["unknown_uscc", "bad_risk"]
    assert "91500113MA99999999" in report.errors[0].message
    with world.tx() as s:
        now = repo.grades_as_of(s, "market", date(2026, 12, 1))
        assert now[make_uscc(1)] == ("D", "高") and now[make_uscc(2)] == ("B", "-")
        assert now[make_uscc(4)] == ("C", "-")
        assert repo.grades_as_of(s, "market", date(2026, 5, 1))[make_uscc(1)] == ("A", "-")
        bad = next(g for g in repo.grade_history(s, make_uscc(1)) if g.source == "失信")
        bad_id = bad.id
    with pytest.raises(ValidationFailed, match="早于"):
        world.do(lambda s: credit.repair(s, world.office, world.clock, bad_id, "B",
                                         date(2026, 5, 1), "已履行"))
    world.do(lambda s: credit.repair(s, world.office, world.clock, bad_id, "B",
                                     date(2026, 11, 1), "已履行全部义务，移出失信名单"))
    with world.tx() as s:
        assert repo.grades_as_of(s, "market", date(2026, 10, 31))[make_uscc(1)][0] == "D"
        assert repo.grades_as_of(s, "market", date(2026, 11, 1))[make_uscc(1)][0] == "B"
        history = [(g.source, g.grade) for g in repo.grade_history(s, make_uscc(1))]
        assert history == [("评定等级", "A"), ("失信", "D"), ("信用修复", "B")]


def test_scope_in_the_database_agrees_with_the_reference_evaluator(world) -> None:
    """The set-based scope (compiled SQL) and huiqi.rules.evaluate give the same in / unknown
    lists; an enterprise with the needed fact missing is listed as unknown, not dropped."""
    from huiqi.registry import service as registry
    from huiqi.supervision import scope

    with world.tx() as s:
        registry.upsert(s, {"uscc": make_uscc(99), "name": "无行业代码企业", "region": "500113",
                            "legal_form": "enterprise"})
    expressions = ["industry_code LIKE 'C%' AND NOT dishonest_debtor", "above_size",
                   "industry_code LIKE 'F%' OR employees >= 100"]
    items = [scope.compile_scope(e) for e in expressions]
    as_of = date(2026, 12, 1)
    with world.tx() as s:
        dialect = s.get_bind().dialect.name
        in_db = scope.scope_of(repo.scope_flags(s, scope.scope_sql(items, as_of, dialect)))
        rows = repo.enterprise_rows(s, scope.fields_of(items))
    reference = scope.evaluate_scope(items, rows, as_of)
    assert in_db == reference
    # 35 manufacturers have no 失信 flag and are not above size: unknown; so is the one without
    # an industry code; the 5 retailers (F5211) are in scope through the third expression.
    assert make_uscc(99) in in_db.unknown and len(in_db.unknown) == 36
    assert sorted(in_db.inside) == sorted(make_uscc(n) for n in range(8, 41, 8))
    with pytest.raises(ValidationFailed, match="申报信息"):
        scope.compile_scope("loan_amount > 0")
