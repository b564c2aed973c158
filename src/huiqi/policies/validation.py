"""Check a policy file's text before anything is stored: the rules loader, the file's own test
cases, and the library-wide rules (item ids unique across published documents, exclusions name
known items).

The rules loader reads paths, so the text is written to a private temporary directory under the
uploaded file's name; every problem then names that file, as the author knows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath

from huiqi.rules import (
    Catalog,
    PolicyDocument,
    PolicyError,
    PolicyTestResult,
    Problem,
    load_policy_text,
    run_policy_tests,
)

MAX_SOURCE_BYTES = 512 * 1024


@dataclass(frozen=True)
class SourceLine:
    number: int
    text: str
    problems: list[Problem]


@dataclass
class CheckResult:
    filename: str
    source: str
    document: PolicyDocument | None
    problems: list[Problem] = field(default_factory=list)
    tests: list[PolicyTestResult] = field(default_factory=list)

    @property
    def failed_tests(self) -> list[PolicyTestResult]:
        return [t for t in self.tests if not t.passed]

    @property
    def ok(self) -> bool:
        """Valid, every test case passes, no conflict with the library: may be saved."""
        return self.document is not None and not self.problems and not self.failed_tests

    def unplaced(self) -> list[Problem]:
        """Problems without a line in the file (shown above the listing)."""
        count = len(self.source.split("\n"))
        return [p for p in self.problems if p.line is None or not 1 <= p.line <= count]

    def lines(self) -> list[SourceLine]:
        """The source, line by line, each with the problems that point at it."""
        at: dict[int, list[Problem]] = {}
        for p in self.problems:
            if p.line is not None:
                at.setdefault(p.line, []).append(p)
        return [SourceLine(n, text, at.get(n, []))
                for n, text in enumerate(self.source.split("\n"), start=1)]

    def excerpt(self, context: int = 2) -> list[SourceLine | None]:
        """The lines with problems and `context` lines around them; None marks a gap."""
        lines = self.lines()
        wanted = {n for line in lines if line.problems
                  for n in range(line.number - context, line.number + context + 1)}
        out: list[SourceLine | None] = []
        for line in lines:
            if line.number in wanted:
                if out and out[-1] is not None and out[-1].number != line.number - 1:
                    out.append(None)
                out.append(line)
        return out

    def messages(self) -> list[str]:
        """Every problem and failed test as one line of text (API and CLI)."""
        out = [str(p) for p in self.problems]
        out += [f"{self.filename}: 事项 {t.item_id}，测试用例“{t.name}”未通过：{t.message}"
                for t in self.failed_tests]
        return out


def safe_filename(name: str | None) -> str:
    """The base name of an uploaded file, without directories; always ends in .yaml/.yml."""
    base = PurePath((name or "").replace("\\", "/")).name.strip()
    base = "".join(c for c in base if c.isprintable() and c not in "/\0")[:120]
    if not base or base.startswith("."):
        base = "policy.yaml"
    if not base.lower().endswith((".yaml", ".yml")):
        base += ".yaml"
    return base


def decode_upload(data: bytes, filename: str) -> str:
    """An uploaded file's text: UTF-8 (with or without BOM), at most MAX_SOURCE_BYTES."""
    from huiqi.kit.errors import ValidationFailed

    if len(data) > MAX_SOURCE_BYTES:
        raise ValidationFailed(
            f"“{filename}”过大：政策文件不能超过 {MAX_SOURCE_BYTES // 1024} KB。")
    if not data.strip():
        raise ValidationFailed(f"“{filename}”是空文件，请选择政策文件（YAML）。")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(f"“{filename}”不是 UTF-8 编码的文本文件；政策文件应为 UTF-8 编码的"
                               " YAML。") from None


def check_source(
    source: str, filename: str, catalog: Catalog, *,
    published_items: Mapping[str, str] | None = None, expected_id: str | None = None,
) -> CheckResult:
    """Check a policy file's text. `published_items`: item id → policy id, of the published
    documents other than this one (the library the file would join); `expected_id`: the
    policy.id of the document being edited (a new version must keep it)."""
    filename = safe_filename(filename)
    result = CheckResult(filename, source, None)
    if len(source.encode("utf-8")) > MAX_SOURCE_BYTES:
        result.problems.append(Problem(filename, None, None, None, None,
                                       f"文件过大（超过 {MAX_SOURCE_BYTES // 1024} KB）",
                                       "file_too_large"))
        return result
    try:
        result.document = load_source(source, filename, catalog)
    except PolicyError as err:
        result.problems = err.problems
        return result
    result.problems = library_problems(result.document, filename, published_items or {})
    result.tests = run_policy_tests(result.document, {f.name: f.label for f in catalog})
    if expected_id is not None and result.document.id != expected_id:
        result.problems.append(Problem(
            filename, None, None, None, None,
            f"文件中的 policy.id 为“{result.document.id}”，与正在编辑的政策文件“{expected_id}”"
            "不一致；要新建政策文件，请使用“上传政策文件”", "policy_id_mismatch"))
    return result


def load_source(source: str, filename: str, catalog: Catalog) -> PolicyDocument:
    """Load a policy file from its text; problems name `filename` (raises PolicyError)."""
    return _loaded(source, safe_filename(filename), catalog)


@lru_cache(maxsize=512)
def _loaded(source: str, filename: str, catalog: Catalog) -> PolicyDocument:
    """Parsed documents by (text, name, catalog): importing a file checks, saves, publishes
    and reads it back, and each parse of the YAML cost more than the rest of the publication
    of a small file (80 files: 4 × 2.5 s)."""
    return load_policy_text(source, filename, catalog)


def library_problems(doc: PolicyDocument, filename: str,
                     published_items: Mapping[str, str]) -> list[Problem]:
    """Item ids already published by another document; exclusions naming no known item."""
    problems = []
    known = {item.id for item in doc.items}
    known |= {i for i, policy_id in published_items.items() if policy_id != doc.id}
    for item in doc.items:
        other = published_items.get(item.id)
        if other is not None and other != doc.id:
            problems.append(Problem(filename, item.id, None, item.line, None,
                                    f"事项编号“{item.id}”已被已发布的政策文件“{other}”使用，"
                                    "事项编号在全部已发布文件中必须唯一", "duplicate_item_id"))
        for excluded in item.exclusions:
            if excluded not in known:
                problems.append(Problem(filename, item.id, None, item.line, None,
                                        f"不重复支持（exclusions）中的事项“{excluded}”"
                                        "不在本文件中，也不在已发布的政策中",
                                        "exclusion_unknown"))
    return problems
