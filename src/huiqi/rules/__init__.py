"""huiqi.rules — policies as code: load, check, evaluate, compile and explain policy files.

A pure library: no web framework, no ORM, nothing from other huiqi packages.
"""

from huiqi.rules import _ir as ir
from huiqi.rules._catalog import Catalog, FieldSpec, FieldType
from huiqi.rules._compiler import DIALECTS, CompiledItem, CompileError, compile_item, compile_items
from huiqi.rules._evaluator import CriterionResult, Outcome, evaluate
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
from huiqi.rules._problems import PolicyError, Problem

__all__ = [
    "DIALECTS",
    "Caps",
    "Catalog",
    "CompileError",
    "CompiledItem",
    "Criterion",
    "CriterionResult",
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
    "Problem",
    "coerce",
    "compile_item",
    "compile_items",
    "evaluate",
    "ir",
    "load_policy_file",
    "load_policy_files",
]
