"""Reading composed YAML nodes while keeping their positions, for precise problem reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import yaml

from huiqi.rules._problems import Msg

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
                    None, None, f"嵌套超过 {MAX_DEPTH} 层",
                    self.peek_event().start_mark)  # type: ignore[no-untyped-call]
            node: yaml.Node | None = super().compose_node(parent, index)
            return node
        finally:
            self._depth -= 1


class NodeError(Exception):
    def __init__(self, node: yaml.Node, message: Msg) -> None:
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
        raise NodeError(node, Msg("not_mapping", f"{what} 应为“键: 值”形式的映射"))
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise NodeError(key, Msg("key_not_text", f"{what}：键必须是普通文本"))
        if key.value in out:
            raise NodeError(key, Msg("duplicate_key", f"{what}：键“{key.value}”重复"))
        out[key.value] = (key, value)
    return out


def sequence(node: yaml.Node, what: str) -> list[yaml.Node]:
    if is_null(node):
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise NodeError(node, Msg("not_list", f"{what} 应为列表"))
    return list(node.value)


def text(node: yaml.Node, what: str, *, optional: bool = False) -> str | None:
    if optional and is_null(node):
        return None
    if not isinstance(node, yaml.ScalarNode) or tag(node) not in ("str", "int"):
        raise NodeError(node, Msg("not_text", f"{what} 应为文本"))
    if tag(node) == "int" and node.style is None:
        raise NodeError(node, Msg("unquoted_number",
                        f"{what} 应为文本：请加引号（\"{node.value}\"）"))
    if not node.value.strip() and not optional:
        raise NodeError(node, Msg("empty_text", f"{what} 不能为空"))
    return str(node.value)


def required_text(node: yaml.Node, what: str) -> str:
    value = text(node, what)
    assert value is not None
    return value


def boolean(node: yaml.Node, what: str) -> bool:
    if not isinstance(node, yaml.ScalarNode) or tag(node) != "bool":
        raise NodeError(node, Msg("not_boolean", f"{what} 应为 true（是）或 false（否）"))
    return node.value.lower() in ("true", "yes", "on", "y")


def iso_date(node: yaml.Node, what: str, *, optional: bool = False) -> date | None:
    if optional and is_null(node):
        return None
    value = node.value if isinstance(node, yaml.ScalarNode) else None
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        raise NodeError(node, Msg("bad_date_format",
                                  f"{what} 应为日期（YYYY-MM-DD），实际为 {value!r}"))
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise NodeError(node, Msg("invalid_date", f"{what}：{value!r} 不是有效日期")) from None


def number_text(node: yaml.Node, what: str) -> str:
    """The number exactly as written (YAML floats are never converted through float)."""
    if not isinstance(node, yaml.ScalarNode) or tag(node) not in ("int", "float", "str"):
        raise NodeError(node, Msg("not_number", f"{what} 应为数字"))
    written = node.value.strip().replace("_", "")
    try:
        Decimal(written)
    except ArithmeticError:
        raise NodeError(node, Msg("not_number",
                                  f"{what} 应为数字，实际为 {node.value!r}")) from None
    if not re.fullmatch(r"-?\d+(\.\d+)?", written):
        raise NodeError(node, Msg("number_format",
                                  f"{what}：数字请直接书写，如 50000 或 0.0305"))
    return str(written)


def plain(node: yaml.Node) -> object:
    """A scalar as a Python value; numbers become Decimal exactly as written."""
    if not isinstance(node, yaml.ScalarNode):
        raise NodeError(node, Msg("not_scalar", "此处应为单个值"))
    kind = tag(node)
    if kind == "null":
        return None
    if kind == "bool":
        return node.value.lower() in ("true", "yes", "on", "y")
    if kind in ("int", "float"):
        return Decimal(number_text(node, "取值"))
    if kind == "timestamp":
        return iso_date(node, "日期")
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


# PyYAML's problems, as a policy author reads them (its English text is not shown).
_YAML_PROBLEMS = (
    ("expected <block end>", "缩进不一致：这一行的缩进与上文同级的键不对齐"),
    ("mapping values are not allowed here",
     "此处不能出现“键: 值”：冒号后缺少空格，或含冒号的文本须加引号"),
    ("could not find expected ':'", "缺少冒号“:”：每个键后面要写“: 值”"),
    ("cannot start any token", "含有不能出现在此处的字符（缩进请用空格，不要用 Tab）"),
    ("found unexpected end of stream", "文件意外结束：引号或括号没有闭合"),
    ("found undefined alias", "引用了未定义的锚点（*别名）"),
    ("expected ',' or ']'", "列表 [ ] 没有闭合，或元素之间缺少逗号"),
    ("expected ',' or '}'", "映射 { } 没有闭合，或元素之间缺少逗号"),
    ("嵌套超过", f"嵌套超过 {MAX_DEPTH} 层，请减少层级"),
    ("found unexpected ':'", "出现了多余的冒号“:”：含冒号的文本须加引号"),
    ("expected a comment or a line break", "值后面有多余的内容：含特殊字符的文本须加引号"),
    ("expected alphabetic or numeric character",
     "“&”或“*”后缺少锚点名称：含这些字符的文本须加引号"),
    ("did not find expected key", "缩进不一致，或同一层中混用了列表项“-”和“键: 值”"),
    ("did not find expected '-' indicator", "列表项“-”的缩进与上一项不一致"),
    ("did not find expected node content", "此处缺少值"),
    ("expected <document start>", "文件开头有多余的内容"),
    ("found unknown escape character", "双引号文本中有无效的转义符“\\”：请改用单引号"),
    ("special characters are not allowed", "文件含有不允许的控制字符"),
    ("found duplicate anchor", "锚点（&名称）重复"),
    ("but found another document", "文件中只能有一个 YAML 文档（不要再写“---”）"),
)


def yaml_message(problem: str) -> str:
    """PyYAML's problem in Chinese: the known kinds explained, any other one named by its
    position alone (the problem's line and column come with it)."""
    for marker, text in _YAML_PROBLEMS:
        if marker in problem:
            return f"YAML 格式错误：{text}"
    return "YAML 格式错误：此处无法解析，请检查缩进（用空格）、冒号后的空格和引号是否成对"
