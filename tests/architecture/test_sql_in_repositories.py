"""SQL lives in repositories (issue 13; docs/platform.md §2b). An AST scan of src/huiqi for
SQLAlchemy statements being built (`select`/`insert`/`update`/`delete`/`text` imported from
sqlalchemy, `Table.insert()`-style calls) or run (`.execute`, `.scalar`, `.scalars`,
`.exec_driver_sql`, `session.get(Model, ...)`) outside a domain's `repository.py` (or
`<part>_repository.py`) or `repositories/` package. Exempt: migrations, the pure `rules`
compiler, the bulk matching engines and the `kit.db` plumbing. No other exceptions: the
allowlist of modules not yet moved is empty and gone.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "huiqi"
BUILDERS = {"select", "insert", "update", "delete", "text"}
RUNNERS = {"execute", "exec_driver_sql", "scalar", "scalars"}
SESSIONS = {"session", "db", "s"}
NOT_SQL = {"pa", "pc", "np", "pd"}  # pyarrow's, numpy's scalar()
EXEMPT_PREFIXES = ("migrations/", "rules/", "matching/engines/", "kit/db.py")


def _is_repository(rel: str) -> bool:
    parts = rel.split("/")
    return parts[-1].endswith("repository.py") or "repositories" in parts[:-1]


def _sqlalchemy_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Local names bound to statement builders, and aliases of the sqlalchemy module."""
    builders: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            for a in node.names:
                if a.name in BUILDERS:
                    builders.add(a.asname or a.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "sqlalchemy":
                    modules.add(a.asname or a.name)
    return builders, modules


def _receiver(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def sql_calls(path: Path) -> list[str]:
    """The SQL calls in one module, as 'line: call'."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    builders, modules = _sqlalchemy_names(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        what = None
        if isinstance(f, ast.Name) and f.id in builders:
            what = f.id
        elif isinstance(f, ast.Attribute):
            if (f.attr in RUNNERS and _receiver(f.value) not in NOT_SQL) \
                    or (f.attr in BUILDERS and _receiver(f.value) in modules):
                what = f.attr
            elif f.attr in {"insert", "update", "delete"} and not node.args \
                    and not node.keywords:
                what = f.attr  # Table.insert() and friends (list.insert takes arguments)
            elif f.attr == "get" and _receiver(f.value) in SESSIONS and node.args \
                    and isinstance(node.args[0], ast.Name) and node.args[0].id[:1].isupper():
                what = "get"  # session.get(Model, key)
        if what:
            found.append((node.lineno, what))
    return [f"{line}: {what}" for line, what in sorted(found)]


def _scan() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if _is_repository(rel) or rel.startswith(EXEMPT_PREFIXES):
            continue
        calls = sql_calls(path)
        if calls:
            out[rel] = calls
    return out


def test_sql_lives_in_repositories() -> None:
    found = _scan()
    assert not found, "SQL outside a repository (move it into the domain's " \
                      f"repository.py as a named function): {found}"


def test_the_scan_finds_each_kind() -> None:
    sample = SRC / "_sql_scan_sample.py"
    try:
        sample.write_text(
            "from sqlalchemy import select, text as t\nimport sqlalchemy as sa\n"
            "def f(session, conn, table, items):\n"
            "    session.execute(select(A))\n    conn.exec_driver_sql('x')\n"
            "    session.get(Model, 1)\n    t('select 1')\n    sa.delete(A)\n"
            "    table.insert()\n    items.insert(0, 1)\n    {}.get(Model, 1)\n"
            "    session.scalars(q)\n    pa.scalar('')\n",
            encoding="utf-8")
        assert sql_calls(sample) == ["4: execute", "4: select", "5: exec_driver_sql", "6: get",
                                     "7: t", "8: delete", "9: insert", "12: scalars"]
    finally:
        sample.unlink()


def test_repositories_are_exempt() -> None:
    assert _is_repository("grants/repository.py")
    assert _is_repository("grants/repositories/awards.py")
    assert not _is_repository("grants/awards.py")
