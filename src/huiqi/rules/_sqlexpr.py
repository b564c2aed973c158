"""IR nodes to sqlglot trees: numbers as scaled integers, strict LEAST/GREATEST, exact LIKE."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlglot import exp

from huiqi.rules import ir

if TYPE_CHECKING:
    from huiqi.rules._compiler import _Sql

_OPS: dict[str, type[exp.Binary]] = {"=": exp.EQ, "<>": exp.NEQ, "<": exp.LT, "<=": exp.LTE,
                                     ">": exp.GT, ">=": exp.GTE}


def _paren(e: exp.Expr) -> exp.Expr:
    from huiqi.rules._compiler import _paren as paren

    return paren(e)


def glob_pattern(pattern: str) -> str:
    """A LIKE pattern as an equivalent (case-sensitive) SQLite GLOB pattern."""
    out = []
    for ch in pattern:
        if ch == "%":
            out.append("*")
        elif ch == "_":
            out.append("?")
        elif ch in "*?[":
            out.append(f"[{ch}]")
        else:
            out.append(ch)
    return "".join(out)


def _or_args(node: ir.Or) -> tuple[ir.Node, ...]:
    """The arguments of nested ORs (a OR b OR c parses as (a OR b) OR c)."""
    return tuple(x for a in node.args for x in (_or_args(a) if isinstance(a, ir.Or) else (a,)))


def _one_char_prefixes(args: tuple[ir.Node, ...], dialect: str
                       ) -> tuple[list[ir.Node], dict[ir.Node, str]]:
    """On SQLite, ORed `x LIKE 'c%'` (c one ASCII letter or digit) grouped by x, when two or
    more share x: (the other arguments, x -> the characters)."""
    groups: dict[ir.Node, list[str]] = {}
    if dialect == "sqlite":
        for a in args:
            if (isinstance(a, ir.Like) and not a.negated and len(a.pattern) == 2
                    and a.pattern[1] == "%" and a.pattern[0].isascii()
                    and a.pattern[0].isalnum()):
                groups.setdefault(a.arg, []).append(a.pattern[0])
    merged = {arg: "".join(sorted(set(chars))) for arg, chars in groups.items()
              if len(chars) > 1}
    rest = [a for a in args if not (isinstance(a, ir.Like) and a.arg in merged
                                    and not a.negated and len(a.pattern) == 2
                                    and a.pattern[0] in merged[a.arg] and a.pattern[1] == "%")]
    return rest, merged


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _factors(node: ir.Node) -> list[ir.Node]:
    if isinstance(node, ir.Arith) and node.op == "*":
        return _factors(node.left) + _factors(node.right)
    return [node]


def _is_number_const(node: ir.Node) -> bool:
    return isinstance(node, ir.Const) and isinstance(node.value, Decimal)


def _constant_product(factors: list[ir.Node]) -> Decimal:
    product = Decimal(1)
    for f in factors:
        if isinstance(f, ir.Const) and isinstance(f.value, Decimal):
            product *= f.value
    return product


class ExprCompiler:
    def __init__(self, sql: _Sql) -> None:
        self.sql = sql

    # -- numbers ---------------------------------------------------------------------------

    def align(self, e: exp.Expr, scale: int, to: int) -> exp.Expr:
        if to == scale:
            return e
        factor = 10 ** (to - scale)
        inner = e.this if isinstance(e, exp.Cast) else e
        if isinstance(inner, exp.Literal) and inner.is_int:  # scale the literal itself
            return self.sql.int_lit(int(inner.this) * factor, wide=isinstance(e, exp.Cast))
        return exp.Mul(this=_paren(e), expression=self.sql.int_lit(factor, False))

    def const_number(self, value: Decimal, wide: bool = True) -> tuple[exp.Expr, int]:
        scale = _decimals(value)
        return self.sql.int_lit(int(value.scaleb(scale)), wide), scale

    def number(self, node: ir.Node, wide: bool = True) -> tuple[exp.Expr, int]:
        """(scaled integer expression, its scale)."""
        if isinstance(node, ir.Const):
            assert isinstance(node.value, Decimal)
            return self.const_number(node.value, wide)
        if isinstance(node, ir.FieldRef):
            return self.sql.read_number(node.name, node.scale), node.scale
        if isinstance(node, ir.Arith):
            return self._arith(node)
        if isinstance(node, ir.Neg):
            e, s = self.number(node.arg)
            return exp.Neg(this=_paren(e)), s
        if isinstance(node, ir.Abs):
            e, s = self.number(node.arg)
            return self.sql.fn("ABS", e), s
        if isinstance(node, ir.Case):
            return self._case(node)
        if isinstance(node, ir.Extreme | ir.Coalesce):
            parts = [self.number(a) for a in node.args]
            scale = max(s for _, s in parts)
            return self._variadic(node, [self.align(e, s, scale) for e, s in parts]), scale
        raise TypeError(f"not a number node: {type(node).__name__}")

    def _arith(self, node: ir.Arith) -> tuple[exp.Expr, int]:
        if node.op == "*":
            return self._product(node)
        (a, sa), (b, sb) = self.number(node.left), self.number(node.right)
        scale = max(sa, sb)
        cls = exp.Add if node.op == "+" else exp.Sub
        return cls(this=_paren(self.align(a, sa, scale)),
                   expression=_paren(self.align(b, sb, scale))), scale

    def _product(self, node: ir.Arith) -> tuple[exp.Expr, int]:
        """Flatten a chain of `*`, multiply its constants together so scales stay small."""
        factors = _factors(node)
        constant = _constant_product(factors)
        parts = [self.number(f) for f in factors if not _is_number_const(f)]
        if constant != 1 or not parts:
            parts.append(self.const_number(constant, wide=not parts))
        e, scale = parts[0]
        for other, s in parts[1:]:
            e = exp.Mul(this=_paren(e), expression=_paren(other))
            scale += s
        return e, scale

    def _case(self, node: ir.Case) -> tuple[exp.Expr, int]:
        branches = [self.number(v) for _, v in node.whens] + [self.number(node.default)]
        scale = max(s for _, s in branches)
        aligned = [self.align(e, s, scale) for e, s in branches]
        ifs = self._whens([c for c, _ in node.whens], aligned[:-1])
        return exp.Case(ifs=ifs, default=aligned[-1]), scale

    def _whens(self, conds: list[ir.Node], values: list[exp.Expr]) -> list[exp.If]:
        """WHEN c THEN v, each followed by WHEN c IS NULL THEN NULL: an unknown condition
        makes the CASE unknown (docs/policy-format.md), it does not fall through to ELSE."""
        ifs: list[exp.If] = []
        for cond, value in zip(conds, values, strict=True):
            ifs.append(exp.If(this=self.boolean(cond), true=value))
            unknown = exp.Is(this=_paren(self.boolean(cond)), expression=exp.Null())
            ifs.append(exp.If(this=unknown, true=exp.Null()))
        return ifs

    def _variadic(self, node: ir.Extreme | ir.Coalesce, args: list[exp.Expr]
                  ) -> exp.Expr:
        if isinstance(node, ir.Coalesce):
            return self.sql.fn("COALESCE", *args)
        native = self.sql.fn(node.fn.upper(), *args)
        if len(args) == 1:
            return args[0]
        nulls = exp.or_(*[exp.Is(this=_paren(a.copy()), expression=exp.Null()) for a in args],
                        copy=False)
        return exp.Case(ifs=[exp.If(this=nulls, true=exp.Null())], default=native)

    # -- any type --------------------------------------------------------------------------

    def value(self, node: ir.Node, scale: int | None = None, wide: bool = True
              ) -> exp.Expr:
        """Any node as SQL; numbers aligned to `scale` when given."""
        if node.type is ir.ValueType.NUMBER:
            e, s = self.number(node, wide)
            return e if scale is None else self.align(e, s, max(scale, s))
        if isinstance(node, ir.Case):
            ifs = self._whens([c for c, _ in node.whens], [self.value(v) for _, v in node.whens])
            return exp.Case(ifs=ifs, default=self.value(node.default))
        if isinstance(node, ir.Extreme | ir.Coalesce):
            return self._variadic(node, [self.value(a) for a in node.args])
        if node.type is ir.ValueType.BOOL:
            return self.boolean(node)
        if isinstance(node, ir.Const):
            if isinstance(node.value, date):
                return self.sql.date_lit(node.value)
            return exp.Literal.string(str(node.value))
        if isinstance(node, ir.FieldRef):
            return self.sql.column(node.name)
        raise TypeError(f"cannot compile {type(node).__name__}")

    def _common_scale(self, *nodes: ir.Node) -> int | None:
        if nodes[0].type is not ir.ValueType.NUMBER:
            return None
        return max(self.scale_of(n) for n in nodes)

    def scale_of(self, node: ir.Node) -> int:
        """The scale `number(node)` compiles to, without building SQL."""
        if isinstance(node, ir.Const):
            assert isinstance(node.value, Decimal)
            return _decimals(node.value)
        if isinstance(node, ir.Arith) and node.op == "*":
            factors = _factors(node)
            constant = _constant_product(factors)
            scales = [self.scale_of(f) for f in factors if not _is_number_const(f)]
            if constant != 1 or not scales:
                scales.append(_decimals(constant))
            return sum(scales)
        if isinstance(node, ir.Arith):
            return max(self.scale_of(node.left), self.scale_of(node.right))
        if isinstance(node, ir.Neg | ir.Abs):
            return self.scale_of(node.arg)
        if isinstance(node, ir.Case):
            return max(self.scale_of(v) for v in (*(v for _, v in node.whens), node.default))
        if isinstance(node, ir.Extreme | ir.Coalesce):
            return max(self.scale_of(a) for a in node.args)
        return node.scale

    def _ordered(self, e: exp.Expr, node: ir.Node) -> exp.Expr:
        """Text order by code point everywhere (PostgreSQL would use the locale)."""
        if node.type is ir.ValueType.TEXT and self.sql.dialect == "postgres":
            return exp.Collate(this=_paren(e), expression=exp.Identifier(this="C", quoted=True))
        return _paren(e)

    def compare(self, op: str, left: ir.Node, right: ir.Node) -> exp.Expr:
        scale = self._common_scale(left, right)
        a = self.value(left, scale, wide=False)
        b = self.value(right, scale, wide=False)
        if op not in ("=", "<>"):
            a, b = self._ordered(a, left), self._ordered(b, right)
        return _OPS[op](this=_paren(a), expression=_paren(b))

    # -- booleans --------------------------------------------------------------------------

    def boolean(self, node: ir.Node) -> exp.Expr:
        if isinstance(node, ir.Const):
            return exp.true() if node.value else exp.false()
        if isinstance(node, ir.FieldRef):
            return self.sql.column(node.name)
        if isinstance(node, ir.Compare):
            return self.compare(node.op, node.left, node.right)
        if isinstance(node, ir.And):
            return exp.and_(*[_paren(self.boolean(a)) for a in node.args], copy=False)
        if isinstance(node, ir.Or):
            args, merged = _one_char_prefixes(_or_args(node), self.sql.dialect)
            parts = [_paren(self._glob_class(arg, chars)) for arg, chars in merged.items()]
            parts += [_paren(self.boolean(a)) for a in args]
            either = exp.or_(*parts, copy=False)
            return exp.Paren(this=either)
        if isinstance(node, ir.Not):
            return exp.Not(this=_paren(self.boolean(node.arg)))
        if isinstance(node, ir.IsNull):
            is_null = exp.Is(this=_paren(self.value(node.arg)), expression=exp.Null())
            return exp.Not(this=is_null) if node.negated else is_null
        if isinstance(node, ir.InList):
            scale = self._common_scale(node.arg, *node.items)
            test = exp.In(this=_paren(self.value(node.arg, scale)),
                          expressions=[self.value(i, scale, wide=False) for i in node.items])
            return exp.Not(this=exp.Paren(this=test)) if node.negated else test
        if isinstance(node, ir.Between):
            return exp.and_(self.compare(">=", node.arg, node.low),
                            self.compare("<=", node.arg, node.high), copy=False)
        if isinstance(node, ir.Like):
            return self._like(node)
        if isinstance(node, ir.Case | ir.Coalesce):
            return self.value(node)
        raise TypeError(f"not a condition node: {type(node).__name__}")

    def _glob_class(self, arg: ir.Node, chars: str) -> exp.Expr:
        """`arg GLOB '[chars]*'`: ORed `arg LIKE 'c%'` as one GLOB call (a call per row and
        pattern is most of what such a criterion costs on SQLite)."""
        return exp.Glob(this=_paren(self.value(arg)),
                        expression=exp.Literal.string(f"[{chars}]*"))

    def _like(self, node: ir.Like) -> exp.Expr:
        arg = _paren(self.value(node.arg))
        test: exp.Expr
        if self.sql.dialect == "sqlite":  # SQLite's LIKE ignores ASCII case; GLOB does not
            test = exp.Glob(this=arg, expression=exp.Literal.string(glob_pattern(node.pattern)))
        else:
            test = exp.Like(this=arg, expression=exp.Literal.string(node.pattern))
        return exp.Not(this=exp.Paren(this=test)) if node.negated else test
