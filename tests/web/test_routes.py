"""Routes of different modules never claim the same path, so the order in which the app
includes its routers (busiest first, huiqi.app.HOT_FIRST) changes nothing but speed."""

from __future__ import annotations

import re
from itertools import combinations

from fastapi.routing import APIRoute

from huiqi import app as app_module

PARAM = re.compile(r"\{[^}]+\}")


def _leaf_routes(routes, prefix: str = ""):  # type: ignore[no-untyped-def]
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _leaf_routes(inner.routes, prefix + route.include_context.prefix)
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route


def _segments_meet(x: str, y: str) -> bool:
    if x == y:
        return True
    for param, literal in ((x, y), (y, x)):
        if PARAM.fullmatch(param):
            # {n:int} matches digits only; {x} any one segment (or another parameter)
            return (not param.endswith(":int}") or literal.isdigit()
                    or bool(PARAM.fullmatch(literal)))
    return False


def _overlap(a: str, b: str) -> bool:
    """Whether some concrete path matches both templates."""
    sa, sb = a.strip("/").split("/"), b.strip("/").split("/")
    if len(sa) != len(sb):  # no {x:path} parameters in this app (checked below)
        return False
    return all(_segments_meet(x, y) for x, y in zip(sa, sb, strict=True))


def test_modules_never_claim_the_same_path(app) -> None:
    # Per router the app includes (a module's own sub-routers keep their order).
    by_module: dict[str, list[tuple[str, set[str]]]] = {}
    for top in app.router.routes:
        if getattr(top, "original_router", None) is None:
            continue
        for path, route in _leaf_routes([top]):
            assert ":path}" not in path, f"{path}: a parameter spans segments; extend this test"
            by_module.setdefault(str(id(top)), []).append((path, set(route.methods)))
    clashes = [
        (pa, ma, pb, mb)
        for (ma, ra), (mb, rb) in combinations(by_module.items(), 2)
        for pa, meth_a in ra for pb, meth_b in rb
        if meth_a & meth_b and _overlap(pa, pb)
    ]
    assert clashes == []


def test_the_busiest_routers_come_first() -> None:
    order = app_module.routing_order()
    assert order[: len(app_module.HOT_FIRST)] == list(app_module.HOT_FIRST)
    assert sorted(order) == sorted([*app_module.VIEWS, *app_module.ENDPOINTS])


def test_overlap_reads_templates_as_the_router_does() -> None:
    assert _overlap("/grants/{application_id:int}", "/grants/7")
    assert not _overlap("/grants/{application_id:int}", "/grants/new")
    assert _overlap("/gift-pack/items/{item_id}", "/gift-pack/items/x")
    assert _overlap("/appeals/{a}/lists", "/appeals/{b:int}/lists")
    assert not _overlap("/appeals/{a}", "/appeals/{a}/lists")
