"""Reading composed YAML nodes while keeping their positions, for precise problem reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import yaml

_TAG = "tag:yaml.org,2002:"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


MAX_DEPTH = 50  # a policy file is a few levels deep; PyYAML's composer recurses per level


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses nesting deeper than MAX_DEPTH with a YAML error at its line,
    instead of a RecursionError (5,000 '[' made one)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark)  # type: ignore[no-untyped-call]
            node: yaml.Node | None = super().compose_node(parent, index)
            return node
        finally:
            self._depth -= 1


class NodeError(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def tag(node: yaml.Node) -> str:
    return node.tag[len(_TAG):] if node.tag.startswith(_TAG) else node.tag


def is_null(node: yaml.Node | None) -> bool:
    return node is None or (isinstance(node, yaml.ScalarNode) and tag(node) == "null")


def mapping(node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """Key -> (key node, value node); duplicate or non-text keys are errors."""
    if not isinstance(node, yaml.MappingNode):
        raise NodeError(node, f"{what} must be a mapping (key: value)")
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise NodeError(key, f"{what}: keys must be plain text")
        if key.value in out:
            raise NodeError(key, f"{what}: duplicate key '{key.value}'")
        out[key.value] = (key, value)
    return out


def sequence(node: yaml.Node, what: str) -> list[yaml.Node]:
    if is_null(node):
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise NodeError(node, f"{what} must be a list")
    return list(node.value)


def text(node: yaml.Node, what: str, *, optional: bool = False) -> str | None:
    if optional and is_null(node):
        return None
    if not isinstance(node, yaml.ScalarNode) or tag(node) not in ("str", "int"):
        raise NodeError(node, f"{what} must be text")
    if tag(node) == "int" and node.style is None:
        raise NodeError(node, f"{what} must be text: quote it (\"{node.value}\")")
    if not node.value.strip() and not optional:
        raise NodeError(node, f"{what} must not be empty")
    return str(node.value)


def required_text(node: yaml.Node, what: str) -> str:
    value = text(node, what)
    assert value is not None
    return value


def boolean(node: yaml.Node, what: str) -> bool:
    if not isinstance(node, yaml.ScalarNode) or tag(node) != "bool":
        raise NodeError(node, f"{what} must be true or false")
    return node.value.lower() in ("true", "yes", "on", "y")


def iso_date(node: yaml.Node, what: str, *, optional: bool = False) -> date | None:
    if optional and is_null(node):
        return None
    value = node.value if isinstance(node, yaml.ScalarNode) else None
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        raise NodeError(node, f"{what} must be an ISO date (YYYY-MM-DD), got {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise NodeError(node, f"{what}: {value!r} is not a valid date") from None


def number_text(node: yaml.Node, what: str) -> str:
    """The number exactly as written (YAML floats are never converted through float)."""
    if not isinstance(node, yaml.ScalarNode) or tag(node) not in ("int", "float", "str"):
        raise NodeError(node, f"{what} must be a number")
    written = node.value.strip().replace("_", "")
    try:
        Decimal(written)
    except ArithmeticError:
        raise NodeError(node, f"{what} must be a number, got {node.value!r}") from None
    if not re.fullmatch(r"-?\d+(\.\d+)?", written):
        raise NodeError(node, f"{what}: write the number plainly, like 50000 or 0.0305")
    return str(written)


def plain(node: yaml.Node) -> object:
    """A scalar as a Python value; numbers become Decimal exactly as written."""
    if not isinstance(node, yaml.ScalarNode):
        raise NodeError(node, "expected a single value")
    kind = tag(node)
    if kind == "null":
        return None
    if kind == "bool":
        return node.value.lower() in ("true", "yes", "on", "y")
    if kind in ("int", "float"):
        return Decimal(number_text(node, "value"))
    if kind == "timestamp":
        return iso_date(node, "date")
    return node.value


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


def position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def offset_position(node: yaml.Node, source_lines: list[str], offset: int) -> Position:
    """Where character `offset` of a scalar's value sits in the source file (best effort)."""
    start = node.start_mark
    value = str(node.value)
    before = value[:offset]
    line_in_value = before.count("\n")
    col_in_line = offset - (before.rfind("\n") + 1)
    style = getattr(node, "style", None)
    if style in ("|", ">"):
        first = start.line + 1  # block content starts on the line after the indicator
        content = next((x for x in source_lines[first:] if x.strip()), "")
        indent = len(content) - len(content.lstrip(" "))
        return Position(first + 1 + line_in_value, indent + col_in_line + 1)
    quote = 1 if style in ("'", '"') else 0
    if line_in_value == 0:
        return Position(start.line + 1, start.column + quote + col_in_line + 1)
    return Position(start.line + 1 + line_in_value, col_in_line + 1)
