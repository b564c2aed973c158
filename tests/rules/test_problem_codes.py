"""Every machine code the policy loader and checker can emit is reached by a bad fragment below,
and every message is Chinese.

CASES maps each code to a policy file that produces it (the spec example with one fragment
changed, or a small file of its own). `source_codes()` reads the codes written in the source of
huiqi.rules and huiqi.policies, so a new code without a case here fails
`test_every_code_in_the_source_has_a_case`.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from huiqi.policies.validation import MAX_SOURCE_BYTES, check_source
from huiqi.rules import Catalog, PolicyError, Problem, load_policy_file, load_policy_files
from tests.rules.catalog_helper import load_catalog
from tests.rules.factory import item_dict, policy_text

SRC = Path(__file__).resolve().parents[2] / "src/huiqi"
SPEC = (Path(__file__).parent / "fixtures" / "spec_example.yaml").read_text(encoding="utf-8")
ITEM = "dongbao.ecommerce-loan"
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.]{3,}")

Run = Callable[[Path], list[Problem]]


def _check(text: str, *, catalog: Catalog | None = None, published: dict[str, str] | None = None,
           expected_id: str | None = None) -> list[Problem]:
    result = check_source(text, "policy.yaml", catalog or load_catalog(),
                          published_items=published, expected_id=expected_id)
    return result.problems


def spec(old: str, new: str, **kw: object) -> Run:
    """The spec example with `old` replaced by `new`."""
    assert old in SPEC, old
    text = SPEC.replace(old, new, 1)
    return lambda _tmp: _check(text, **kw)  # type: ignore[arg-type]


def rule(expr: str) -> Run:
    """The criterion 有贷款 written as `expr` (a YAML double-quoted string)."""
    return spec("有贷款: loan_amount > 0", f"有贷款: {json.dumps(expr, ensure_ascii=False)}")


def add_to_item(lines: str) -> Run:
    return spec("    criteria:", f"{lines}\n    criteria:")


def facts(extra: str) -> Run:
    """The first test case's facts with `extra` added."""
    return spec("dishonest_debtor: false}\n        expect: {eligible: true, amount",
                f"dishonest_debtor: false, {extra}}}\n        expect: {{eligible: true, amount")


def expect(fragment: str) -> Run:
    return spec('expect: {eligible: true, amount: "15250.00"}', f"expect: {fragment}")


def text(source: str) -> Run:
    return lambda _tmp: _check(source)


def files(*sources: str) -> Run:
    """A set of files loaded together."""
    def run(tmp: Path) -> list[Problem]:
        paths = []
        for n, source in enumerate(sources):
            paths.append(tmp / f"p{n}.yaml")
            paths[-1].write_text(source, encoding="utf-8")
        with pytest.raises(PolicyError) as err:
            load_policy_files(paths, load_catalog())
        return err.value.problems
    return run


def raw_file(data: bytes) -> Run:
    def run(tmp: Path) -> list[Problem]:
        path = tmp / "p.yaml"
        path.write_bytes(data)
        with pytest.raises(PolicyError) as err:
            load_policy_file(path, load_catalog())
        return err.value.problems
    return run


def without_region() -> Run:
    catalog = Catalog([f for f in load_catalog() if f.name != "region"])
    return lambda _tmp: _check(SPEC.replace("      网络销售额达标: online_sales >= 5000000\n", "")
                               .replace("online_sales: 6000000, ", ""), catalog=catalog)


LPR = "      - {from: 2024-01-01, value: 0.0335}\n      - {from: 2025-01-01, value: 0.0305}"
SECOND_PARAM = "\n  lpr_mean:\n    label: 均值\n    type: decimal\n    scale: 6\n    derive: {}"
ONE = policy_text([item_dict({"c": "high_tech"}, id="x.one")])

CASES: dict[str, Run] = {
    # the file and its YAML
    "file_unreadable": raw_file(b"policy:\n  id: \xff\xfe\n"),
    "file_empty": text("# 只有注释\n"),
    "file_too_large": text("# " + "x" * MAX_SOURCE_BYTES + "\n"),
    "yaml_invalid": text("policy:\n  id: [unclosed\n"),
    "not_mapping": spec("    budget:\n      per_year: 500000", "    budget: 5"),
    "key_not_text": spec("      有贷款: loan_amount > 0", "      [a, b]: loan_amount > 0"),
    "duplicate_key": spec("  issuer: ", "  title: 重复\n  issuer: "),
    "not_list": spec("exclusions: []", "exclusions: abc"),
    "not_text": spec("title: 电商企业贷款贴息", "title: [a]"),
    "unquoted_number": spec('region: "420802"', "region: 420802"),
    "empty_text": spec("title: 电商企业贷款贴息", 'title: ""'),
    "not_boolean": spec("auto_grant: false", "auto_grant: maybe"),
    "bad_date_format": spec("effective_to: 2025-12-31", 'effective_to: "31.12.2025"'),
    "invalid_date": spec("effective_to: 2025-12-31", "effective_to: 2025-02-30"),
    "not_number": spec("      per_year: 500000", "      per_year: abc"),
    "number_format": spec("      per_year: 500000", "      per_year: 5e5"),
    "not_scalar": facts("loan_rate: [1]"),
    "unknown_key": spec("    materials:", "    materails:"),
    "missing_key": spec("  issuer: 东宝区金融和投融资服务中心\n", ""),
    # the document
    "policy_id_format": spec("id: dongbao.finance-2025", "id: Dongbao_Finance"),
    "dates_reversed": spec("effective_to: 2025-12-31", "effective_to: 2024-12-31"),
    "region_format": spec('region: "420802"', 'region: "42080"'),
    "region_repeated": spec('region: "420802"', 'region: ["420802", "420802"]'),
    "region_empty": spec('region: "420802"', "region: []"),
    "items_empty": text(policy_text([])),
    "duplicate_item_id": text(policy_text([item_dict({"c": "high_tech"}, id="x.one"),
                                           item_dict({"c": "high_tech"}, id="x.one")])),
    "duplicate_policy_id": files(ONE, ONE.replace("x.one", "x.two")),
    "exclusion_self": spec("exclusions: []", f"exclusions: [{ITEM}]"),
    "exclusion_unknown": spec("exclusions: []", "exclusions: [x.unknown]"),
    "policy_id_mismatch": lambda _tmp: _check(SPEC, expected_id="dongbao.other"),
    # parameters
    "parameter_name_format": spec("  lpr_1y_avg:\n", "  LPR:\n"),
    "parameter_shadows_field": spec("  lpr_1y_avg:\n", "  online_sales:\n"),
    "parameter_values_or_derive": spec("    values:", "    derive: {rule: 年算术平均值, of: x}\n"
                                       "    values:"),
    "parameter_type": spec("type: decimal", "type: float"),
    "parameter_scale": spec("scale: 6", "scale: 20"),
    "parameter_derive_rule": spec(LPR, LPR + SECOND_PARAM.format(
        "{rule: 中位数, of: lpr_1y_avg}")),
    "parameter_derive_basis": spec(LPR, LPR + SECOND_PARAM.format(
        "{rule: 年算术平均值, of: nope}")),
    "parameter_no_values": spec(LPR + "\n", ""),
    "parameter_value_scale": spec("value: 0.0335", "value: 0.03351234"),
    "parameter_dates_order": spec("from: 2025-01-01, value: 0.0305", "from: 2023-01-01, value: 0"),
    "parameter_unavailable": spec(LPR, "      - {from: 2025-03-01, value: 0.0305}"),
    # the item
    "item_id_format": spec(f"id: {ITEM}", "id: Bad_Item"),
    "item_starts_early": spec("    effective_from: 2025-01-01", "    effective_from: 2024-06-01"),
    "item_ends_late": spec("    effective_to: null", "    effective_to: 2026-06-30"),
    "budget_format": spec("      per_year: 500000", "      per_year: -5"),
    "window_reversed": add_to_item("    apply_window: {from: 2025-06-30, to: 2025-06-01}"),
    "window_before_validity": add_to_item("    apply_window: {from: 2024-06-01, to: 2025-06-01}"),
    "window_after_validity": add_to_item("    apply_window: {from: 2025-06-01, to: 2026-06-01}"),
    "criteria_empty": spec("    criteria:   ", "    criteria: {}\n    x_criteria:"),
    "criterion_name": spec("      有贷款: loan_amount > 0", "      有;贷款: loan_amount > 0"),
    "region_criterion_reserved": spec("      有贷款: loan_amount > 0",
                                      "      适用地区: loan_amount > 0"),
    "region_unavailable": without_region(),
    "expression_not_text": spec("有贷款: loan_amount > 0", "有贷款: [loan_amount]"),
    # test cases
    "expect_eligible": expect("{eligible: perhaps}"),
    "expect_amount": expect('{eligible: true, amount: "1.234"}'),
    "unknown_criterion": expect("{eligible: false, failed: [nope]}"),
    "unknown_field": rule("bogus > 0"),
    "fact_not_boolean": facts('high_tech: "yes"'),
    "fact_not_number": facts('loan_rate: "lots"'),
    "fact_scale": facts("revenue: 1.001"),
    "fact_not_date": facts('founded_on: "2025-13-01"'),
    "fact_not_text": facts("industry_code: 3841"),
    "fact_not_allowed": facts("size_class: tiny"),
    # expressions
    "expression_type": spec("amount: loan_amount * lpr_1y_avg * 0.5", "amount: loan_amount > 0"),
    "expression_empty": rule(" "),
    "expression_unreadable": rule("industry_code = 'C38"),
    "expression_too_long": rule(" AND ".join(["online_sales > 1"] * 120)),
    "expression_too_deep": rule("(" * 40 + "online_sales > 1" + ")" * 40),
    "semicolon": rule("1=1; DROP TABLE enterprises"),
    "comment": rule("NOT dishonest_debtor /* hidden */"),
    "expression_syntax": rule("online_sales >"),
    "statement": rule("(SELECT 1)"),
    "null_literal": rule("dishonest_debtor = NULL"),
    "cast": rule("CAST(online_sales AS TEXT) = '1'"),
    "division": rule("online_sales / 2 > 1"),
    "function_not_allowed": rule("UPPER(industry_code) = 'C'"),
    "not_allowed": rule("online_sales % 2 = 0"),
    "qualified_name": rule("enterprises.online_sales > 1"),
    "quoted_field": rule('"online_sales" > 1'),
    "unknown_function": rule("load_extension('x')"),
    "years_ago_argument": rule("founded_on < YEARS_AGO('3')"),
    "too_many_decimals": rule("loan_amount * 0.0000000000001 > 0"),
    "needs_number": rule("online_sales + high_tech > 1"),
    "needs_condition": rule("NOT online_sales"),
    "constant_comparison": rule("1 = 1"),
    "incomparable": rule("online_sales > 'abc'"),
    "enum_value": rule("size_class = 'tiny'"),
    "is_form": rule("high_tech IS TRUE"),
    "in_literals": rule("online_sales IN (loan_amount)"),
    "in_empty": rule("online_sales IN ()"),
    "between_type": rule("high_tech BETWEEN TRUE AND FALSE"),
    "like_escape": rule("industry_code LIKE 'C%' ESCAPE '!'"),
    "like_type": rule("online_sales LIKE 'C%'"),
    "like_pattern": rule("industry_code LIKE industry_code"),
    "like_backslash": rule("industry_code LIKE 'C\\%'"),
    "case_form": rule("CASE size_class WHEN 'small' THEN TRUE ELSE FALSE END"),
    "case_else": rule("CASE WHEN high_tech THEN TRUE END"),
    "mixed_types": rule("COALESCE(online_sales, 'x') = 'x'"),
    "needs_number_or_date": rule("GREATEST(high_tech, high_tech)"),
}


def _literals(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        a, b = _literals(node.body), _literals(node.orelse)
        return None if a is None or b is None else a + b
    return None


PASSED_ON = {"code_of(message)", "err.code"}  # a code already made above, passed along


def source_codes() -> set[str]:
    """The codes written in huiqi.rules and huiqi.policies: first argument of Msg and
    FactError, the `code` of a Problem."""
    found: set[str] = set()
    for path in [*(SRC / "rules").glob("*.py"), *(SRC / "policies").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            arg: ast.expr | None = None
            if name in ("Msg", "FactError") and node.args:
                arg = node.args[0]
            elif name == "Problem":
                arg = node.args[6] if len(node.args) > 6 else next(
                    (k.value for k in node.keywords if k.arg == "code"), None)
                message = node.args[5] if len(node.args) > 5 else None
                if arg is None:  # the message must carry the code: a Msg, never plain text
                    assert not isinstance(message, ast.Constant | ast.JoinedStr), \
                        f"{path.name}:{node.lineno}: a Problem of plain text has no code"
                    continue
            else:
                continue
            codes = _literals(arg)
            if codes is None:
                assert ast.unparse(arg) in PASSED_ON, \
                    f"{path.name}:{node.lineno}: write the code as a literal ({ast.unparse(arg)})"
                continue
            found.update(codes)
    return found


def test_every_code_in_the_source_has_a_case() -> None:
    codes = source_codes()
    assert len(codes) > 90  # the scan found them (not an empty glob)
    assert codes - set(CASES) == set(), "codes without a case in CASES"
    assert set(CASES) - codes == set(), "cases for codes the source no longer has"


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_code_is_reached_with_a_chinese_message(tmp_path: Path, code: str) -> None:
    problems = CASES[code](tmp_path)
    got = [p.code for p in problems]
    assert code in got, f"{code} not among {got}"
    assert "invalid" not in got  # every problem has a precise code
    for p in problems:
        assert re.search(r"[\u4e00-\u9fff]", p.message), p.message
        # English only as the author wrote it: field, key and parameter names, quoted text
        shown = re.sub(r"/\S+|'[^']*'|“[^”]*”|（[^）]*）|\"[^\"]*\"", "", p.message)
        for word in ASCII_WORD.findall(shown):
            identifier = "_" in word or "." in word  # a field, parameter or item name
            assert identifier or word in ALLOWED_WORDS or word in SPEC, \
                f"{code}: English word {word!r} in {p.message!r}"


# Keys and keywords of the policy format that messages name as the author writes them.
ALLOWED_WORDS = {
    "YAML", "UTF", "YYYY", "DATE", "NULL", "NOT", "LIKE", "ESCAPE", "CASE", "WHEN", "THEN",
    "ELSE", "BETWEEN", "COALESCE", "LEAST", "GREATEST", "YEARS_AGO", "AND", "IN", "IS",
    "ABS", "Tab", "policy", "effective_from", "effective_to", "values", "derive", "rule",
    "type", "scale", "label", "decimal", "money", "integer", "items", "criteria", "amount",
    "eligible", "true", "false", "unknown", "failed", "missing", "budget", "per_year",
    "exclusions", "apply_window", "from", "entry", "region", "UPPER",
}
