"""Integers from a request fit the database: every `int` a route or its dependencies take.

An id is a 64-bit integer in PostgreSQL and SQLite; a larger one reached the driver and broke
(SQLite: OverflowError, a 500). Rather than annotate ~60 routes one by one, `bound_signature`
gives each `int` parameter of an endpoint (path, query, form) the bounds it lacks, once, when
`web.UnitOfWorkRoute` builds the route: out of range is then a 422 like any other bad value,
and the OpenAPI schema states the range. Request bodies (Pydantic models) use
`numbers.DbInt` and `numbers.MoneyIn`.
"""

from __future__ import annotations

import contextlib
import inspect
import types
from collections.abc import Callable
from typing import Annotated, Any, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from fastapi import params
from fastapi.dependencies.utils import get_typed_signature
from pydantic.fields import FieldInfo

from huiqi.kit.numbers import INT64_MAX, INT64_MIN

_DONE = "__huiqi_bounded__"


def _limits(metadata: list[Any]) -> tuple[bool, bool]:
    """Whether the metadata (annotated-types or FastAPI/Pydantic FieldInfo) bounds below, above."""
    items = [m for x in metadata for m in (x.metadata if isinstance(x, FieldInfo) else [x])]
    low = any(isinstance(m, Ge | Gt) for m in items)
    high = any(isinstance(m, Le | Lt) for m in items)
    return low, high


def _bounded(annotation: Any, metadata: tuple[Any, ...] = ()) -> Any:
    """`annotation` with the 64-bit range added where it holds a bare int; else unchanged."""
    if annotation is int:
        low, high = _limits(list(metadata))
        extra = ([] if low else [Ge(INT64_MIN)]) + ([] if high else [Le(INT64_MAX)])
        return Annotated[(int, *extra)] if extra else int
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *meta = get_args(annotation)
        new = _bounded(inner, (*metadata, *meta))
        return annotation if new is inner else Annotated[(new, *meta)]
    if origin in (Union, types.UnionType):
        args = get_args(annotation)
        new_args = tuple(_bounded(a, metadata) for a in args)
        if new_args != args:
            return Union[new_args]  # noqa: UP007 - built from a tuple
    return annotation


def bound_signature(call: Callable[..., Any]) -> None:
    """Give `call` (an endpoint or a dependency) and its dependencies bounded int parameters."""
    target = inspect.unwrap(call)
    if getattr(target, _DONE, False) or not callable(target):
        return
    try:
        signature = get_typed_signature(call)
    except (TypeError, ValueError, NameError):
        return  # not introspectable (a class instance, a builtin): FastAPI will say so itself
    changed, out = False, []
    for p in signature.parameters.values():
        for dep in _dependencies(p):
            bound_signature(dep)
        new = _bounded(p.annotation)
        if new is not p.annotation and not isinstance(p.default, params.Depends):
            changed = True
            p = p.replace(annotation=new)
        out.append(p)
    if changed:
        call.__signature__ = signature.replace(parameters=out)  # type: ignore[attr-defined]
    with contextlib.suppress(AttributeError, TypeError):  # a builtin takes no attributes
        setattr(target, _DONE, True)


def _dependencies(p: inspect.Parameter) -> list[Callable[..., Any]]:
    found = [p.default] if isinstance(p.default, params.Depends) else []
    if get_origin(p.annotation) is Annotated:
        found += [m for m in get_args(p.annotation)[1:] if isinstance(m, params.Depends)]
    return [d.dependency for d in found if d.dependency is not None]
