"""huiqi.rules — policies as code: load, check, evaluate, compile and explain policy files.

A pure library (no web framework, no ORM, nothing from other huiqi packages); the format is
docs/policy-format.md.

    load_policy_file(path, catalog) -> PolicyDocument        # raises PolicyError(.problems)
    load_policy_files(paths, catalog) -> PolicySet           # files and directories, all or nothing
    evaluate(item, facts, as_of) -> Outcome                  # the reference evaluator (Decimal)
    compile_item(item, as_of, dialect, *, table="src", columns="natural") -> CompiledItem
    compile_items(items, as_of, dialect, ...) -> list[CompiledItem]
    select_all_sql(compiled, *extra_columns, outputs=...) -> str  # every item in one row
    explain(item, facts, as_of, catalog) -> Explanation      # .lines, .to_text()
    document.covers(region) -> bool | None                   # 行政区划 hierarchy; the loader adds
                                                             # a 适用地区 criterion to every item
    run_policy_tests(set_or_document_or_items) -> list[PolicyTestResult]
    item.ir / item.bound_ir(as_of) -> ir.ItemIR              # the typed IR, for other back ends

Known limits:
- SQLite has 64-bit integers only: an intermediate scaled value above 9.2e18 (e.g. 1e12 yuan
  times a 6-decimal rate above 0.09) makes SQLite switch to floating point; the compiled amount
  is then NULL (with eligible 1 and nothing missing) instead of inexact. PostgreSQL (NUMERIC)
  and DuckDB (HUGEINT, up to 1.7e38) have no such limit in practice.
- With columns="natural", numbers are read as ROUND(column * 10**scale); a value stored with more
  decimals than the catalog scale is rounded half away from zero, like the evaluator's
  coercion (ROUND_HALF_UP). PostgreSQL double precision columns round half to even: use NUMERIC.
- Facts with more decimals than their catalog scale are rounded to it (policy test cases must
  be exact). A blank string is a missing number, date or yes/no, but an empty text.
- LIKE has no escape character (backslashes are refused); `%` and `_` are always wildcards.
- DuckDB takes a few tens of milliseconds to plan one item.
- A derived parameter (年算术平均值) may be a fraction with no finite decimal expansion: it is
  bound as an exact ratio (`ir.Ratio`); the engines multiply the amount, its caps and their
  floors by the ratio's divisor and divide once when rounding to the fen, so intermediate
  scaled integers grow by that factor (12 at most for a monthly mean).
- Unknown facts in amounts follow docs/policy-format.md, "Unknown facts in amounts": an
  unknown CASE condition is unknown (not ELSE); a cap that is unknown leaves the amount
  certain only when the amount is at most the cap's floor (`_amounts.bound`).
"""

from huiqi.rules import ir
from huiqi.rules._catalog import Catalog, FieldSpec, FieldType
from huiqi.rules._compiler import (
    DIALECTS,
    CompiledItem,
    CompileError,
    compile_item,
    compile_items,
    engine_ir,
    fold_item,
    select_all_sql,
)
from huiqi.rules._evaluator import CriterionResult, Outcome, evaluate
from huiqi.rules._explain import Explanation, describe_criterion, explain
from huiqi.rules._facts import FactError, coerce
from huiqi.rules._loader import load_policy_file, load_policy_files, load_policy_text
from huiqi.rules._model import (
    Caps,
    Criterion,
    Item,
    Parameter,
    ParameterUnavailable,
    PolicyDocument,
    PolicySet,
    PolicyTest,
)
from huiqi.rules._policytests import PolicyTestResult, run_policy_tests
from huiqi.rules._problems import Msg, PolicyError, Problem
from huiqi.rules._reach import by_money as facts_by_money
from huiqi.rules._reach import reaches as field_reaches
from huiqi.rules._regions import CRITERION as REGION_CRITERION
from huiqi.rules._regions import covers as region_covers
from huiqi.rules._regions import describe as describe_regions
from huiqi.rules._regions import prefix as region_prefix
from huiqi.rules._render import format_value

__all__ = [
    "DIALECTS",
    "REGION_CRITERION",
    "Caps",
    "Catalog",
    "CompileError",
    "CompiledItem",
    "Criterion",
    "CriterionResult",
    "Explanation",
    "FactError",
    "FieldSpec",
    "FieldType",
    "Item",
    "Msg",
    "Outcome",
    "Parameter",
    "ParameterUnavailable",
    "PolicyDocument",
    "PolicyError",
    "PolicySet",
    "PolicyTest",
    "PolicyTestResult",
    "Problem",
    "coerce",
    "compile_item",
    "compile_items",
    "describe_criterion",
    "describe_regions",
    "engine_ir",
    "evaluate",
    "explain",
    "facts_by_money",
    "field_reaches",
    "fold_item",
    "format_value",
    "ir",
    "load_policy_file",
    "load_policy_files",
    "load_policy_text",
    "region_covers",
    "region_prefix",
    "run_policy_tests",
    "select_all_sql",
]
