"""No module-level mutable state in src: state lives with an app or an engine
(`app.state`, `kit.db.engine_scoped`), so two apps or two databases in one process never share
it (issue 13). An AST scan: `global` statements, module-level containers that the module
mutates, and module-level stateful objects (caches, weak sets, context variables, locks)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "huiqi"
STATEFUL = {"OrderedDict", "defaultdict", "deque", "Counter", "WeakSet", "WeakKeyDictionary",
            "WeakValueDictionary", "ContextVar", "Lock", "RLock", "Event"}
MUTATORS = {"append", "add", "update", "setdefault", "pop", "popitem", "clear", "extend",
            "insert", "remove", "discard", "move_to_end", "appendleft"}
CONTAINERS = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)
# (module path, name): why it may stay. Can only shrink.
ALLOWED = {
    ("ui/nav.py", "NAV"): "menu entries registered while view modules import; same for every app",
    ("ui/dashboard.py", "PANELS"): "home panels registered while view modules import",
    ("kit/security.py", "global"): "use_fast_hashing_for_tests: a test-suite switch only",
    ("notify/service.py", "CHANNELS"): "delivery channels registered at import (plug-ins)",
    ("notify/service.py", "BULK"): "the channels delivered in bulk, registered at import",
    ("ui/errors.py", "FORMATS"): "error bodies of machine interfaces (Open311), set at import",
}


def _call_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        f = node.func
        return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
    return None


def findings(path: Path) -> set[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(SRC).as_posix()
    containers: set[str] = set()
    found: set[tuple[str, str]] = set()
    for node in tree.body:
        targets: list[ast.expr] = []
        value = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for t in targets:
            if not isinstance(t, ast.Name):
                continue
            if isinstance(value, CONTAINERS) or _call_name(value) in {"dict", "list", "set"}:
                containers.add(t.id)
            elif _call_name(value) in STATEFUL:
                found.add((rel, t.id))
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            found.add((rel, "global"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in MUTATORS and isinstance(node.func.value, ast.Name) \
                and node.func.value.id in containers:
            found.add((rel, node.func.value.id))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            for t in getattr(node, "targets", None) or [getattr(node, "target", None)]:
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) \
                        and t.value.id in containers:
                    found.add((rel, t.value.id))
    return found


def test_no_module_level_mutable_state_in_src() -> None:
    found = set().union(*(findings(p) for p in sorted(SRC.rglob("*.py"))))
    unexpected = sorted(found - set(ALLOWED))
    assert not unexpected, f"module-level mutable state (keep it on app.state or the engine): " \
                           f"{unexpected}"
    assert not set(ALLOWED) - found, "an allowed entry is gone: remove it from ALLOWED"


def test_the_scan_finds_each_kind(tmp_path: Path) -> None:
    sample = SRC / "_scan_sample.py"
    try:
        sample.write_text("import threading\nfrom collections import OrderedDict\n"
                          "CACHE = {}\nLOCK = threading.Lock()\nLRU = OrderedDict()\n"
                          "TABLE = {'a': 1}\n\ndef put(k, v):\n    global N\n    CACHE[k] = v\n",
                          encoding="utf-8")
        assert findings(sample) == {("_scan_sample.py", "CACHE"), ("_scan_sample.py", "LOCK"),
                                    ("_scan_sample.py", "LRU"), ("_scan_sample.py", "global")}
    finally:
        sample.unlink()
