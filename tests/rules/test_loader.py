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


def problems(path: Path | list[Path], catalog: Catalog) -> list[str]:
    with pytest.raises(PolicyError) as err:
        if isinstance(path, list):
            load_policy_files(path, catalog)
        else:
            load_policy_file(path, catalog)
    lines = str(err.value).splitlines()
    assert len(lines) == len(err.value.problems)
    return lines


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
        f"{path}:33:19: item dongbao.ecommerce-loan, criterion 无失信: unknown field "
        "'dishonst_debtor' (did you mean 'dishonest_debtor'?)"]


def test_typo_in_a_key_is_an_error_with_a_suggestion(tmp_path: Path, catalog: Catalog) -> None:
    path = spec_with(tmp_path, "    materials:", "    materails:")
    [line] = problems(path, catalog)
    assert line == (f"{path}:43:5: item dongbao.ecommerce-loan: unknown key 'materails' in item "
                    "(did you mean 'materials'?)")


def test_missing_required_key_and_bad_date(tmp_path: Path, catalog: Catalog) -> None:
    text = SPEC.read_text(encoding="utf-8").replace("  issuer: 东宝区金融和投融资服务中心\n", "")
    text = text.replace("effective_to: 2025-12-31", "effective_to: 2025-02-30")
    lines = problems(write_policy(tmp_path, text), catalog)
    assert any("missing required key 'issuer'" in x for x in lines)
    assert any("'2025-02-30' is not a valid date" in x for x in lines)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path, catalog: Catalog) -> None:
    text = SPEC.read_text(encoding="utf-8")
    for old, new in [("NOT dishonest_debtor", "NOT dishonst_debtor"),
                     ("loan_amount > 0", "loan_amount > 'zero'"),
                     ("amount: loan_amount * lpr_1y_avg * 0.5", "amount: loan_amount / 2"),
                     ("auto_grant: false", "auto_grant: maybe")]:
        text = text.replace(old, new)
    lines = problems(write_policy(tmp_path, text), catalog)
    assert len(lines) == 4
    assert "criterion 有贷款: cannot compare money field loan_amount with text" in lines[0]
    assert "'/' is not allowed" in lines[2] and "auto_grant must be true or false" in lines[3]


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
    assert all("item dongbao.ecommerce-loan, criterion 有贷款: " in x for x in lines)


def test_amount_must_be_a_number(tmp_path: Path, catalog: Catalog) -> None:
    path = spec_with(tmp_path, "amount: loan_amount * lpr_1y_avg * 0.5", "amount: loan_amount > 0")
    [line] = problems(path, catalog)
    assert "amount: must be a number, but this expression is a condition" in line


def test_too_many_decimal_places(tmp_path: Path, catalog: Catalog) -> None:
    path = spec_with(tmp_path, "amount: loan_amount * lpr_1y_avg * 0.5",
                     "amount: loan_amount * lpr_1y_avg * 0.00001")
    [line] = problems(path, catalog)
    assert "too many decimal places (13 > 12)" in line


def test_position_inside_a_block_expression(tmp_path: Path, catalog: Catalog) -> None:
    path = spec_with(tmp_path, "amount: loan_amount * lpr_1y_avg * 0.5",
                     "amount: |\n      loan_amount *\n        lpr_1y_avg * bogus")
    [line] = problems(path, catalog)
    assert line.startswith(f"{path}:37:22: item dongbao.ecommerce-loan: amount: unknown field")


def test_duplicate_ids_across_a_set(tmp_path: Path, catalog: Catalog) -> None:
    a = write_policy(tmp_path, policy_text([item_dict({"c": "high_tech"}, id="x.same")]), "a.yaml")
    b = write_policy(tmp_path, policy_text([item_dict({"c": "high_tech"}, id="x.same")]), "b.yaml")
    lines = problems([a, b], catalog)
    assert any("policy id 'test.factory' is also used by" in x for x in lines)
    assert any("item id 'x.same' is also used in" in x for x in lines)


def test_duplicate_item_id_within_a_file(tmp_path: Path, catalog: Catalog) -> None:
    items = [item_dict({"c": "high_tech"}, id="x.one"), item_dict({"c": "high_tech"}, id="x.one")]
    [line] = problems(write_policy(tmp_path, policy_text(items)), catalog)
    assert "duplicate item id 'x.one'" in line


def test_exclusions_must_name_items_of_the_set(tmp_path: Path, catalog: Catalog) -> None:
    a = write_policy(tmp_path, policy_text(
        [item_dict({"c": "high_tech"}, id="x.one", exclusions=["y.twoo"])]), "a.yaml")
    b = write_policy(tmp_path, policy_text(
        [item_dict({"c": "high_tech"}, id="y.two")], id="test.other"), "b.yaml")
    [line] = problems([a, b], catalog)
    assert "exclusion names unknown item 'y.twoo' (did you mean 'y.two'?)" in line
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
    assert any("dates must be in increasing order" in x for x in lines)
    assert any("0.03455 has more than 4 decimal places" in x for x in lines)
    assert any("1.5 has more than 0 decimal places" in x for x in lines)


def test_parameter_must_cover_the_item(tmp_path: Path, catalog: Catalog) -> None:
    text = policy_text([item_dict({"c": "loan_rate < lpr"})], effective_from="2023-01-01")
    [line] = problems(write_policy(tmp_path, text), catalog)
    assert "parameter lpr has no value before 2024-01-01" in line


def test_test_case_facts_are_checked(tmp_path: Path, catalog: Catalog) -> None:
    tests = [{"name": "t", "as_of": "2025-06-01",
              "facts": {"dishonest_debtr": False, "online_sales": "lots", "high_tech": "yes",
                        "size_class": "tiny", "founded_on": "2025-13-01", "region": 420802},
              "expect": {"eligible": "perhaps", "failed": ["nope"], "missing": ["online_sale"]}}]
    text = policy_text([item_dict({"c": "high_tech"}, tests=tests)])
    lines = problems(write_policy(tmp_path, text), catalog)
    joined = "\n".join(lines)
    for part in ["unknown field 'dishonest_debtr' (did you mean 'dishonest_debtor'?)",
                 "online_sales expects a number", "high_tech expects true or false",
                 "'tiny' is not a value of size_class", "founded_on expects an ISO date",
                 "region expects text", "eligible must be true, false or unknown",
                 "failed: unknown criterion 'nope'",
                 "missing: unknown field 'online_sale' (did you mean 'online_sales'?)"]:
        assert part in joined
    assert all("test 't': " in x for x in lines)


def test_enum_literal_must_be_a_catalog_value(tmp_path: Path, catalog: Catalog) -> None:
    text = policy_text([item_dict({"c": "size_class IN ('small', 'tiny')"})])
    [line] = problems(write_policy(tmp_path, text), catalog)
    assert "'tiny' is not a value of size_class (allowed: large, medium, small, micro)" in line


def test_yaml_syntax_error_has_a_position(tmp_path: Path, catalog: Catalog) -> None:
    path = write_policy(tmp_path, "policy:\n  id: [unclosed\n")
    [line] = problems(path, catalog)
    assert line.startswith(f"{path}:3:") and "not valid YAML" in line
