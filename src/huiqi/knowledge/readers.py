"""Reading a file into text by its kind: HTML, plain text, DOCX, PDF (its text layer).

Refused with a clear message, never half-read: a file over the size limit, an encrypted PDF, a
PDF with no text layer (a scan), a file that is not one of these kinds.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from huiqi.kit.errors import ValidationFailed
from huiqi.knowledge import cleaning

MAX_BYTES = int(os.environ.get("HUIQI_KNOWLEDGE_MAX_BYTES", str(20 * 1024 * 1024)))
SUFFIXES = {".html": "html", ".htm": "html", ".txt": "text", ".md": "text", ".docx": "docx",
            ".pdf": "pdf"}


@dataclass
class RawText:
    text: str  # block per line; HTML already reduced to its visible text
    kind: str  # html | text | docx | pdf
    front: dict[str, str]
    html_title: str | None = None


def read_bytes(name: str, data: bytes, *, max_bytes: int | None = None) -> RawText:
    limit = MAX_BYTES if max_bytes is None else max_bytes
    if len(data) > limit:
        raise ValidationFailed(f"文件“{name}”大小 {len(data) / 1048576:.1f} MB，超过上限 "
                               f"{limit / 1048576:.0f} MB，请拆分后再导入。")
    suffix = Path(name).suffix.lower()
    kind = SUFFIXES.get(suffix)
    if data.startswith(b"%PDF"):
        kind = "pdf"
    elif data.startswith(b"PK") and suffix == ".docx":
        kind = "docx"
    if kind is None:
        raise ValidationFailed(f"无法识别文件“{name}”的格式：支持 HTML、TXT、DOCX、PDF。")
    if kind == "pdf":
        return RawText(_pdf_text(name, data), "pdf", {})
    if kind == "docx":
        return RawText(_docx_text(name, data), "docx", {})
    text = _decode(name, data)
    front, body = cleaning.split_front_matter(text)
    if kind == "html" or cleaning.looks_like_html(body):
        body, title = cleaning.html_to_text(body)
        return RawText(body, "html", front, title)
    return RawText(body, "text", front)


def read_path(path: Path) -> RawText:
    size = path.stat().st_size
    if size > MAX_BYTES:  # refused before reading it into memory
        raise ValidationFailed(f"文件“{path.name}”大小 {size / 1048576:.1f} MB，超过上限 "
                               f"{MAX_BYTES / 1048576:.0f} MB，请拆分后再导入。")
    return read_bytes(path.name, path.read_bytes())


def _decode(name: str, data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(f"文件“{name}”不是 UTF-8 或 GB18030 编码的文本，无法读取。")


def _pdf_text(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValidationFailed(f"PDF“{name}”已加密，无法读取文字：请提供未加密的版本。")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except PdfReadError as exc:
        raise ValidationFailed(f"PDF“{name}”已损坏或不是有效的 PDF：{exc}") from None
    if len(text.strip()) < 10:
        raise ValidationFailed(f"PDF“{name}”没有文字层（可能是扫描图片）：请提供可复制文字的版本，"
                               "或先做文字识别（OCR）再导入。")
    return text


def _docx_text(name: str, data: bytes) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for a broken package
        raise ValidationFailed(f"Word 文件“{name}”无法打开：{exc}") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(lines)
