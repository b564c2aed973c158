"""Load policy files (docs/policy-format.md): validate everything, report every problem at once.

A file with any problem raises `PolicyError` and nothing from it is returned: no half-loaded
policy ever reaches the matcher.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import ParamSpec, TypeVar

import yaml

from huiqi.rules import _yamlnodes as yn
from huiqi.rules import ir
from huiqi.rules._catalog import Catalog
from huiqi.rules._checker import Checker, suggest
from huiqi.rules._items import read_item
from huiqi.rules._model import DERIVE_RULES, Item, Parameter, PolicyDocument, PolicySet
from huiqi.rules._problems import Msg, PolicyError, Problem

ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+$")
PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
REGION = re.compile(r"^\d{6}$")

TOP_KEYS = {"policy": True, "parameters": False, "items": True}
POLICY_KEYS = {"id": True, "title": True, "doc_no": False, "issuer": True, "region": True,
               "source": True, "effective_from": True, "effective_to": False}
PARAM_KEYS = {"label": True, "type": True, "scale": False, "values": False, "source": False,
              "derive": False}
ITEM_KEYS = {"id": True, "title": True, "department": True, "summary": False, "policy_text": True,
             "effective_from": False, "effective_to": False, "criteria": True, "amount": False,
             "caps": False, "budget": False, "exclusions": False, "materials": False,
             "auto_grant": False, "finance_review": False, "tests": False, "source": False,
             "apply_window": False}
P = ParamSpec("P")
T = TypeVar("T")


class FileReader:
    """Reads one policy file; problems accumulate in `problems` with their context."""

    def __init__(self, path: Path, catalog: Catalog, source: str | None = None) -> None:
        self.path = path
        self.catalog = catalog
        self.source = source  # the text itself (else read from `path`)
        self.problems: list[Problem] = []
        self.item_id: str | None = None
        self.criterion: str | None = None
        self.lines: list[str] = []
        self.regions: tuple[str, ...] = ()  # the document's, once read: every item's 适用地区

    # -- reporting -------------------------------------------------------------------------

    def report(self, node: yaml.Node | None, message: Msg) -> None:
        pos = yn.position(node) if node is not None else None
        self.problems.append(Problem(str(self.path), self.item_id, self.criterion,
                                     pos.line if pos else None, pos.column if pos else None,
                                     message))

    def guard(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """Run a reader; a NodeError becomes a problem and the result None."""
        try:
            return fn(*args, **kwargs)
        except yn.NodeError as err:
            self.report(err.node, err.message)
            return None

    def keys(self, node: yaml.Node, spec: dict[str, bool], what: str
             ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        found = self.guard(yn.mapping, node, what)
        if found is None:
            return None
        for name, (key, _) in found.items():
            if name not in spec:
                self.report(key, Msg("unknown_key",
                                     f"{what} 中有未知的键 '{name}'{suggest(name, list(spec))}"))
        for name, required in spec.items():
            if required and name not in found:
                self.report(node, Msg("missing_key", f"{what} 缺少必填的键 '{name}'"))
        return found

    # -- the file --------------------------------------------------------------------------

    def read(self) -> PolicyDocument | None:
        try:
            source = self.source if self.source is not None \
                else self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.report(None, Msg("file_unreadable", "无法读取文件：不是 UTF-8 编码的文本，"
                                  "政策文件应以 UTF-8 编码保存"))
            return None
        except OSError as err:  # the OS's own text is English: name the reason in Chinese
            why = "文件不存在" if isinstance(err, FileNotFoundError) \
                else "没有读取权限或不是普通文件"
            self.report(None, Msg("file_unreadable", f"无法读取文件：{why}"))
            return None
        self.lines = source.split("\n")
        try:
            root = yaml.compose(source, Loader=yn.BoundedLoader)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            problem = " ".join(x for x in (getattr(err, "context", None),
                                           getattr(err, "problem", None)) if x) or str(err)
            self.problems.append(Problem(str(self.path), None, None,
                                         mark.line + 1 if mark else None,
                                         mark.column + 1 if mark else None,
                                         Msg("yaml_invalid", yn.yaml_message(problem))))
            return None
        if root is None:
            self.report(None, Msg("file_empty", "文件是空的"))
            return None
        top = self.keys(root, TOP_KEYS, "文件顶层")
        if top is None:
            return None
        doc = self.document(top)
        return doc if not self.problems else None

    def document(self, top: dict[str, tuple[yaml.Node, yaml.Node]]) -> PolicyDocument | None:
        meta = self.keys(top["policy"][1], POLICY_KEYS, "policy") if "policy" in top else None
        params = self.parameters(top["parameters"][1]) if "parameters" in top else {}
        if meta is None:
            return None
        doc_id = self.guard(yn.required_text, meta["id"][1], "policy.id") if "id" in meta else None
        if doc_id is not None and not ID.match(doc_id):
            self.report(meta["id"][1], Msg("policy_id_format", f"政策编号 '{doc_id}' 应由小写字母、"
                                           "数字、点和短横线组成，如 dongbao.finance-2025"))
        fields = {name: self.meta_value(meta, name) for name in POLICY_KEYS if name != "region"}
        self.regions = self.region_codes(meta["region"][1]) if "region" in meta else ()
        start, end = fields["effective_from"], fields["effective_to"]
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.report(meta["effective_to"][1], Msg("dates_reversed", "失效日期"
                        "（effective_to）早于生效日期（effective_from）"))
        items_node = top["items"][1] if "items" in top else None
        items = self.items(items_node, params, start, end) if items_node is not None else []
        if self.problems or not isinstance(start, date) or not self.regions:
            return None
        return PolicyDocument(
            id=str(doc_id), title=str(fields["title"]), doc_no=_opt_str(fields["doc_no"]),
            issuer=str(fields["issuer"]), regions=self.regions, source=str(fields["source"]),
            effective_from=start, effective_to=end if isinstance(end, date) else None,
            parameters=params, items=items, path=self.path)

    def region_codes(self, node: yaml.Node) -> tuple[str, ...]:
        """`region: "420802"` or a list of codes; each a 6-digit 行政区划代码, no repeats."""
        nodes = self.guard(yn.sequence, node, "policy.region") if isinstance(
            node, yaml.SequenceNode) else [node]
        codes: list[str] = []
        for entry in nodes or []:
            code = self.guard(yn.required_text, entry, "policy.region")
            if code is None:
                continue
            if not REGION.match(code):
                self.report(entry, Msg("region_format",
                                       f"适用地区应为 6 位行政区划代码，实际为 '{code}'"))
            elif code in codes:
                self.report(entry, Msg("region_repeated", f"适用地区 {code} 重复列出"))
            else:
                codes.append(code)
        if nodes is not None and not nodes:
            self.report(node, Msg("region_empty",
                                  "适用地区（region）至少要写一个 6 位行政区划代码"))
        return tuple(codes) if len(codes) == len(nodes or []) else ()

    def meta_value(self, meta: dict[str, tuple[yaml.Node, yaml.Node]], name: str) -> object:
        if name not in meta:
            return None
        node = meta[name][1]
        optional = name in ("doc_no", "effective_to")
        if name.startswith("effective_"):
            return self.guard(yn.iso_date, node, f"policy.{name}", optional=optional)
        return self.guard(yn.text, node, f"policy.{name}", optional=optional)

    # -- parameters ------------------------------------------------------------------------

    def parameters(self, node: yaml.Node) -> dict[str, Parameter]:
        if yn.is_null(node):
            return {}
        found = self.guard(yn.mapping, node, "parameters") or {}
        params: dict[str, Parameter] = {}
        for name, (key, value) in found.items():
            if not PARAM_NAME.match(name):
                self.report(key, Msg("parameter_name_format",
                                     f"参数名 '{name}' 只能由小写字母、数字和下划线组成"))
            elif name in self.catalog or name == "as_of":
                self.report(key, Msg("parameter_shadows_field",
                                     f"参数 '{name}' 与字段目录中的字段同名"))
            param = self.parameter(name, value)
            if param is not None:
                params[name] = param
        return self.derived(found, params)

    def derived(self, found: dict[str, tuple[yaml.Node, yaml.Node]],
                params: dict[str, Parameter]) -> dict[str, Parameter]:
        """Link each derived parameter to its basis, a dated parameter of the same file."""
        out: dict[str, Parameter] = {}
        for name, param in params.items():
            if param.rule is not None:
                assert param.basis is not None
                basis = params.get(param.basis.name)
                if basis is None or basis.rule is not None:
                    self.report(found[name][1], Msg(
                        "parameter_derive_basis", f"参数 {name}：derive.of 应为本文件中按日期取值的"
                        f"参数，实际为 '{param.basis.name}'"))
                    continue
                param = Parameter(param.name, param.label, param.type, param.scale, (),
                                  param.source, param.rule, basis)
            out[name] = param
        return out

    def parameter(self, name: str, node: yaml.Node) -> Parameter | None:
        spec = self.keys(node, PARAM_KEYS, f"参数 {name}")
        if spec is None or "type" not in spec or "label" not in spec:
            return None
        if ("values" in spec) == ("derive" in spec):
            self.report(node, Msg("parameter_values_or_derive",
                                  f"参数 {name} 须有按日期的取值（values）或推导规则"
                                  "（derive），二者只能选一"))
            return None
        label = self.guard(yn.required_text, spec["label"][1], f"参数 {name} 的 label")
        kind = self.guard(yn.required_text, spec["type"][1], f"参数 {name} 的 type")
        if kind not in ("decimal", "money", "integer"):
            self.report(spec["type"][1], Msg("parameter_type", f"参数 {name}：type 应为 decimal、"
                                             f"money 或 integer，实际为 {kind!r}"))
            return None
        scale = {"money": 2, "integer": 0}.get(kind, -1)
        if scale < 0:
            written = self.guard(yn.number_text, spec["scale"][1], f"参数 {name} 的 scale") \
                if "scale" in spec else None
            if written is None or not written.isdigit() or int(written) > ir.MAX_SCALE:
                self.report(spec.get("scale", (node, node))[1], Msg(
                    "parameter_scale", f"参数 {name}：decimal 类型须写明小数位数 scale（0 到 "
                    f"{ir.MAX_SCALE}）"))
                return None
            scale = int(written)
        source = self.guard(yn.text, spec["source"][1], f"参数 {name} 的 source",
                            optional=True) if "source" in spec else None
        if "derive" in spec:
            how = self.keys(spec["derive"][1], {"rule": True, "of": True},
                            f"参数 {name} 的 derive")
            if how is None or "rule" not in how or "of" not in how or label is None:
                return None
            rule = self.guard(yn.required_text, how["rule"][1], f"参数 {name} 的 derive.rule")
            of = self.guard(yn.required_text, how["of"][1], f"参数 {name} 的 derive.of")
            if rule not in DERIVE_RULES:
                self.report(how["rule"][1], Msg(
                    "parameter_derive_rule", f"参数 {name}：未知的推导规则 {rule!r}"
                    f"（可用：{'、'.join(DERIVE_RULES)}）"))
                return None
            if of is None:
                return None
            placeholder = Parameter(of, of, kind, scale, ())
            return Parameter(name, label, kind, scale, (), source, rule, placeholder)
        values = self.param_values(name, spec["values"][1], scale)
        if label is None or values is None:
            return None
        return Parameter(name, label, kind, scale, tuple(values), source)

    def param_values(self, name: str, node: yaml.Node, scale: int
                     ) -> list[tuple[date, Decimal]] | None:
        entries = self.guard(yn.sequence, node, f"参数 {name} 的 values")
        if not entries:
            self.report(node, Msg("parameter_no_values", f"参数 {name} 至少要有一个按日期的取值"))
            return None
        out: list[tuple[date, Decimal]] = []
        ok = True
        for entry in entries:
            spec = self.keys(entry, {"from": True, "value": True}, f"参数 {name} 的取值")
            if spec is None or "from" not in spec or "value" not in spec:
                ok = False
                continue
            start = self.guard(yn.iso_date, spec["from"][1], f"参数 {name} 的 from")
            written = self.guard(yn.number_text, spec["value"][1], f"参数 {name} 的 value")
            if start is None or written is None:
                ok = False
                continue
            value = Decimal(written)
            if -value.as_tuple().exponent > scale:  # type: ignore[operator]
                self.report(spec["value"][1], Msg(
                    "parameter_value_scale", f"参数 {name}：{written} 的小数位数超过 {scale} 位"))
                ok = False
            if out and start <= out[-1][0]:
                self.report(spec["from"][1], Msg(
                    "parameter_dates_order",
                    f"参数 {name}：日期须按先后顺序排列（{start} 写在了 {out[-1][0]} 之后）"))
                ok = False
            out.append((start, value))
        return out if ok else None

    # -- items -----------------------------------------------------------------------------

    def items(self, node: yaml.Node, params: dict[str, Parameter], start: object,
              end: object) -> list[Item]:
        entries = self.guard(yn.sequence, node, "items")
        if entries is None:
            return []
        if not entries:
            self.report(node, Msg("items_empty", "政策文件至少要有一个事项（items）"))
        items: list[Item] = []
        seen: dict[str, yaml.Node] = {}
        checker = Checker(self.catalog, {n: p.scale for n, p in params.items()})
        for entry in entries:
            item = read_item(self, entry, checker, params, start, end)
            self.item_id = self.criterion = None
            if item is None:
                continue
            if item.id in seen:
                self.report(entry, Msg("duplicate_item_id", f"事项编号 '{item.id}' 重复（另见第 "
                                       f"{yn.position(seen[item.id]).line} 行）"))
            seen[item.id] = entry
            items.append(item)
        return items


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _policy_paths(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")
                              and p.is_file()))
        else:
            out.append(path)
    return out


def load_policy_file(path: str | Path, catalog: Catalog) -> PolicyDocument:
    """Load and validate one file. Exclusions naming items of other files are checked by
    `load_policy_files`, which sees the whole set."""
    return _load(FileReader(Path(path), catalog))


def load_policy_text(source: str, filename: str | Path, catalog: Catalog) -> PolicyDocument:
    """Load and validate one policy from its text (an upload, a stored version); problems and
    the document's `path` name `filename`."""
    return _load(FileReader(Path(filename), catalog, source))


def _load(reader: FileReader) -> PolicyDocument:
    doc = reader.read()
    if doc is not None:
        reader.problems.extend(_exclusion_problems([doc], within_file=True))
    if doc is None or reader.problems:
        raise PolicyError(reader.problems)
    return doc


def load_policy_files(paths: Iterable[str | Path], catalog: Catalog) -> PolicySet:
    """Load files and directories (*.yaml, *.yml) as one set: all or nothing."""
    problems: list[Problem] = []
    docs: list[PolicyDocument] = []
    for path in _policy_paths(paths):
        reader = FileReader(path, catalog)
        doc = reader.read()
        problems.extend(reader.problems)
        if doc is not None:
            docs.append(doc)
    problems.extend(_duplicate_problems(docs))
    problems.extend(_exclusion_problems(docs, within_file=False))
    if problems:
        raise PolicyError(problems)
    return PolicySet(docs)


def _duplicate_problems(docs: list[PolicyDocument]) -> list[Problem]:
    problems: list[Problem] = []
    doc_ids: dict[str, PolicyDocument] = {}
    item_ids: dict[str, Item] = {}
    for doc in docs:
        if doc.id in doc_ids:
            problems.append(Problem(str(doc.path), None, None, None, None,
                                    Msg("duplicate_policy_id", f"政策编号 '{doc.id}' 已被 "
                                        f"{doc_ids[doc.id].path} 使用")))
        doc_ids.setdefault(doc.id, doc)
        for item in doc.items:
            if item.id in item_ids:
                problems.append(Problem(str(doc.path), item.id, None, item.line, None,
                                        Msg("duplicate_item_id", f"事项编号 '{item.id}' 已在 "
                                            f"{item_ids[item.id].document.path} 中使用")))
            item_ids.setdefault(item.id, item)
    return problems


def _exclusion_problems(docs: list[PolicyDocument], within_file: bool) -> list[Problem]:
    known = {item.id for doc in docs for item in doc.items}
    problems: list[Problem] = []
    for doc in docs:
        for item in doc.items:
            for other in item.exclusions:
                message: Msg | None = None
                if other == item.id:
                    message = Msg("exclusion_self",
                                  "事项不能在不重复支持（exclusions）中排除自己")
                elif other not in known and not within_file:
                    message = Msg("exclusion_unknown",
                                  f"不重复支持（exclusions）中的事项 '{other}' "
                                  f"不存在{suggest(other, list(known))}")
                if message:
                    problems.append(Problem(str(doc.path), item.id, None, item.line, None, message))
    return problems
