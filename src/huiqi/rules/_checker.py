"""Parse a policy expression with sqlglot and check it against the whitelist into the typed IR.

Anything outside docs/policy-format.md's whitelist is refused with a message and the offset in
the expression text where it starts. The checker never executes or re-emits the policy text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from huiqi.rules import ir
from huiqi.rules._catalog import Catalog, FieldSpec, FieldType
from huiqi.rules._problems import Msg

# Expressions are small: a criterion is one condition, an amount one formula. The limits keep
# every later stage (checking, the compilers, sqlglot's generator and optimizer, the evaluator,
# explanations), each recursive over the tree, far inside Python's recursion limit, also when
# they run deep in a web request's stack; 45 levels broke the 政策礼包 API before they existed.
MAX_TOKENS = 400  # words, numbers, operators and brackets
MAX_DEPTH = 32  # levels of the expression tree (a chain of n ANDs is n levels deep)
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COMPARE = {exp.EQ: "=", exp.NEQ: "<>", exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">="}
_ARITH = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*"}
_STATEMENTS = (exp.Select, exp.Union, exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop,
               exp.Alter, exp.Command, exp.Merge, exp.Use, exp.Set, exp.Pragma, exp.Transaction,
               exp.Commit, exp.Rollback)


@dataclass(frozen=True)
class CheckIssue:
    offset: int  # character offset in the expression text
    message: Msg


def value_type(spec: FieldSpec) -> ir.ValueType:
    if spec.type is FieldType.BOOL:
        return ir.ValueType.BOOL
    if spec.type.is_numeric:
        return ir.ValueType.NUMBER
    if spec.type is FieldType.DATE:
        return ir.ValueType.DATE
    return ir.ValueType.TEXT


def field_ref(spec: FieldSpec) -> ir.FieldRef:
    scale = spec.scale if spec.type in (FieldType.MONEY, FieldType.DECIMAL) else 0
    return ir.FieldRef(spec.name, spec.type, value_type(spec), scale)


def suggest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    return f"（是否为 '{close[0]}'？）" if close else ""


class _Bad(Exception):
    pass


class Checker:
    """Checks expressions for one policy file: its catalog and its parameters' scales."""

    def __init__(self, catalog: Catalog, params: Mapping[str, int]) -> None:
        self.catalog = catalog
        self.params = params

    def check(self, text: str, want: ir.ValueType) -> tuple[ir.Node | None, list[CheckIssue]]:
        self._issues: list[CheckIssue] = []
        tree = self._parse(text)
        if tree is None:
            return None, self._issues
        node = self._node(tree)
        if node is not None and node.type is not want:
            what = {ir.ValueType.BOOL: "条件（结果为是或否）",
                    ir.ValueType.NUMBER: "数值"}.get(want, want.value)
            self._issue(tree, Msg("expression_type",
                                  f"此处应为{what}，但这个表达式是{self._d(node)}"))
            node = None
        return (node if not self._issues else None), self._issues

    # -- parsing ---------------------------------------------------------------------------

    def _parse(self, text: str) -> exp.Expr | None:
        if not text.strip():
            self._issues.append(CheckIssue(0, Msg("expression_empty", "表达式为空")))
            return None
        try:
            tokens = sqlglot.Dialect.get_or_raise("postgres").tokenize(text)
        except TokenError:
            self._issues.append(CheckIssue(0, Msg(
                "expression_unreadable", "无法读取表达式：引号没有成对，或含有无法识别的字符")))
            return None
        if len(tokens) > MAX_TOKENS:
            self._issues.append(CheckIssue(0, Msg("expression_too_long", (
                f"表达式过长：{len(tokens)} 个词和符号，最多 {MAX_TOKENS} 个；"
                "请拆成几个条件"))))
            return None
        depth = 0
        for tok in tokens:
            depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tok.token_type, 0)
            if depth > MAX_DEPTH:
                self._issues.append(CheckIssue(tok.start, _TOO_DEEP))
                return None
            if tok.token_type is TokenType.SEMICOLON:
                self._issues.append(CheckIssue(
                    tok.start, Msg("semicolon", "不允许使用“;”：只写一个表达式，不要写多条语句")))
                return None
            if tok.comments:
                self._issues.append(CheckIssue(
                    tok.start, Msg("comment", "表达式中不允许写注释（'--'、'/* */'）")))
                return None
        try:
            trees = sqlglot.parse(text, read="postgres")
        except RecursionError:  # sqlglot's parser recurses per nesting level (NOT NOT …, CASE)
            self._issues.append(CheckIssue(0, _TOO_DEEP))
            return None
        except ParseError as err:
            first = err.errors[0] if err.errors else {}
            offset = _offset(text, first.get("line"), first.get("col"), first.get("highlight"))
            desc = _syntax_text(str(first.get("description", "")))
            self._issues.append(CheckIssue(offset, Msg("expression_syntax",
                                                       f"表达式语法有误：{desc}")))
            return None
        found = [t for t in trees if isinstance(t, exp.Expr)]
        if len(found) != 1:
            self._issues.append(CheckIssue(0, Msg("expression_syntax",
                                                  "表达式语法有误：只能写一个表达式")))
            return None
        deep = _too_deep(found[0])
        if deep is not None:
            self._issues.append(CheckIssue(_start(deep), _TOO_DEEP))
            return None
        return found[0]

    # -- checking --------------------------------------------------------------------------

    def _d(self, node: ir.Node) -> str:
        return _describe(node, self.catalog)

    def _issue(self, node: exp.Expr, message: Msg) -> None:
        self._issues.append(CheckIssue(_start(node), message))

    def _fail(self, node: exp.Expr, message: Msg) -> _Bad:
        self._issue(node, message)
        return _Bad()

    def _node(self, e: exp.Expr) -> ir.Node | None:
        try:
            return self._convert(e)
        except _Bad:
            return None

    def _convert(self, e: exp.Expr) -> ir.Node:
        if isinstance(e, exp.Paren):
            return self._convert(e.this)
        if isinstance(e, (*_STATEMENTS, exp.Subquery, exp.Exists)):
            kind = "子查询" if isinstance(e, exp.Subquery | exp.Select | exp.Exists) \
                else f"语句（{e.key.upper()}）"
            raise self._fail(e, Msg("statement",
                                    f"不允许使用{kind}：请写基于字段目录中字段的表达式"))
        if isinstance(e, exp.Column):
            return self._column(e)
        if isinstance(e, exp.Literal):
            return self._literal(e)
        if isinstance(e, exp.Boolean):
            return ir.Const(bool(e.this), ir.ValueType.BOOL)
        if isinstance(e, exp.Escape):
            raise self._fail(e, Msg("like_escape", "不允许使用 LIKE ... ESCAPE"))
        if isinstance(e, exp.Null):
            raise self._fail(e, Msg("null_literal", "此处不能写 NULL：判断信息缺失请用 IS NULL"))
        if isinstance(e, exp.Cast):
            return self._date_literal(e)
        if isinstance(e, exp.Div | exp.IntDiv):
            raise self._fail(e, Msg("division", "不允许使用“/”：请乘以小数代替（如 * 0.5）"))
        if isinstance(e, exp.Binary) and type(e) in _ARITH:
            return self._arith(e, _ARITH[type(e)])
        if isinstance(e, exp.Neg):
            arg = self._number(e.this, "负号“-”")
            return ir.Neg(arg, scale=arg.scale)
        if isinstance(e, exp.Abs):
            arg = self._number(e.this, "ABS")
            return ir.Abs(arg, scale=arg.scale)
        if isinstance(e, exp.Binary) and type(e) in _COMPARE:
            return self._compare(e, _COMPARE[type(e)])
        if isinstance(e, exp.And | exp.Or):
            what = e.key.upper()
            args = tuple(self._each([e.this, e.expression], lambda x: self._bool(x, what)))
            return ir.And(args) if isinstance(e, exp.And) else ir.Or(args)
        if isinstance(e, exp.Not):
            return ir.Not(self._bool(e.this, "NOT"))
        if isinstance(e, exp.Is):
            return self._is(e)
        if isinstance(e, exp.In):
            return self._in(e)
        if isinstance(e, exp.Between):
            return self._between(e)
        if isinstance(e, exp.Like):
            return self._like(e)
        if isinstance(e, exp.Case):
            return self._case(e)
        if isinstance(e, exp.Least | exp.Greatest):
            nodes = self._same_type([e.this, *e.expressions], e.key.upper(), numbers_or_dates=True)
            return ir.Extreme(e.key.lower(), tuple(nodes), nodes[0].type, _max_scale(nodes))
        if isinstance(e, exp.Coalesce):
            nodes = self._same_type([e.this, *e.expressions], "COALESCE")
            return ir.Coalesce(tuple(nodes), nodes[0].type, _max_scale(nodes))
        if isinstance(e, exp.Anonymous):
            return self._function(e)
        if isinstance(e, exp.Func):
            name = e.sql_name() if hasattr(e, "sql_name") else e.key.upper()
            raise self._fail(e, Msg("function_not_allowed", f"不允许使用函数 {name}()"))
        raise self._fail(e, Msg("not_allowed", f"政策表达式中不允许使用{_what(e)}"))

    def _column(self, e: exp.Column) -> ir.Node:
        ident = e.args.get("this")
        if e.table or not isinstance(ident, exp.Identifier):
            raise self._fail(e, Msg("qualified_name",
                                    f"不允许使用带表名的 '{e.sql()}'：请直接写字段名"))
        if ident.quoted:
            raise self._fail(e, Msg("quoted_field", f"字段名不要加引号：{ident.this}"))
        name = ident.this
        if name.lower() == "as_of":
            return ir.AsOf()
        spec = self.catalog.get(name)
        if spec is not None:
            return field_ref(spec)
        if name in self.params:
            return self._scaled(e, ir.ParamRef(name, scale=self.params[name]))
        names = [*self.catalog.names(), *self.params]
        raise self._fail(e, Msg("unknown_field", f"未知字段 '{name}'{suggest(name, names)}"))

    def _literal(self, e: exp.Literal) -> ir.Node:
        text = str(e.this)
        if e.is_string:
            return ir.Const(text, ir.ValueType.TEXT)
        if not _NUMBER.match(text):
            raise self._fail(e, Msg("number_format",
                                    f"数字请直接书写，如 5000000 或 0.015（不要写 {text}）"))
        scale = len(text.split(".")[1]) if "." in text else 0
        return self._scaled(e, ir.Const(Decimal(text), ir.ValueType.NUMBER, scale))

    def _date_literal(self, e: exp.Cast) -> ir.Node:
        target = e.args.get("to")
        lit = e.this
        if not (isinstance(target, exp.DataType) and target.this == exp.DataType.Type.DATE
                and isinstance(lit, exp.Literal) and lit.is_string):
            raise self._fail(e, Msg("cast",
                                    "不允许类型转换（只能写 DATE 'YYYY-MM-DD' 形式的日期）"))
        try:
            if not _ISO_DATE.match(lit.this):
                raise ValueError
            return ir.Const(date.fromisoformat(lit.this), ir.ValueType.DATE)
        except ValueError:
            raise self._fail(e, Msg("invalid_date",
                                    f"日期 '{lit.this}' 无效：请写 DATE 'YYYY-MM-DD'")) from None

    def _function(self, e: exp.Anonymous) -> ir.Node:
        name = str(e.this)
        if name.upper() != "YEARS_AGO":
            raise self._fail(e, Msg("unknown_function", f"未知函数 {name}()：可用的有 LEAST、"
                                    "GREATEST、ABS、COALESCE、YEARS_AGO"))
        args = e.expressions
        if len(args) != 1 or not (isinstance(args[0], exp.Literal) and not args[0].is_string
                                  and str(args[0].this).isdigit()):
            raise self._fail(e, Msg("years_ago_argument",
                                    "YEARS_AGO 只接受一个整数年数，如 YEARS_AGO(3)"))
        return ir.YearsAgo(int(args[0].this))

    def _each(self, exprs: list[exp.Expr],
              fn: Callable[[exp.Expr], ir.Node]) -> list[ir.Node]:
        """Check every operand, so that one expression reports all its problems."""
        out: list[ir.Node] = []
        failed = False
        for x in exprs:
            try:
                out.append(fn(x))
            except _Bad:
                failed = True
        if failed:
            raise _Bad()
        return out

    def _scaled(self, e: exp.Expr, node: ir.Node) -> ir.Node:
        if node.type is ir.ValueType.NUMBER and node.scale > ir.MAX_SCALE:
            raise self._fail(e, Msg("too_many_decimals",
                                    f"小数位数过多（{node.scale} 位，最多 {ir.MAX_SCALE} 位）"))
        return node

    def _arith(self, e: exp.Expr, op: str) -> ir.Node:
        left, right = self._each([e.this, e.expression], lambda x: self._number(x, f"“{op}”"))
        scale = left.scale + right.scale if op == "*" else max(left.scale, right.scale)
        return self._scaled(e, ir.Arith(op, left, right, scale=scale))

    def _number(self, e: exp.Expr, what: str) -> ir.Node:
        node = self._convert(e)
        if node.type is not ir.ValueType.NUMBER:
            raise self._fail(e, Msg("needs_number", f"{what} 需要数值，不能是{self._d(node)}"))
        return node

    def _bool(self, e: exp.Expr, what: str) -> ir.Node:
        node = self._convert(e)
        if node.type is not ir.ValueType.BOOL:
            raise self._fail(e, Msg("needs_condition",
                                    f"{what} 需要条件（结果为是或否），不能是{self._d(node)}"))
        return node

    def _compare(self, e: exp.Expr, op: str) -> ir.Node:
        left, right = self._each([e.this, e.expression], self._convert)
        self._comparable(e, left, right)
        if _constant(left) and _constant(right):
            raise self._fail(e, Msg("constant_comparison", "比较的两边都没有字段，结果永远不变："
                                    "请与字段比较"))
        for a, b, node in ((left, right, e.expression), (right, left, e.this)):
            self._enum_value(node, a, b)
        return ir.Compare(op, left, right)

    def _comparable(self, e: exp.Expr, left: ir.Node, right: ir.Node) -> None:
        if left.type is not right.type:
            raise self._fail(e, Msg("incomparable",
                                    f"不能将{self._d(left)}与{self._d(right)}比较"))

    def _enum_value(self, e: exp.Expr, fld: ir.Node, other: ir.Node) -> None:
        """A text literal compared with an enum field must be one of its values."""
        if not (isinstance(fld, ir.FieldRef) and isinstance(other, ir.Const)
                and fld.field_type is FieldType.ENUM):
            return
        values = self.catalog[fld.name].values
        if values and other.value not in values:
            allowed = "、".join(f"'{v}'（{label}）" for v, label in values.items())
            raise self._fail(e, Msg("enum_value", f"'{other.value}' 不是"
                                    f"{self._d(fld)}的取值（可选：{allowed}）"))

    def _is(self, e: exp.Is) -> ir.Node:
        if not isinstance(e.expression, exp.Null):
            raise self._fail(e, Msg("is_form", "IS 只能写 IS NULL 或 IS NOT NULL"))
        arg = self._convert(e.this)
        return ir.IsNull(arg, negated=bool(e.args.get("negate")))

    def _in(self, e: exp.In) -> ir.Node:
        if e.args.get("query") or e.args.get("unnest") or e.args.get("field"):
            raise self._fail(e, Msg("statement", "不允许使用子查询：IN 后面写取值列表"))
        arg = self._convert(e.this)
        items: list[ir.Const] = []
        for item in e.expressions:
            value = self._convert(item)
            if isinstance(value, ir.Neg) and isinstance(value.arg, ir.Const) \
                    and isinstance(value.arg.value, Decimal):
                value = ir.Const(-value.arg.value, value.arg.type, value.arg.scale)
            if not isinstance(value, ir.Const):
                raise self._fail(item, Msg("in_literals", "IN 后面只能写取值列表"))
            self._comparable(item, arg, value)
            self._enum_value(item, arg, value)
            items.append(value)
        if not items:
            raise self._fail(e, Msg("in_empty", "IN 至少要有一个取值"))
        return ir.InList(arg, tuple(items))

    def _between(self, e: exp.Between) -> ir.Node:
        arg = self._convert(e.this)
        low, high = self._convert(e.args["low"]), self._convert(e.args["high"])
        if arg.type not in (ir.ValueType.NUMBER, ir.ValueType.DATE, ir.ValueType.TEXT):
            raise self._fail(e, Msg("between_type",
                                    f"BETWEEN 需要数值、日期或文本，不能是{self._d(arg)}"))
        self._comparable(e, arg, low)
        self._comparable(e, arg, high)
        return ir.Between(arg, low, high)

    def _like(self, e: exp.Like) -> ir.Node:
        if e.args.get("escape") or isinstance(e.parent, exp.Escape):
            raise self._fail(e, Msg("like_escape", "不允许使用 LIKE ... ESCAPE"))
        arg = self._convert(e.this)
        if arg.type is not ir.ValueType.TEXT:
            raise self._fail(e.this, Msg("like_type", f"LIKE 需要文本，不能是{self._d(arg)}"))
        pattern = e.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise self._fail(pattern, Msg("like_pattern", "LIKE 的模式必须是带引号的文本，如 'C%'"))
        if "\\" in pattern.this:
            raise self._fail(pattern, Msg("like_backslash", "LIKE 的模式中不允许使用反斜杠"))
        return ir.Like(arg, pattern.this, negated=bool(e.args.get("negate")))

    def _case(self, e: exp.Case) -> ir.Node:
        if e.this is not None:
            raise self._fail(e, Msg("case_form", "请写 CASE WHEN <条件> THEN ...（不允许 CASE x "
                                    "WHEN 的简写形式）"))
        default = e.args.get("default")
        if default is None:
            raise self._fail(e, Msg("case_else", "CASE 必须有 ELSE"))
        ifs = e.args.get("ifs") or []
        conds = self._each([i.this for i in ifs], lambda x: self._bool(x, "WHEN"))
        whens = [(c, i.args["true"]) for c, i in zip(conds, ifs, strict=True)]
        values = self._same_type([v for _, v in whens] + [default], "CASE")
        pairs = tuple((cond, value) for (cond, _), value in zip(whens, values, strict=False))
        return ir.Case(pairs, values[-1], values[0].type, _max_scale(values))

    def _same_type(self, exprs: list[exp.Expr], what: str,
                   numbers_or_dates: bool = False) -> list[ir.Node]:
        nodes = self._each(exprs, self._convert)
        first = nodes[0]
        for x, node in zip(exprs, nodes, strict=True):
            if node.type is not first.type:
                raise self._fail(x, Msg("mixed_types",
                                       f"{what} 混用了{self._d(first)}和{self._d(node)}"))
        if numbers_or_dates and first.type not in (ir.ValueType.NUMBER, ir.ValueType.DATE):
            raise self._fail(exprs[0], Msg("needs_number_or_date",
                                           f"{what} 需要数值或日期，不能是{self._d(first)}"))
        return nodes


# sqlglot's parse errors (English), as a policy author reads them.
_SYNTAX = (("Expecting )", "缺少右括号“)”"), ("Expecting (", "缺少左括号“(”"),
           ("Required keyword", "运算符或关键字后面缺少内容"),
           ("Unexpected token", "有多余或无法识别的词、符号"))


def _syntax_text(description: str) -> str:
    for marker, text in _SYNTAX:
        if marker in description:
            return text
    return "无法识别的写法，请对照政策文件格式说明检查"


_TOO_DEEP = Msg("expression_too_deep",
                f"表达式嵌套过深（括号、运算符或 CASE 超过 {MAX_DEPTH} 层）："
                "请拆成几个条件，或用 IN、BETWEEN 合并条件")


def _too_deep(root: exp.Expr) -> exp.Expr | None:
    """The first node deeper than MAX_DEPTH levels, found without recursion; None if none."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    return None


def _max_scale(nodes: list[ir.Node]) -> int:
    return max((n.scale for n in nodes if n.type is ir.ValueType.NUMBER), default=0)


def _constant(node: ir.Node) -> bool:
    return not any(isinstance(n, ir.FieldRef | ir.ParamRef | ir.AsOf | ir.YearsAgo)
                   for n in ir.walk(node))


_KINDS = {FieldType.BOOL: "是否", FieldType.INTEGER: "整数", FieldType.MONEY: "金额",
          FieldType.DECIMAL: "小数", FieldType.TEXT: "文本", FieldType.ENUM: "选项",
          FieldType.DATE: "日期", FieldType.INDUSTRY_CODE: "行业代码", FieldType.REGION: "地区代码"}


def _describe(node: ir.Node, catalog: Catalog | None = None) -> str:
    """What a node is, for a message: a field by its catalog label (and name), else its kind."""
    if isinstance(node, ir.FieldRef):
        spec = catalog.get(node.name) if catalog is not None else None
        label = f"“{spec.label}”（{node.name}）" if spec else node.name
        return f"{_KINDS.get(node.field_type, '')}字段{label}"
    return {ir.ValueType.BOOL: "条件", ir.ValueType.NUMBER: "数值",
            ir.ValueType.TEXT: "文本", ir.ValueType.DATE: "日期"}[node.type]


def _what(e: exp.Expr) -> str:
    names: dict[type[exp.Expr], str] = {
        exp.Mod: "“%”", exp.Star: "“*”（全部列）",
        exp.ILike: "ILIKE（LIKE 已区分大小写，请按实际大小写书写）",
        exp.Placeholder: "占位符", exp.Parameter: "参数占位符（如 $1）",
        exp.DPipe: "“||”（文本拼接）", exp.Array: "数组"}
    if type(e) in names:
        return names[type(e)]
    text = e.sql(dialect="postgres")  # sqlglot's own name of the node is English: show the text
    return f"“{text if len(text) <= 40 else text[:40] + '…'}”这种写法"


def _start(e: exp.Expr) -> int:
    """Character offset where a node starts: the smallest token start among it and its leaves."""
    starts = [n.meta["start"] for n in e.walk() if "start" in n.meta]
    return min(starts) if starts else 0


def _offset(text: str, line: object, col: object, highlight: object) -> int:
    if not isinstance(line, int) or not isinstance(col, int):
        return 0
    lines = text.split("\n")
    before = sum(len(x) + 1 for x in lines[: line - 1])
    width = len(highlight) if isinstance(highlight, str) and highlight else 1
    return max(0, min(len(text), before + col - width))


def parse_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None
