"""huiqi.rules — policies as code: load, check, evaluate, compile and explain policy files.

A pure library: no web framework, no ORM, nothing from other huiqi packages.
"""

from huiqi.rules import _ir as ir
from huiqi.rules._catalog import Catalog, FieldSpec, FieldType
from huiqi.rules._compiler import DIALECTS, CompiledItem, CompileError, compile_item, compile_items
from huiqi.rules._evaluator import CriterionResult, Outcome, evaluate
from huiqi.rules._explain import Explanation, explain
from huiqi.rules._facts import FactError, coerce
from huiqi.rules._loader import load_policy_file, load_policy_files
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
from huiqi.rules._problems import PolicyError, Problem
from huiqi.rules._render import format_value

__all__ = [
    "DIALECTS",
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
    "evaluate",
    "explain",
    "format_value",
    "ir",
    "load_policy_file",
    "load_policy_files",
    "run_policy_tests",
]
