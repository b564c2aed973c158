"""huiqi.rules — policies as code: load, check, evaluate, compile and explain policy files.

A pure library: no web framework, no ORM, nothing from other huiqi packages.
"""

from huiqi.rules._catalog import Catalog, FieldSpec, FieldType
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
    "Caps",
    "Catalog",
    "Criterion",
    "FieldSpec",
    "FieldType",
    "Item",
    "Parameter",
    "ParameterUnavailable",
    "PolicyDocument",
    "PolicyError",
    "PolicySet",
    "PolicyTest",
    "Problem",
    "load_policy_file",
    "load_policy_files",
]
