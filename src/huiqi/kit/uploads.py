"""Material uploads: size limit, type allow-list by content (magic bytes), safe storage.

A file is accepted only if its bytes are a PDF, JPEG, PNG, OFD or an Office Open XML workbook or
document (no macros), and its extension agrees. It is stored under `settings.uploads_dir` (outside
the web root; never served statically) with a random name; the original name is sanitised and
kept as metadata only. A file written for a transaction that rolls back is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import event
from sqlalchemy.orm import Session

from huiqi.kit import avscan
from huiqi.kit.errors import HuiqiError, ValidationFailed

CHUNK = 64 * 1024
MAX_ZIP_MEMBERS = 5000
# Zip-based formats (xlsx, docx, ofd): what they may unpack to. A zip bomb claims (or, lying,
# yields) far more than this; real office documents compress 5–20×.
MAX_UNPACKED = int(os.environ.get("HUIQI_UPLOAD_MAX_UNPACKED") or 100 * 1024 * 1024)
MAX_RATIO = 100
# Markup a browser would run if it ever sniffed the file as HTML: refused inside any upload.
_ACTIVE = re.compile(rb"<\s*(script|html|body|iframe|svg|object|embed)\b|javascript:", re.I)


class UploadTooLarge(HuiqiError):
    status_code = 413
    code = "upload_too_large"


class UploadRefused(ValidationFailed):
    code = "upload_refused"


@dataclass(frozen=True)
class Kind:
    name: str
    content_type: str
    extensions: tuple[str, ...]
    label: str


KINDS = {k.name: k for k in (
    Kind("pdf", "application/pdf", (".pdf",), "PDF"),
    Kind("jpeg", "image/jpeg", (".jpg", ".jpeg"), "JPEG 图片"),
    Kind("png", "image/png", (".png",), "PNG 图片"),
    Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",),
         "Excel 工作簿（.xlsx）"),
    Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         (".docx",), "Word 文档（.docx）"),
    Kind("ofd", "application/ofd", (".ofd",), "OFD 版式文件"),
)}
ALLOWED_TEXT = "PDF、JPG、PNG、OFD、XLSX、DOCX"


@dataclass(frozen=True)
class StoredFile:
    stored_name: str  # relative to the uploads directory
    original_filename: str
    kind: str
    content_type: str
    size: int
    sha256: str


def sniff(head: bytes, data: bytes) -> str | None:
    """The file's kind from its whole structure (not only its first bytes), or None: a file that
    is also something else (a polyglot: HTML after a PDF header, a zip appended to an image)
    is refused."""
    if head.startswith(b"%PDF-"):
        return "pdf" if _pdf_ok(data) else None
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg" if _jpeg_ok(data) else None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png" if _png_ok(data) else None
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


def _pdf_ok(data: bytes) -> bool:
    tail = data[-1024:]
    return b"%%EOF" in tail and b"PK\x03\x04" not in data and not _ACTIVE.search(data)


def _jpeg_ok(data: bytes) -> bool:
    end = data.rstrip(b"\x00").endswith(b"\xff\xd9")
    return end and b"PK\x03\x04" not in data and not _ACTIVE.search(data)


def _png_ok(data: bytes) -> bool:
    """Walk the chunks to IEND; nothing may follow it."""
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            return pos == len(data) and not _ACTIVE.search(data)
    return False


def _zip_sizes_ok(zf: zipfile.ZipFile, packed: int) -> bool:
    infos = zf.infolist()
    claimed = sum(i.file_size for i in infos)
    if claimed > MAX_UNPACKED or claimed > max(packed, 1) * MAX_RATIO:
        return False
    for info in infos:  # the headers may lie: count what really comes out
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO * 10:
            return False
    total = 0
    for info in infos:
        with zf.open(info) as member:
            while chunk := member.read(CHUNK):
                total += len(chunk)
                if total > MAX_UNPACKED or total > max(packed, 1) * MAX_RATIO:
                    return False
    return True


def _zip_kind(data: bytes) -> str | None:
    # The archive must span the whole file: nothing before its first entry (checked by the
    # caller) and nothing after its end record (a zip appended to or wrapped around another file).
    end = data.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 + int.from_bytes(data[end + 20:end + 22], "little") != len(data):
        return None
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            names = zf.namelist()
            if len(names) > MAX_ZIP_MEMBERS or not _zip_sizes_ok(zf, len(data)):
                return None
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, EOFError):
        return None
    lower = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") for n in lower):
        return None  # macro-enabled Office files are refused
    if "ofd.xml" in lower:
        return "ofd"
    if "[content_types].xml" in lower:
        if any(n.startswith("xl/") for n in lower):
            return "xlsx"
        if any(n.startswith("word/") for n in lower):
            return "docx"
    return None


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def sanitise_filename(name: str | None) -> str:
    """The last path component, NFC, no control or reserved characters, at most 150 chars."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    if len(base) > 150:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 150 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else base[:150]
    return base or "未命名文件"


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    out, size = bytearray(), 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return bytes(out)
        size += len(chunk)
        if size > max_bytes:
            raise UploadTooLarge(
                f"文件超过大小限制：单个文件不能超过 {_size_text(max_bytes)}。"
                "请压缩或拆分后重新上传。",
                details={"max_bytes": max_bytes})
        out += chunk


def _size_text(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n / 1024:g} KB"


def check(data: bytes, filename: str) -> tuple[Kind, str]:
    """The detected kind and the sanitised name; UploadRefused with a reason otherwise."""
    clean = sanitise_filename(filename)
    if not data:
        raise UploadRefused(f"文件“{clean}”是空文件，请重新选择。")
    kind_name = sniff(data[:16], data)
    if kind_name is None:
        raise UploadRefused(f"文件“{clean}”的类型不受支持或结构异常：只接受 {ALLOWED_TEXT} 文件"
                            "（按完整文件结构识别，改扩展名无效；不接受含宏的 Office 文件、"
                            "解压后过大的压缩文件，或混入网页代码、其他文件的文件）。")
    kind = KINDS[kind_name]
    ext = os.path.splitext(clean)[1].lower()
    if ext not in kind.extensions:
        raise UploadRefused(f"文件“{clean}”的扩展名与内容不符：内容是{kind.label}，"
                            f"扩展名应为 {'、'.join(kind.extensions)}。")
    return kind, clean


def store(session: Session, root: Path, stream: BinaryIO, filename: str, max_bytes: int
          ) -> StoredFile:
    data = read_limited(stream, max_bytes)
    kind, clean = check(data, filename)
    avscan.scan(data, clean)  # ClamAV when HUIQI_CLAMD is set
    rel = Path(secrets.token_hex(1)) / f"{secrets.token_hex(16)}{kind.extensions[0]}"
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = target.with_suffix(".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # personal data: owner only
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)
    _remove_on_rollback(session, target)
    return StoredFile(rel.as_posix(), clean, kind.name, kind.content_type, len(data),
                      hashlib.sha256(data).hexdigest())


def resolve(root: Path, stored_name: str) -> Path:
    """The file's path, refusing anything that would leave the uploads directory."""
    path = (root / stored_name).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ValidationFailed("材料文件路径无效。")
    return path


_KEY = "huiqi.uploads.new_files"


def _remove_on_rollback(session: Session, path: Path) -> None:
    session.info.setdefault(_KEY, []).append(path)


# Both events also fire when a SAVEPOINT is released or rolled back; only the real end of the
# transaction decides whether the files stay.
@event.listens_for(Session, "after_commit")
def _keep(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_KEY, None)


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for path in session.info.pop(_KEY, []):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
