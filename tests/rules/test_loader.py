from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from huiqi.rules import Catalog, PolicyError, load_policy_file, load_policy_files
from tests.rules.factory import item_dict, policy_text, write_policy

SPEC = Path(__file__).parent / "fixtures" / "spec_example.yaml"


def spec_with(tmp_path: Path, old: str, new: str, name: str = "x.yaml") -> Path:
    text = SPEC.read_text(encoding="utf-8")
    assert old in text
    return write_policy(tmp_path, text.replace(old, new, 1), name)


def raised(path: Path | list[Path], catalog: Catalog) -> PolicyError:
    with pytest.raises(PolicyError) as err:
        if isinstance(path, list):
            load_policy_files(path, catalog)
        else:
            load_policy_file(path, catalog)
    return err.value


def problems(path: Path | list[Path], catalog: Catalog) -> list[str]:
    err = raised(path, catalog)
    lines = str(err).splitlines()
    assert len(lines) == len(err.problems)
    return lines


def codes(path: Path | list[Path], catalog: Catalog) -> list[str]:
    return [p.code for p in raised(path, catalog).problems]


def test_spec_example_loads_with_metadata_and_dates(catalog: Catalog) -> None:
    doc = load_policy_file(SPEC, catalog)
    assert doc.id == "dongbao.finance-2025" and doc.region == "420802" and doc.doc_no is None
    item = doc.items[0]
    assert item.document is doc
    # the document's region becomes the last criterion, 适用地区
    assert [c.name for c in item.criteria] == ["网络销售额达标", "有贷款", "无失信", "适用地区"]
    assert item.criteria[2].note == "企业法人未纳入失信被执行人名单"
    assert item.criteria[3].rule_text == "region IN ('420802')"
    assert item.budget_per_year == Decimal("500000")
    assert item.materials == ["贷款合同", "银行付息凭证"] and item.finance_review
    assert item.fields == ("region", "dishonest_debtor", "online_sales", "loan_amount")
    # the item has no end date of its own: the document's applies
    assert item.in_force(date(2025, 12, 31)) and not item.in_force(date(2026, 1, 1))
    assert not item.in_force(date(2024, 12, 31))
    lpr = doc.parameters["lpr_1y_avg"]
    assert lpr.value_at(date(2024, 12, 31)) == Decimal("0.0335")
    assert lpr.value_at(date(2025, 1, 1)) == Decimal("0.0305")


def test_item_dates_override_the_documents(tmp_path: Path, catalog: Catalog) -> None:
    path = spec_with(tmp_path, "    effective_to: null", "    effective_to: 2025-06-30")
    item = load_policy_file(path, catalog).items[0]
    assert item.in_force(date(2025, 6, 30)) and not item.in_force(date(2025, 7, 1))


def test_unknown_field_names_file_item_criterion_line_column(tmp_path: Path,
                                                             catalog: Catalog) -> None:
    path = spec_with(tmp_path, "rule: NOT dishonest_debtor", "rule: NOT dishonst_debtor")
    assert problems(path, catalog) == [
        f"{path}:33:19: 事项 dongbao.ecommerce-loan，条件“无失信”：未知字段 "
        "'dishonst_debtor'（是否为 'dishonest_debtor'？）"]
    assert codes(path, catalog) == ["unknown_field"]


def test_typo_in_a_key_is_an_error_with_a_suggestion(tmp_path: Path, catalog: Catalog) -> None:
    path = spec_with(tmp_path, "    materials:", "    materails:")
    [line] = problems(path, catalog)
    assert line == (f"{path}:43:5: 事项 dongbao.ecommerce-loan：事项 中有未知的键 'materails'"
                    "（是否为 'materials'？）")
    assert codes(path, catalog) == ["unknown_key"]


def test_missing_required_key_and_bad_date(tmp_path: Path, catalog: Catalog) -> None:
    text = SPEC.read_text(encoding="utf-8").replace("  issuer: 东宝区金融和投融资服务中心\n", "")
    text = text.replace("effective_to: 2025-12-31", "effective_to: 2025-02-30")
    lines = problems(write_policy(tmp_path, text), catalog)
    assert any("缺少必填的键 'issuer'" in x for x in lines)
    assert any("'2025-02-30' 不是有效日期" in x for x in lines)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path, catalog: Catalog) -> None:
    text = SPEC.read_text(encoding="utf-8")
    for old, new in [("NOT dishonest_debtor", "NOT dishonst_debtor"),
                     ("loan_amount > 0", "loan_amount > 'zero'"),
                     ("amount: loan_amount * lpr_1y_avg * 0.5", "amount: loan_amount / 2"),
                     ("auto_grant: false", "auto_grant: maybe")]:
        text = text.replace(old, new)
    lines = problems(write_policy(tmp_path, text), catalog)
    assert len(lines) == 4
    assert "条件“有贷款”：不能将金额字段“贷款金额”（loan_amount）与文本比较" in lines[0]
    assert "不允许使用“/”" in lines[2] and "auto_grant 应为 true（是）或 false（否）" in lines[3]


@pytest.mark.parametrize("rule", [
    "1=1; DROP TABLE enterprises",
    "NOT dishonest_debtor; DELETE FROM grants",
    "(SELECT 1)",
    "online_sales IN (SELECT 1)",
    "EXISTS (SELECT 1 FROM enterprises)",
    "load_extension('x')",
    "random() > 0.5",
    "pg_sleep(10) IS NULL",
    "dishonest_debtor OR 1=1 --",
    "dishonest_debtor OR 1=1",
    "NOT dishonest_debtor /* hidden */",
    "online_sales / 2 > 1",
    "online_sales > 'abc'",
    "industry_code LIKE industry_code",
    "CASE WHEN dishonest_debtor THEN TRUE END",
    "online_sales + 1",
    "enterprises.online_sales > 1",
    "CAST(online_sales AS TEXT) = '1'",
    "dishonest_debtor = NULL",
    "loan_amount * 0.0000000000001 > 0",
])
def test_unsafe_or_invalid_expressions_are_refused(tmp_path: Path, catalog: Catalog,
                                                   rule: str) -> None:
    path = spec_with(tmp_path, "有贷款: loan_amount > 0", f"有贷款: \"{rule}\"")
    lines = problems(path, catalog)
    assert lines and all(x.startswith(f"{path}:31:") for x in lines)
    assert all("事项 dongbao.ecommerce-loan，条件“有贷款”：" in x for x in lines)
    assert all(c != "invalid" for c in codes(path, catalog))


def test_amount_must_be_a_number(tmp_path: Path, catalog: Catalog) -> None:
    path = spec_with(tmp_path, "amount: loan_amount * lpr_1y_avg * 0.5", "amount: loan_amount > 0")
    [line] = problems(path, catalog)
    assert "amount：此处应为数值，但这个表达式是条件" in line


def test_too_many_decimal_places(tmp_path: Path, catalog: Catalog) -> None:
    path = spec_with(tmp_path, "amount: loan_amount * lpr_1y_avg * 0.5",
                     "amount: loan_amount * lpr_1y_avg * 0.00001")
    [line] = problems(path, catalog)
    assert "小数位数过多（13 位，最多 12 位）" in line


def test_position_inside_a_block_expression(tmp_path: Path, catalog: Catalog) -> None:
    path = spec_with(tmp_path, "amount: loan_amount * lpr_1y_avg * 0.5",
                     "amount: |\n      loan_amount *\n        lpr_1y_avg * bogus")
    [line] = problems(path, catalog)
    assert line.startswith(f"{path}:37:22: 事项 dongbao.ecommerce-loan：amount：未知字段")


def test_duplicate_ids_across_a_set(tmp_path: Path, catalog: Catalog) -> None:
    a = write_policy(tmp_path, policy_text([item_dict({"c": "high_tech"}, id="x.same")]), "a.yaml")
    b = write_policy(tmp_path, policy_text([item_dict({"c": "high_tech"}, id="x.same")]), "b.yaml")
    lines = problems([a, b], catalog)
    assert any("政策编号 'test.factory' 已被" in x for x in lines)
    assert any("事项编号 'x.same' 已在" in x for x in lines)


def test_duplicate_item_id_within_a_file(tmp_path: Path, catalog: Catalog) -> None:
    items = [item_dict({"c": "high_tech"}, id="x.one"), item_dict({"c": "high_tech"}, id="x.one")]
    [line] = problems(write_policy(tmp_path, policy_text(items)), catalog)
    assert "事项编号 'x.one' 重复" in line


def test_exclusions_must_name_items_of_the_set(tmp_path: Path, catalog: Catalog) -> None:
    a = write_policy(tmp_path, policy_text(
        [item_dict({"c": "high_tech"}, id="x.one", exclusions=["y.twoo"])]), "a.yaml")
    b = write_policy(tmp_path, policy_text(
        [item_dict({"c": "high_tech"}, id="y.two")], id="test.other"), "b.yaml")
    [line] = problems([a, b], catalog)
    assert "事项 'y.twoo' 不存在（是否为 'y.two'？）" in line
    fixed = a.read_text(encoding="utf-8").replace("y.twoo", "y.two")
    a.write_text(fixed, encoding="utf-8")
    policy_set = load_policy_files([tmp_path], catalog)
    assert policy_set.item("x.one").exclusions == ["y.two"]


def test_a_bad_file_never_half_loads(tmp_path: Path, catalog: Catalog) -> None:
    write_policy(tmp_path, SPEC.read_text(encoding="utf-8"), "good.yaml")
    bad = write_policy(tmp_path, policy_text([item_dict({"c": "high_tech OR 1=1 --"})]), "bad.yml")
    lines = problems([tmp_path], catalog)
    assert lines and all(x.startswith(str(bad)) for x in lines)
    with pytest.raises(PolicyError):
        load_policy_file(bad, catalog)


def test_parameter_values_sorted_and_typed(tmp_path: Path, catalog: Catalog) -> None:
    params = {"lpr": {"label": "LPR", "type": "decimal", "scale": 4, "values": [
        {"from": "2025-01-01", "value": "0.031"}, {"from": "2024-01-01", "value": "0.03455"}]},
        "n": {"label": "N", "type": "integer", "values": [{"from": "2024-01-01", "value": 1.5}]}}
    text = policy_text([item_dict({"c": "loan_rate < lpr"})], parameters=params)
    lines = problems(write_policy(tmp_path, text), catalog)
    assert any("日期须按先后顺序排列" in x for x in lines)
    assert any("0.03455 的小数位数超过 4 位" in x for x in lines)
    assert any("1.5 的小数位数超过 0 位" in x for x in lines)


def test_parameter_must_cover_the_item(tmp_path: Path, catalog: Catalog) -> None:
    text = policy_text([item_dict({"c": "loan_rate < lpr"})], effective_from="2023-01-01")
    [line] = problems(write_policy(tmp_path, text), catalog)
    assert "参数 lpr 在 2024-01-01 之前没有取值" in line


def test_test_case_facts_are_checked(tmp_path: Path, catalog: Catalog) -> None:
    tests = [{"name": "t", "as_of": "2025-06-01",
              "facts": {"dishonest_debtr": False, "online_sales": "lots", "high_tech": "yes",
                        "size_class": "tiny", "founded_on": "2025-13-01", "region": 420802},
              "expect": {"eligible": "perhaps", "failed": ["nope"], "missing": ["online_sale"]}}]
    text = policy_text([item_dict({"c": "high_tech"}, tests=tests)])
    lines = problems(write_policy(tmp_path, text), catalog)
    joined = "\n".join(lines)
    for part in ["未知字段 'dishonest_debtr'（是否为 'dishonest_debtor'？）",
                 "（online_sales）应为数字", "（high_tech）应为是或否",
                 "'tiny' 不是“企业规模”（size_class）的取值", "（founded_on）应为日期",
                 "（region）应为文本", "eligible 应为 true（是）、false（否）或 unknown（待定）",
                 "failed：未知条件 'nope'",
                 "missing：未知字段 'online_sale'（是否为 'online_sales'？）"]:
        assert part in joined
    assert all("测试用例“t”：" in x for x in lines)
    assert {"unknown_field", "fact_not_number", "fact_not_boolean", "fact_not_allowed",
            "fact_not_date", "fact_not_text", "expect_eligible",
            "unknown_criterion"} <= set(codes(write_policy(tmp_path, text), catalog))


def test_enum_literal_must_be_a_catalog_value(tmp_path: Path, catalog: Catalog) -> None:
    text = policy_text([item_dict({"c": "size_class IN ('small', 'tiny')"})])
    [line] = problems(write_policy(tmp_path, text), catalog)
    assert "'tiny' 不是选项字段“企业规模”（size_class）的取值（可选：'large'" in line


def test_yaml_syntax_error_has_a_position(tmp_path: Path, catalog: Catalog) -> None:
    path = write_policy(tmp_path, "policy:\n  id: [unclosed\n")
    [line] = problems(path, catalog)
    assert line.startswith(f"{path}:3:") and "YAML 格式错误：" in line
    assert codes(path, catalog) == ["yaml_invalid"]
