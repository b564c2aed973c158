"""Compile items to SQL for SQLite, PostgreSQL and DuckDB (Spark later): exact scaled integers.

The SQL is built as a sqlglot tree from the checked IR, never from policy text. Every number is a
scaled integer (value * 10**scale): `+`/`-` align scales, `*` adds them, comparisons align, and
the amount is floored at 0 and rounded half-up to the fen once, with integer division on a
non-negative value, so every engine gives the reference evaluator's fen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache

from sqlglot import exp
from sqlglot.expressions.datatypes import DType

from huiqi.rules import ir
from huiqi.rules._amounts import prepare
from huiqi.rules._evaluator import eval_node
from huiqi.rules._model import Item

DIALECTS = ("sqlite", "postgres", "duckdb", "spark")
_INT_TYPE = {"sqlite": "INTEGER", "postgres": "NUMERIC", "duckdb": "HUGEINT",
             "spark": "DECIMAL(38, 0)"}
_SQLITE_MAX = 2**63 - 1
# Keeps the database from merging the criteria subquery into the outer query (which would copy
# every criterion back into every output column): SQLite and PostgreSQL flatten otherwise.
_FENCE = {"sqlite": " LIMIT -1 OFFSET 0", "postgres": " OFFSET 0", "duckdb": "", "spark": ""}
STAGE = "q"  # alias of the criteria subquery in `select_sql`
_LOOKUP_BITS = 6  # names are looked up 6 at a time, in constant arrays of 64 strings


class CompileError(ValueError):
    pass


@dataclass(frozen=True)
class CompiledItem:
    """SQL expressions (strings in `dialect`) over the columns of `table`, one row per row."""

    item_id: str
    dialect: str
    as_of: date
    eligible: str  # 1 / 0 / NULL
    amount_fen: str  # integer fen, NULL unless eligible is 1 and every input is known
    criteria: dict[str, str]  # criterion name -> 1 / 0 / NULL
    failed: str  # ';'-joined false criteria in file order, '' when none
    missing: str  # ';'-joined missing fields in catalog order, '' when none
    ir: ir.ItemIR = field(repr=False)
    table: str = "src"
    # Staged form, each criterion computed once per row: `stage_columns` (alias -> criterion
    # over `table`; the alias is derived from the SQL, so items sharing a criterion share it)
    # and `stage_fields` are selected in a subquery named STAGE; `staged` holds eligible,
    # amount_fen, failed and missing over that subquery's columns, and failed_bits and
    # missing_bits (integers: bit i is the i-th name of failed_names / missing_names) for
    # engines that turn bit patterns into text themselves; on SQLite also `packed`: eligible
    # (bit 0), unknown (bit 1), failed bits then missing bits in one integer.
    stage_columns: dict[str, str] = field(default_factory=dict)
    stage_fields: tuple[str, ...] = ()
    staged: dict[str, str] = field(default_factory=dict)
    failed_names: tuple[str, ...] = ()
    missing_names: tuple[str, ...] = ()
    criterion_aliases: tuple[str, ...] = ()  # the stage column of each criterion, in order

    def stage_sql(self, *extra_columns: str) -> str:
        """The criteria subquery: extra columns, the fields the outputs read, the criteria."""
        return stage_select(self.dialect, self.table, [*extra_columns, *self.stage_fields],
                            self.stage_columns)

    def select_sql(self, *extra_columns: str) -> str:
        """SELECT extra columns (names), eligible, amount_fen, failed, missing FROM table."""
        extras = [_quoted(c, self.dialect) for c in extra_columns]
        outputs = [f"{self.staged[k]} AS {k}" for k in ("eligible", "amount_fen", "failed",
                                                         "missing")]
        # every piece was rendered by sqlglot from the checked IR, never from policy text
        return (f"SELECT {', '.join([*extras, *outputs])} "  # noqa: S608
                f"FROM ({self.stage_sql(*extra_columns)}) AS {_quoted(STAGE, self.dialect)}")


def select_all_sql(compiled: Sequence[CompiledItem], *extra_columns: str,
                   outputs: Sequence[str] = ("eligible", "amount_fen", "failed", "missing")
                   ) -> str:
    """One row per table row for all items at once: extra columns, then for item k (in order)
    `<output>_<k>` for each of `outputs` (keys of `CompiledItem.staged`). Criteria shared by
    several items are computed once."""
    if not compiled:
        raise CompileError("no items to compile")
    first = compiled[0]
    if any((c.dialect, c.table) != (first.dialect, first.table) for c in compiled):
        raise CompileError("items compiled for different dialects or tables")
    d = first.dialect
    criteria = {alias: sql for c in compiled for alias, sql in c.stage_columns.items()}
    fields = [f for c in compiled for f in c.stage_fields]
    parts = [_quoted(c, d) for c in extra_columns] + [
        f"{c.staged[name]} AS {_quoted(f'{name}_{k}', d)}"
        for k, c in enumerate(compiled) for name in outputs]
    stage = stage_select(d, first.table, [*extra_columns, *fields], criteria)
    return f"SELECT {', '.join(parts)} FROM ({stage}) AS {_quoted(STAGE, d)}"  # noqa: S608


def _quoted(name: str, dialect: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect=dialect)


def stage_select(dialect: str, table: str, columns: Iterable[str],
                 criteria: dict[str, str]) -> str:
    """SELECT columns and criteria (alias -> SQL) FROM table, fenced against flattening."""
    names = list(dict.fromkeys(columns))
    parts = [_quoted(c, dialect) for c in names] + [
        f"{sql} AS {_quoted(alias, dialect)}" for alias, sql in criteria.items()]
    return (f"SELECT {', '.join(parts)} FROM {_quoted(table, dialect)}"  # noqa: S608
            f"{_FENCE[dialect]}")


def _type(kind: DType) -> exp.DataType:
    """A type by its enum member: building one from a name ("DATE") runs sqlglot's parser,
    which was a third of the time of compiling an item."""
    return exp.DataType(this=kind)


def compile_item(item: Item, as_of: date, dialect: str, *, table: str | None = "src",
                 columns: str = "natural") -> CompiledItem:
    """Compile one item as of a date. `columns`: "natural" (money in yuan, decimals as stored)
    or "scaled" (numbers already stored as integers value * 10**scale)."""
    return _compile_cached(item, as_of, dialect, table, columns)


# Compiling through sqlglot costs ~60 ms an item; a loaded item is never changed, and a CLI run,
# a re-match or a web request compiles the same items again, so the result is kept (by item
# identity: Item compares by identity).
@lru_cache(maxsize=2048)
def _compile_cached(item: Item, as_of: date, dialect: str, table: str | None,
                    columns: str) -> CompiledItem:
    if dialect not in DIALECTS:
        raise CompileError(f"unknown dialect {dialect!r} (known: {', '.join(DIALECTS)})")
    if columns not in ("natural", "scaled"):
        raise CompileError("columns must be 'natural' or 'scaled'")
    bound = engine_ir(item, as_of)
    compiled = _ItemCompiler(_Sql(dialect, table, columns), bound, as_of, table or "src")
    return compiled.compile()


def compile_items(items: Iterable[Item], as_of: date, dialect: str, *, table: str | None = "src",
                  columns: str = "natural") -> list[CompiledItem]:
    return [compile_item(i, as_of, dialect, table=table, columns=columns) for i in items]


# -- constant folding --------------------------------------------------------------------------

def fold(node: ir.Node) -> ir.Node:
    """Evaluate every subtree without fields (after binding) to a constant."""

    def one(n: ir.Node) -> ir.Node | None:
        if isinstance(n, ir.Const | ir.FieldRef) or ir.field_names(n):
            return None
        with localcontext() as ctx:
            ctx.prec = 80
            value = eval_node(n, {})
        if value is None or isinstance(value, Fraction):  # no Fraction once Ratios are cleared
            return None
        return ir.Const(value, n.type, _decimals(value) if isinstance(value, Decimal) else 0)

    return ir.transform(node, one)


def fold_item(bound: ir.ItemIR) -> ir.ItemIR:
    return ir.map_item(bound, fold)


def engine_ir(item: Item, as_of: date) -> ir.ItemIR:
    """The item as every engine runs it: bound as of the date, amounts prepared for unknown
    facts (see _amounts), constants folded."""
    return fold_item(prepare(item.bound_ir(as_of)))


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _paren(e: exp.Expr) -> exp.Expr:
    atomic = (exp.Column, exp.Literal, exp.Cast, exp.Anonymous, exp.Paren, exp.Boolean, exp.Null,
              exp.Case)
    return e if isinstance(e, atomic) else exp.Paren(this=e)


class _Sql:
    """Dialect-specific pieces: column reads, literals, integer type and division."""

    def __init__(self, dialect: str, table: str | None, columns: str) -> None:
        self.dialect = dialect
        self.table = table
        self.columns = columns
        self.int_type = exp.DataType.build(_INT_TYPE[dialect], dialect=dialect)

    def column(self, name: str) -> exp.Expr:
        return exp.column(name, table=self.table, quoted=True)

    def int_lit(self, n: int, wide: bool = True) -> exp.Expr:
        if self.dialect == "sqlite" and abs(n) > _SQLITE_MAX:
            raise CompileError(f"the integer {n} does not fit in SQLite's 64-bit integers")
        lit = exp.Literal.number(n) if n >= 0 else exp.Neg(this=exp.Literal.number(-n))
        if wide and self.dialect != "sqlite":
            return exp.Cast(this=lit, to=self.int_type.copy())
        return _paren(lit)

    def read_number(self, name: str, scale: int) -> exp.Expr:
        col = self.column(name)
        if self.columns == "scaled":
            return col if self.dialect == "sqlite" else exp.Cast(this=col, to=self.int_type.copy())
        scaled = col if scale == 0 else exp.Mul(this=col, expression=self.int_lit(10**scale, False))
        rounded = exp.Anonymous(this="ROUND", expressions=[scaled])
        return exp.Cast(this=rounded, to=self.int_type.copy())

    def div(self, a: exp.Expr, b: exp.Expr) -> exp.Expr:
        """Integer division of a non-negative integer by a positive one."""
        if self.dialect == "sqlite":
            return exp.Div(this=_paren(a), expression=_paren(b), typed=True, safe=False)
        return exp.IntDiv(this=_paren(a), expression=_paren(b))

    def fn(self, name: str, *args: exp.Expr) -> exp.Expr:
        if self.dialect == "sqlite":
            name = {"LEAST": "MIN", "GREATEST": "MAX"}.get(name, name)
        return exp.Anonymous(this=name, expressions=list(args))

    def date_lit(self, value: date) -> exp.Expr:
        lit = exp.Literal.string(value.isoformat())
        if self.dialect == "sqlite":
            return lit  # dates are ISO text in SQLite
        return exp.Cast(this=lit, to=_type(exp.DataType.Type.DATE))

    def to_int(self, e: exp.Expr) -> exp.Expr:
        wide = exp.DataType.Type.BIGINT if self.dialect != "sqlite" else exp.DataType.Type.INT
        return exp.Cast(this=_paren(e), to=_type(wide))


class _ItemCompiler:
    def __init__(self, sql: _Sql, bound: ir.ItemIR, as_of: date, table: str,
                 stage: list[str] | None = None) -> None:
        from huiqi.rules._sqlexpr import ExprCompiler

        self.sql = sql
        self.bound = bound
        self.as_of = as_of
        self.table = table
        self.x = ExprCompiler(sql)
        self.stage = stage  # criterion aliases, when criteria are columns of the stage
        self.any_null_alias: str | None = None

    # Each use of a sub-expression builds a fresh tree from the IR: cheaper than deep copies.

    def _crit(self, i: int) -> exp.Expr:
        if self.stage is not None:
            return exp.column(self.stage[i], table=STAGE, quoted=True)
        return _paren(self.x.boolean(self.bound.criteria[i].expr))

    def _staged(self) -> tuple[dict[str, str], dict[str, str], tuple[str, ...]]:
        """(alias -> criterion SQL over the table, output -> SQL over the stage subquery,
        each criterion's alias)."""
        d = self.sql.dialect
        columns: dict[str, str] = {}
        aliases = []
        for i in range(len(self.bound.criteria)):
            text = self._crit(i).sql(dialect=d, copy=False)
            alias = "__c_" + hashlib.blake2s(text.encode(), digest_size=6).hexdigest()
            columns[alias] = text
            aliases.append(alias)
        outer = _ItemCompiler(_Sql(d, STAGE, self.sql.columns), self.bound, self.as_of,
                              self.table, aliases)
        if self.bound.amount is not None:  # whether an amount input is NULL, once per row
            text = self._any_null().sql(dialect=d, copy=False)
            outer.any_null_alias = "__n_" + hashlib.blake2s(text.encode(),
                                                            digest_size=6).hexdigest()
            columns[outer.any_null_alias] = text
        return columns, outer._outputs(), tuple(aliases)

    def _outputs(self) -> dict[str, str]:
        b = self.bound
        if b.amount is None:
            amount_fen: exp.Expr = exp.Cast(this=exp.Null(), to=_type(exp.DataType.Type.BIGINT))
        else:
            # nested, so the amount is only computed for eligible rows
            inner = exp.Case(ifs=[exp.If(this=self._any_null(), true=exp.Null())],
                             default=self._amount())
            amount_fen = exp.Case(ifs=[exp.If(this=_paren(self._elig()), true=inner)])
        d = self.sql.dialect
        failed, missing = self._failed_conds(), self._missing_conds()
        out = {"eligible": self._as_int(self._elig()).sql(dialect=d, copy=False),
               "amount_fen": amount_fen.sql(dialect=d, copy=False),
               "failed": self._names(failed), "missing": self._names(missing),
               "failed_bits": self._bits(failed).sql(dialect=d, copy=False),
               "missing_bits": self._bits(missing).sql(dialect=d, copy=False)}
        if d == "sqlite" and b.amount is not None:
            # no eligibility guard and no NULL test: SQLite's MIN/MAX are NULL when an
            # argument is, so this is NULL exactly when an amount input is (or on overflow)
            out["amount_value"] = self._amount().sql(dialect=d, copy=False)
        if d == "sqlite" and 2 + len(failed) + len(missing) <= 63:
            # one 64-bit integer: bit 0 eligible, bit 1 unknown, then failed and missing bits
            flags = [("", _paren(self._elig())),
                     ("", exp.Is(this=_paren(self._elig()), expression=exp.Null()))]
            out["packed"] = self._bits([*flags, *failed, *missing]).sql(dialect=d, copy=False)
        return out

    def _bit_names(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return (tuple(n for n, _ in self._failed_conds()),
                tuple(n for n, _ in self._missing_conds()))

    def _elig(self) -> exp.Expr:
        n = len(self.bound.criteria)
        return exp.and_(*[self._crit(i) for i in range(n)], copy=False) if n else exp.true()

    def _money_nodes(self) -> list[ir.Node]:
        b = self.bound
        assert b.amount is not None
        return [b.amount, *(node for _, node in b.caps), *(node for _, node in b.cap_floors)]

    def _amount_args(self) -> list[exp.Expr]:
        """The amount, each cap, each cap floor: scaled integers at one scale."""
        nodes = self._money_nodes()
        scale = max(self.x.scale_of(n) for n in nodes)
        return [self.x.align(*self.x.number(n), scale) for n in nodes]

    def _bounded(self) -> tuple[exp.Expr, exp.Expr]:
        """With cap floors: (m, m*): the amount under the known caps only, and under every
        cap with an unknown one replaced by its floor. Equal exactly when the amount is
        certain (docs/policy-format.md, "Unknown facts in amounts")."""
        b = self.bound
        args = self._amount_args()
        caps = args[1:1 + len(b.caps)]
        floors = dict(zip((n for n, _ in b.cap_floors), args[1 + len(b.caps):], strict=True))
        amount = args[0]
        known = [self.sql.fn("COALESCE", c, amount.copy()) for c in caps]
        low = [self.sql.fn("COALESCE", c.copy(), floors[name]) if name in floors else c.copy()
               for (name, _), c in zip(b.caps, caps, strict=True)]
        return self._strict_least([amount.copy(), *known]), self._strict_least([amount, *low])

    def _strict_least(self, args: list[exp.Expr]) -> exp.Expr:
        """LEAST that is NULL when an argument is (PostgreSQL's and DuckDB's skip NULLs)."""
        if self.sql.dialect == "sqlite":  # MIN(a, b, ...) is already strict
            return self.sql.fn("LEAST", *args)
        nulls = exp.or_(*[exp.Is(this=_paren(a.copy()), expression=exp.Null()) for a in args],
                        copy=False)
        return exp.Case(ifs=[exp.If(this=nulls, true=exp.Null())],
                        default=self.sql.fn("LEAST", *args))

    def _certain(self) -> exp.Expr:
        m, low = self._bounded()
        return exp.EQ(this=_paren(m), expression=_paren(low))

    def _any_null(self) -> exp.Expr:
        """True when the amount is not determined (an input it needs is unknown)."""
        if self.any_null_alias is not None:
            return exp.column(self.any_null_alias, table=STAGE, quoted=True)
        if self.bound.cap_floors:
            return exp.Case(ifs=[exp.If(this=self._certain(), true=exp.false())],
                            default=exp.true())
        return exp.or_(*[exp.Is(this=_paren(a), expression=exp.Null())
                         for a in self._amount_args()], copy=False)

    def compile(self) -> CompiledItem:
        b = self.bound
        d = self.sql.dialect
        flat = self._outputs()
        stage_columns, staged, aliases = self._staged()
        return CompiledItem(
            item_id=b.item_id, dialect=d, as_of=self.as_of, eligible=flat["eligible"],
            amount_fen=flat["amount_fen"],
            criteria={c.name: self._as_int(self._crit(i)).sql(dialect=d, copy=False)
                      for i, c in enumerate(b.criteria)},
            failed=flat["failed"], missing=flat["missing"],
            ir=b, table=self.table, stage_columns=stage_columns,
            stage_fields=b.fields, staged=staged, failed_names=self._bit_names()[0],
            missing_names=self._bit_names()[1], criterion_aliases=aliases)

    @staticmethod
    def _as_int(e: exp.Expr) -> exp.Expr:
        return exp.Cast(this=_paren(e), to=_type(exp.DataType.Type.INT))

    def _floored(self) -> tuple[exp.Expr, int]:
        b = self.bound
        scale = max(self.x.scale_of(n) for n in self._money_nodes())
        if b.cap_floors:
            capped = self._bounded()[1]
        else:
            args = self._amount_args()
            capped = args[0] if len(args) == 1 else self.sql.fn("LEAST", *args)
        floored = self.sql.fn("GREATEST", capped, self.sql.int_lit(0, wide=False))
        if scale < 2:
            floored = exp.Mul(this=floored, expression=self.sql.int_lit(10 ** (2 - scale), False))
        return floored, max(scale, 2)

    def _amount(self) -> exp.Expr:
        """The floored amount in fen, rounded half-up: at scale s and multiplied by the
        item's divisor d, fen = round(x / q) with q = 10**(s-2) * d, as (2x + q) div 2q
        (for q even, (x + q/2) div q)."""
        floored, scale = self._floored()
        q = 10 ** (scale - 2) * self.bound.divisor
        if q == 1:
            rounded, inexact = floored, self._floored()[0]
        elif q % 2 == 0:
            rounded = self.sql.div(exp.Add(this=floored, expression=self.sql.int_lit(q // 2,
                                                                                      False)),
                                   self.sql.int_lit(q, wide=False))
            inexact = self._floored()[0]
        else:
            twice = exp.Add(this=exp.Mul(this=_paren(floored), expression=exp.Literal.number(2)),
                            expression=self.sql.int_lit(q, wide=False))
            rounded = self.sql.div(twice, self.sql.int_lit(2 * q, wide=False))
            inexact = twice.copy()
        result = self.sql.to_int(rounded)
        if self.sql.dialect == "sqlite":
            # SQLite turns an overflowing integer product into a float: give no amount rather
            # than an inexact one (see "Known limits" in the package docstring)
            exact = exp.EQ(this=exp.Anonymous(this="TYPEOF", expressions=[inexact]),
                           expression=exp.Literal.string("integer"))
            result = exp.Case(ifs=[exp.If(this=exact, true=result)])
        if self.bound.cap_floors:  # no amount unless it is certain
            result = exp.Case(ifs=[exp.If(this=self._certain(), true=result)])
        return result

    def _concat(self, pieces: list[exp.Expr]) -> exp.Expr:
        if not pieces:
            return exp.Literal.string("")
        joined = pieces[0]
        for piece in pieces[1:]:
            joined = exp.DPipe(this=joined, expression=piece, safe=True)
        return exp.Anonymous(this="SUBSTR", expressions=[joined, exp.Literal.number(2)])

    @staticmethod
    def _piece(cond: exp.Expr, name: str) -> exp.Expr:
        return exp.Case(ifs=[exp.If(this=cond, true=exp.Literal.string(";" + name))],
                        default=exp.Literal.string(""))

    def _failed_conds(self) -> list[tuple[str, exp.Expr]]:
        return [(c.name, exp.Not(this=self._crit(i))) for i, c in enumerate(self.bound.criteria)]

    def _missing_conds(self) -> list[tuple[str, exp.Expr]]:
        b = self.bound
        money = set(b.amount_fields) | set(b.cap_fields) if b.amount is not None else set()
        out: list[tuple[str, exp.Expr]] = []
        for name in b.fields:
            conds: list[exp.Expr] = [exp.Is(this=self._crit(i), expression=exp.Null())
                                     for i, c in enumerate(b.criteria) if name in c.fields]
            if name in money:
                conds.append(exp.and_(_paren(self._elig()), _paren(self._any_null()),
                                      copy=False))
            if conds:
                is_null = exp.Is(this=self.sql.column(name), expression=exp.Null())
                either = _paren(exp.or_(*conds, copy=False))
                out.append((name, exp.and_(is_null, either, copy=False)))
        return out

    @staticmethod
    def _bits(conds: list[tuple[str, exp.Expr]]) -> exp.Expr:
        """An integer with bit i set when the i-th condition is true."""
        total: exp.Expr = exp.Literal.number(0)
        for i, (_name, cond) in enumerate(conds):
            term = exp.Case(ifs=[exp.If(this=cond, true=exp.Literal.number(1 << i))],
                            default=exp.Literal.number(0))
            total = term if i == 0 else exp.Add(this=total, expression=term)
        return total

    def _names(self, conds: list[tuple[str, exp.Expr]]) -> str:
        """The names whose condition is true, ';'-joined: looked up by bit pattern in constant
        arrays where the dialect has arrays (much cheaper than building strings), else concat."""
        d = self.sql.dialect
        if d not in ("duckdb", "postgres") or not conds:
            return self._concat([self._piece(c, n) for n, c in conds]).sql(dialect=d, copy=False)
        groups = [self._lookup(conds[k:k + _LOOKUP_BITS])
                  for k in range(0, len(conds), _LOOKUP_BITS)]
        if len(groups) == 1:
            return groups[0]
        return "CONCAT_WS(';', " + ", ".join(f"NULLIF({g}, '')" for g in groups) + ")"

    def _lookup(self, conds: list[tuple[str, exp.Expr]]) -> str:
        d = self.sql.dialect
        names = [n for n, _ in conds]
        combos = [";".join(n for i, n in enumerate(names) if m >> i & 1)
                  for m in range(1 << len(names))]
        elems = ", ".join(exp.Literal.string(c).sql(dialect=d) for c in combos)
        index = exp.Add(this=_paren(self._bits(conds)), expression=exp.Literal.number(1))
        at = index.sql(dialect=d, copy=False)
        return f"list_extract([{elems}], {at})" if d == "duckdb" else \
            f"(ARRAY[{elems}]::TEXT[])[{at}]"
